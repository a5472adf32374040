"""F4: the server's file changed while it was being edited.  Every answer keeps the edit."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

# (answer, button label, key, button id); the key is underlined in the label.
CHOICES = [
    ("overwrite", "Overwrite the server's version with mine", "o", "edit-overwrite"),
    ("beside", "Save mine beside it under a new name", "s", "edit-beside"),
    ("diff", "Compare both in a diff", "d", "edit-diff"),
    ("edit", "Keep editing (reopen the editor)", "e", "edit-again"),
]


def _label(text: str, key: str) -> Content:
    at = text.lower().find(key)
    return Content(text) if at < 0 else Content(text).stylize("underline", at, at + 1)


class EditConflictDialog(ModalScreen[str]):
    """Answers 'overwrite', 'beside', 'diff', 'edit', or 'keep' (Escape: keep the copy and decide later)."""

    CSS_PATH = Path(__file__).parent.parent / "styles" / "edit.tcss"
    BINDINGS = [
        *(Binding(key, f"answer('{answer}')", label, show=False, id=f"edit_conflict_{answer}")
          for answer, label, key, _id in CHOICES),
        Binding("escape", "answer('keep')", "Keep my copy for later", id="edit_conflict_keep",
                tooltip="Upload nothing; keep the edited copy in sshdeck's private folder"),
    ]

    def __init__(self, shown_path: str, can_diff: bool) -> None:
        super().__init__(classes="edit-conflict-screen")
        self.shown_path = shown_path  # already escaped (display_path)
        self.can_diff = can_diff

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog edit-conflict-dialog"):
            yield Label("Changed on the server while you edited it", classes="dialog-title")
            with VerticalScroll(id="edit-conflict-facts"):
                yield Static(Content(self.shown_path), id="edit-conflict-path")
            with Vertical(id="edit-conflict-choices"):
                for answer, label, key, button_id in CHOICES:
                    if answer == "diff" and not self.can_diff:
                        continue
                    yield Button(_label(label, key), id=button_id, compact=True)
            yield Static("Escape: upload nothing now; your copy is kept", id="edit-conflict-hint")

    def on_mount(self) -> None:
        self.query_one("#edit-again", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        for answer, _label_text, _key, button_id in CHOICES:
            if event.button.id == button_id:
                self.dismiss(answer)

    def action_answer(self, answer: str) -> None:
        if answer == "diff" and not self.can_diff:
            return
        self.dismiss(answer)
