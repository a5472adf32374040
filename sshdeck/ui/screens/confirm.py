"""A yes/no modal for actions that need a second thought (delete a profile, overwrite a damaged file)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from sshdeck.ui.inert_content import shown


class ConfirmScreen(ModalScreen[bool]):
    """Returns True only when the user presses the confirm button; Escape and "No" return False.

    `title` and `message` may hold user or file text: they are shown as plain text.
    The safe answer has the focus first, so a stray Enter never confirms.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_confirm")]

    def __init__(
        self,
        title: str,
        message: str = "",
        *,
        confirm_label: str = "Yes",
        cancel_label: str = "Cancel",
        danger: bool = False,
    ) -> None:
        super().__init__(classes="confirm-screen")
        self.title_text = title
        self.message = message
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm-dialog"):
            yield Label(shown(self.title_text), classes="dialog-title")
            if self.message:
                with VerticalScroll(classes="confirm-message-scroll"):
                    yield Static(shown(self.message), classes="confirm-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    Content(self.confirm_label),
                    variant="error" if self.danger else "primary",
                    id="confirm-yes",
                )
                yield Button(Content(self.cancel_label), id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)
