"""Quitting while transfers run: finish them first, pause them for the next start, or cancel them."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

# What the dialog returns; None (Escape) means "do not quit".
FINISH = "finish"
PAUSE = "pause"
CANCEL = "cancel"

TITLES_SHOWN = 3


class QuitDialog(ModalScreen[str | None]):
    """Asks what to do with the running transfers before quitting; fits 80×24."""

    BINDINGS = [
        Binding("f", "answer('finish')", "Finish", id="quit_after_transfers",
                tooltip="Wait for the transfers, then quit"),
        Binding("p", "answer('pause')", "Pause", id="quit_pause_transfers",
                tooltip="Quit now; partial files are kept and resumed at the next start"),
        Binding("c", "answer('cancel')", "Cancel", id="quit_cancel_transfers",
                tooltip="Quit now; the transfers are cancelled and their partial files deleted"),
        Binding("escape", "stay", "Stay", id="quit_stay", tooltip="Do not quit"),
    ]

    def __init__(self, titles: list[str]) -> None:
        super().__init__(classes="quit-screen")
        self.titles = titles

    def compose(self) -> ComposeResult:
        count = len(self.titles)
        shown = "\n".join(f"  {title}" for title in self.titles[:TITLES_SHOWN])
        if count > TITLES_SHOWN:
            shown += f"\n  … and {count - TITLES_SHOWN} more"
        with Vertical(classes="dialog quit-dialog"):
            yield Label(Content(f"{count} transfer{'s are' if count != 1 else ' is'} still running"),
                        classes="dialog-title")
            yield Static(Content(shown), id="quit-transfers")
            yield Static(
                Content("Finish: wait, then quit.  Pause: quit now, resume at the next start.\n"
                        "Cancel: quit now and delete the partial files."),
                id="quit-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Stay", id="quit-stay")
                yield Button("Cancel & quit", id="quit-cancel", variant="error")
                yield Button("Pause & quit", id="quit-pause")
                yield Button("Finish", id="quit-finish", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#quit-finish", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        answer = (event.button.id or "").removeprefix("quit-")
        if answer == "stay":
            self.action_stay()
        else:
            self.action_answer(answer)

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer)

    def action_stay(self) -> None:
        self.dismiss(None)
