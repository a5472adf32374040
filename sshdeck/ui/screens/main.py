"""The main screen: a local pane and a remote pane, side by side."""

from __future__ import annotations

import logging

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from sshdeck.core.fs.base import FileSystem
from sshdeck.core.remote_source import RemoteSource
from sshdeck.ui.widgets.file_list import FileList
from sshdeck.ui.widgets.file_pane import FilePane

log = logging.getLogger(__name__)


class MainScreen(Screen):
    """Two file panes; Tab moves between them."""

    BINDINGS = [
        Binding("tab", "switch_pane", "Other pane", id="switch_pane"),
    ]

    def __init__(self, left: tuple[FileSystem, str], remote: RemoteSource | None) -> None:
        super().__init__()
        self.left = left
        self.remote = remote

    def compose(self) -> ComposeResult:
        fs, path = self.left
        with Horizontal(id="panes"):
            yield FilePane(fs, path, id="left")
            if self.remote is not None:
                yield Static(Content(f"Connecting to {self.remote.label}…"), id="right-message", classes="pane-message")
            else:
                yield FilePane(fs, path, id="right")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#left FileList", FileList).focus()
        if self.remote is not None:
            self._open_remote()

    @work(exclusive=True, group="remote")
    async def _open_remote(self) -> None:
        assert self.remote is not None
        try:
            fs, path = await self.remote.open()
        except Exception as exc:  # any failure is a message, never a crash
            log.warning("opening %s failed: %s", self.remote.label, type(exc).__name__)
            text = f"Could not connect to {self.remote.label}: {exc}"
            self.query_one("#right-message", Static).update(Content(text))
            self.notify(text, severity="error")
            return
        message = self.query_one("#right-message", Static)
        await self.query_one("#panes", Horizontal).mount(FilePane(fs, path, id="right"), after=message)
        await message.remove()

    def action_switch_pane(self) -> None:
        lists = list(self.query(FileList))
        if len(lists) < 2:
            return
        focused = self.focused
        target = lists[1] if focused is lists[0] else lists[0]
        target.focus()
