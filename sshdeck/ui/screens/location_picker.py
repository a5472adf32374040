"""Small pickers: what a pane shows (this computer or a connected host), and bookmarks."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from sshdeck.ui.connections import Location


class ListPicker(ModalScreen[int | None]):
    """Pick one line of a list; returns its index, or None on Escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_pick")]

    def __init__(self, title: str, labels: list[str], highlighted: int | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.labels = labels
        self.highlighted = highlighted

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content(self.title_text), classes="dialog-title")
            yield OptionList(*[Option(Content(text), id=str(i)) for i, text in enumerate(self.labels)], id="choices")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.highlighted is not None:
            options.highlighted = self.highlighted
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)


class LocationPicker(ListPicker):
    """Choose what a pane shows: `locations[index]`, or past them a saved host to connect to.

    Saved hosts that are not connected follow the open locations, marked
    "connect": choosing one connects it and shows it in this pane.
    """

    def __init__(self, locations: list[Location], current_key: str | None = None, saved: list[str] | None = None) -> None:
        current = next((i for i, place in enumerate(locations) if place.key == current_key), None)
        self.saved = saved or []
        labels = [place.label for place in locations] + [f"{name}  (saved host: connect)" for name in self.saved]
        super().__init__("Show in this pane", labels, current)
        self.locations = locations
