"""When the destination already has a file of that name: what to do with it (and with the next ones)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, Static

from sshdeck.core.fs.listing import format_mtime
from sshdeck.core.transfer import Conflict, ConflictChoice, ConflictDecision, Stat
from sshdeck.ui.inert_content import shown
from sshdeck.ui.widgets.transfer_panel import format_bytes

# (choice, button label, key, button id); the key is the accelerator and is underlined in the label.
CHOICES = [
    (ConflictChoice.OVERWRITE, "Overwrite", "o", "conflict-overwrite"),
    (ConflictChoice.RESUME, "Resume", "r", "conflict-resume"),
    (ConflictChoice.SKIP, "Skip", "s", "conflict-skip"),
    (ConflictChoice.RENAME, "Keep both", "k", "conflict-rename"),
    (ConflictChoice.NEWER, "If newer", "n", "conflict-newer"),
    (ConflictChoice.SIZE, "If size differs", "z", "conflict-size"),
    (ConflictChoice.CANCEL, "Cancel", "c", "conflict-cancel"),
]


def _facts(stat: Stat) -> str:
    when = format_mtime(stat.mtime) or "unknown time"
    return f"{format_bytes(stat.size)} ({stat.size:,} bytes), modified {when}"


def _label(text: str, key: str) -> Content:
    at = text.lower().find(key)
    if at < 0:
        return Content(text)
    return Content(text).stylize("underline", at, at + 1)


class ConflictDialog(ModalScreen[ConflictDecision]):
    """Asks about one existing file; Skip has the focus, Escape cancels the whole transfer."""

    BINDINGS = [
        *(Binding(key, f"choose('{choice.value}')", label, show=False, id=f"conflict_{choice.value}",
                  tooltip=f"{label} (this file, or all with Apply to all)")
          for choice, label, key, _id in CHOICES),
        Binding("escape", "choose('cancel')", "Cancel transfer", id="conflict_escape",
                tooltip="Stop the whole transfer"),
        Binding("a", "toggle_all", "Apply to all", id="conflict_apply_all",
                tooltip="Use this answer for later conflicts"),
    ]

    def __init__(self, conflict: Conflict, *, dest: str = "") -> None:
        super().__init__(classes="conflict-screen")
        self.conflict = conflict
        self.dest = dest

    @property
    def can_resume(self) -> bool:
        existing, source = self.conflict.existing, self.conflict.source
        return existing.is_file and existing.size < source.size

    def compose(self) -> ComposeResult:
        conflict = self.conflict
        where = f" in {self.dest}" if self.dest else ""
        with Vertical(classes="dialog conflict-dialog"):
            yield Label(shown(f"“{conflict.name}” already exists{where}"), classes="dialog-title")
            with Grid(id="conflict-facts"):
                yield Static("New:", classes="conflict-side")
                yield Static(shown(_facts(conflict.source)), id="conflict-source")
                yield Static("Existing:", classes="conflict-side")
                yield Static(shown(_facts(conflict.existing)), id="conflict-existing")
            yield Static(Content(self._hint()), id="conflict-hint")
            with Horizontal(classes="dialog-buttons conflict-buttons"):
                for choice, label, key, button_id in CHOICES[:4]:
                    yield Button(_label(label, key), id=button_id, compact=True,
                                 disabled=choice is ConflictChoice.RESUME and not self.can_resume)
            with Horizontal(classes="dialog-buttons conflict-buttons"):
                for _choice, label, key, button_id in CHOICES[4:]:
                    yield Button(_label(label, key), id=button_id, compact=True,
                                 variant="error" if button_id == "conflict-cancel" else "default")
            yield Checkbox(_label("Apply to all remaining conflicts", "a"), id="conflict-all", compact=True)

    def _hint(self) -> str:
        source, existing = self.conflict.source, self.conflict.existing
        newer = (source.mtime or 0) > (existing.mtime or 0) + 1
        older = (existing.mtime or 0) > (source.mtime or 0) + 1
        age = "The new file is newer." if newer else "The existing file is newer." if older else "Same time."
        size = "Same size." if source.size == existing.size else "Sizes differ."
        return f"{age} {size}"

    def on_mount(self) -> None:
        self.query_one("#conflict-skip", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        for choice, _label_text, _key, button_id in CHOICES:
            if event.button.id == button_id:
                self._answer(choice)

    def action_choose(self, value: str) -> None:
        choice = ConflictChoice(value)
        if choice is ConflictChoice.RESUME and not self.can_resume:
            self.notify("Resume needs an existing file shorter than the new one", severity="warning", markup=False)
            return
        self._answer(choice)

    def action_toggle_all(self) -> None:
        box = self.query_one("#conflict-all", Checkbox)
        box.value = not box.value

    def _answer(self, choice: ConflictChoice) -> None:
        apply_all = self.query_one("#conflict-all", Checkbox).value and choice is not ConflictChoice.CANCEL
        self.dismiss(ConflictDecision(choice, apply_all))
