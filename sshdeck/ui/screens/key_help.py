"""F1: the key table, as the README's Keys section has it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from sshdeck.ui.key_table import KEY_TABLE


def plain(markdown: str) -> str:
    """A README cell without its code-span backticks."""
    return markdown.replace("`", "")


def key_help_text(width: int = 30) -> str:
    lines = [f"{plain(keys):<{width}} {plain(action)}" for keys, action, _ids in KEY_TABLE]
    return "\n".join(lines)


class KeyHelp(ModalScreen[None]):
    """Every key of the main screen, scrollable; Escape, F1 or q closes it."""

    BINDINGS = [Binding("escape,f1,q", "close", "Close", id="close_help")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog key-help"):
            yield Label(Content("Keys  (Ctrl+P lists every action by name)"), classes="dialog-title")
            with VerticalScroll(id="key-help-scroll"):
                yield Static(Content(key_help_text()), id="key-help-table")

    def action_close(self) -> None:
        self.dismiss(None)
