"""One side of the main screen: a location, its path bar and its file list."""

from __future__ import annotations

import logging
import os

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.content import Content
from textual.widgets import Static

from sshdeck.core.fs.base import Entry, FileSystem, FileSystemError, join, parent
from sshdeck.core.fs.listing import sort_entries
from sshdeck.ui.widgets.file_list import PARENT, SIZE_WIDTH, TIME_WIDTH, FileList, fit

log = logging.getLogger(__name__)


def _tilde(path: str) -> str:
    home = os.path.expanduser("~").rstrip("/")
    if home and (path == home or path.startswith(home + "/")):
        return "~" + path[len(home):]
    return path


class FilePane(Vertical):
    """Browses one `FileSystem`: Enter opens a folder, Backspace goes up."""

    BINDINGS = [
        Binding("backspace", "go_up", "Up", id="go_up"),
        Binding("ctrl+r", "reload", "Reload", id="reload"),
    ]

    def __init__(self, fs: FileSystem, path: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="file-pane")
        self.fs = fs
        self.path = path
        self.loading_path: str | None = None
        self._listed = False

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-path")
        yield Static(classes="pane-header")
        yield FileList()

    @property
    def is_idle(self) -> bool:
        """True once a folder is listed and no listing is under way."""
        return self._listed and self.loading_path is None

    @property
    def file_list(self) -> FileList:
        return self.query_one(FileList)

    def on_mount(self) -> None:
        self._draw_path()
        self.load(self.path)

    def on_resize(self) -> None:
        self._draw_header()

    def _draw_path(self) -> None:
        label = self.fs.label
        text = f"{label}:{self.path}" if label != "local" else _tilde(self.path)
        if self.loading_path is not None:
            text += "  (loading…)"
        # Content() is plain text: a path never becomes markup.
        self.query_one(".pane-path", Static).update(Content(text))

    def _draw_header(self) -> None:
        width = self.file_list.size.width or self.size.width
        name_width = max(4, width - SIZE_WIDTH - TIME_WIDTH - 2)
        header = fit("Name", name_width) + " " + "Size".rjust(SIZE_WIDTH) + " " + fit("Modified", TIME_WIDTH)
        self.query_one(".pane-header", Static).update(Content(header))

    # -- loading --------------------------------------------------------------

    def load(self, path: str, keep: bytes | None = None) -> None:
        """List `path` in the background; the pane stays on its old folder on error."""
        self.loading_path = path
        self._draw_path()
        self._load(path, keep)

    @work(exclusive=True, group="listing")
    async def _load(self, path: str, keep: bytes | None) -> None:
        entries: list[Entry] = []
        try:
            async for batch in self.fs.list(path):
                entries.extend(batch)
        except FileSystemError as exc:
            self.loading_path = None
            self._draw_path()
            self.notify(str(exc), title="Cannot open folder", severity="error")
            return
        except Exception:  # a broken connection must not take the app down
            log.exception("listing %s failed", path)
            self.loading_path = None
            self._draw_path()
            self.notify(f"{path}: the listing failed (see the log)", severity="error")
            return
        rows = sort_entries(entries)
        if path != "/":
            rows.insert(0, PARENT)
        self.path = path
        self.loading_path = None
        self._draw_path()
        self._draw_header()
        self.file_list.set_entries(rows, keep=keep)
        self._listed = True
        self.post_message(self.Loaded())

    class Loaded(Message):
        """A folder finished listing."""

    # -- navigation -------------------------------------------------------------

    @on(FileList.Opened)
    def _open(self, event: FileList.Opened) -> None:
        event.stop()
        if event.entry is PARENT:
            self.action_go_up()
        elif event.entry.is_dir:
            self.load(join(self.path, event.entry.name))

    def action_go_up(self) -> None:
        if self.path == "/":
            return
        came_from = self.path.rstrip("/").rpartition("/")[2]
        self.load(parent(self.path), keep=came_from.encode("utf-8", errors="surrogateescape"))

    def action_reload(self) -> None:
        current = self.file_list.current
        self.load(self.path, keep=current.name if current else None)
