"""Choose what a pane shows: this computer or any connected host."""

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


class LocationPicker(ModalScreen[Location | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_location")]

    def __init__(self, locations: list[Location], current_key: str | None = None) -> None:
        super().__init__()
        self.locations = locations
        self.current_key = current_key

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Show in this pane", classes="dialog-title")
            yield OptionList(
                *[Option(Content(place.label), id=str(index)) for index, place in enumerate(self.locations)],
                id="locations",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        for index, place in enumerate(self.locations):
            if place.key == self.current_key:
                options.highlighted = index
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.locations[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)
