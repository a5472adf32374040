"""A small modal that asks for one line of text (a pattern, a folder name, a new name)."""

from __future__ import annotations

from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static
from textual.widgets.input import Selection


def stem_span(name: str) -> tuple[int, int]:
    """The part of a file name a rename selects: all but the extension (`.bashrc` whole)."""
    dot = name.rfind(".")
    return (0, dot) if dot > 0 else (0, len(name))


class TextPrompt(ModalScreen[str | None]):
    """Returns the text on Enter, None on Escape; `check` may refuse a value with a reason."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_prompt")]

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        check: Callable[[str], str | None] | None = None,
        select: tuple[int, int] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.initial = value
        self.check = check
        self.select = select  # the span selected at first (None: all of it)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content(self.title_text), classes="dialog-title")
            yield Input(value=self.initial, id="prompt-input", select_on_focus=self.select is None)
            yield Static(classes="dialog-error")

    def on_mount(self) -> None:
        if self.select is not None:
            box = self.query_one("#prompt-input", Input)
            box.focus()
            box.selection = Selection(*self.select)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self.check(event.value) if self.check else None
        if problem:
            self.query_one(".dialog-error", Static).update(Content(problem))
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
