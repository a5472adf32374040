"""Change permissions: an rwx grid and an octal field that follow each other."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

BITS = [(who, what, 1 << (8 - 3 * row - col)) for row, who in enumerate(("owner", "group", "others"))
        for col, what in enumerate(("read", "write", "execute"))]


class BitBox(Checkbox):
    """One permission bit, drawn `[x]` or `[ ]`: checked or not is readable without colour."""

    BUTTON_LEFT = "["
    BUTTON_RIGHT = "]"

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # Checkbox draws this between the brackets
        return "x" if self.value else " "


class ChmodDialog(ModalScreen[int | None]):
    """Returns the new mode (0o000–0o7777), or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_chmod")]

    def __init__(self, title: str, mode: int) -> None:
        super().__init__()
        self.title_text = title
        self.mode = mode & 0o7777
        self._syncing = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content(self.title_text), classes="dialog-title")
            with Grid(id="chmod-grid"):
                yield Static("")
                for what in ("read", "write", "execute"):
                    yield Static(what)
                for index, (who, what, bit) in enumerate(BITS):
                    if index % 3 == 0:
                        yield Static(who)
                    yield BitBox("", self.mode & bit != 0, id=f"bit-{who}-{what}", compact=True)
            yield Input(f"{self.mode:04o}", id="octal", max_length=4, restrict=r"[0-7]*")
            yield Static(classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Apply", id="apply", variant="primary")

    @on(Checkbox.Changed)
    def _bit_changed(self, event: Checkbox.Changed) -> None:
        if self._syncing:
            return
        mode = self.mode & 0o7000
        for who, what, bit in BITS:
            if self.query_one(f"#bit-{who}-{what}", Checkbox).value:
                mode |= bit
        self.mode = mode
        self._syncing = True
        self.query_one("#octal", Input).value = f"{mode:04o}"
        self._syncing = False

    @on(Input.Changed, "#octal")
    def _octal_changed(self, event: Input.Changed) -> None:
        if self._syncing:
            return
        error = self.query_one(".dialog-error", Static)
        try:
            mode = int(event.value or "x", 8)
        except ValueError:
            error.update("type up to four octal digits, e.g. 0644")
            self.query_one("#apply", Button).disabled = True
            return
        error.update("")
        self.query_one("#apply", Button).disabled = False
        self.mode = mode
        self._syncing = True
        for who, what, bit in BITS:
            self.query_one(f"#bit-{who}-{what}", Checkbox).value = bool(mode & bit)
        self._syncing = False

    @on(Input.Submitted, "#octal")
    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        if not self.query_one("#apply", Button).disabled:
            self.dismiss(self.mode)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
