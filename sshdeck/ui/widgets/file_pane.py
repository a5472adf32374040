"""One side of the main screen: a location, its path bar, its file list and status line."""

from __future__ import annotations

import logging
import os
import posixpath

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Static

from sshdeck.core.fs.base import Entry, FileSystem, join
from sshdeck.core.dropped_paths import parse_dropped_paths
from sshdeck.core.fs.folder_watch import FolderWatch
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.pane_model import PARENT, PaneModel
from sshdeck.core.places import place
from sshdeck.ui.screens.text_prompt import TextPrompt
from sshdeck.ui.widgets.file_list import Columns, FileList
from sshdeck.ui.widgets.pane_actions import PANE_ACTION_BINDINGS, PaneActions
from sshdeck.ui.widgets.pane_listing import LISTING_BINDINGS, PaneListing
from sshdeck.ui.widgets.path_bar import PathInput

log = logging.getLogger(__name__)


def tail_fit(text: str, width: int) -> str:
    """`text` cut from the left to `width` cells ("…/deep/folder"): the end of a path says most."""
    if width <= 1 or len(text) <= width:
        return text
    return "…" + text[-(width - 1):]


class PaneHeader(Static):
    """Column titles; a click sorts by that column (again: reverse)."""

    class SortRequested(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def on_click(self, event: events.Click) -> None:
        self.post_message(self.SortRequested(Columns(self.size.width).key_at(event.x)))


class FilePane(PaneListing, PaneActions, Vertical):
    """Browses one `FileSystem`: Enter opens a folder, Backspace goes up."""

    BINDINGS = [
        Binding("backspace", "go_up", "Up", show=False, id="go_up"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="reload"),
        Binding("alt+left", "back", "Back", show=False, id="back"),
        Binding("alt+right", "forward", "Forward", show=False, id="forward"),
        Binding("ctrl+l", "edit_path", "Go to", show=False, id="edit_path"),
        Binding("slash", "filter", "Filter", show=False, id="filter"),
        Binding("s", "sort_next", "Sort", show=False, id="sort_next"),
        Binding("full_stop", "toggle_hidden", "Hidden", show=False, id="toggle_hidden"),
        Binding("plus", "select_pattern", "Select…", show=False, id="select_pattern"),
        Binding("minus", "unselect_pattern", "Unselect…", show=False, id="unselect_pattern"),
        Binding("asterisk", "invert_selection", "Invert selection", show=False, id="invert_selection"),
        Binding("ctrl+a", "select_all", "Select all", show=False, id="select_all"),
        *LISTING_BINDINGS,
        *PANE_ACTION_BINDINGS,
    ]

    class Loaded(Message):
        """A folder finished listing."""

    class PathsPasted(Message):
        """Local paths were pasted (what terminals send when files are dropped from the desktop)."""

        def __init__(self, pane: "FilePane", paths: list[str]) -> None:
            super().__init__()
            self.pane = pane
            self.paths = paths

    class Navigated(Message):
        """The user went into a folder (`name`) or up (`name` None): synchronised browsing follows."""

        def __init__(self, pane: "FilePane", name: bytes | None) -> None:
            super().__init__()
            self.pane = pane
            self.name = name

    def __init__(self, fs: FileSystem, path: str, *, id: str | None = None, load: bool = True) -> None:
        """`load=False`: list nothing yet (the pane is about to show another location)."""
        super().__init__(id=id, classes="file-pane")
        self._load_at_mount = load
        self.fs = fs
        self.model = PaneModel(path)
        self.loading_path: str | None = None
        self.loading_count = 0
        self._loading: tuple[str, bytes | None, bool, str] | None = None
        self._arrived: list[Entry] = []
        self._listed = False
        # Which Connections location this pane shows ("local" for this computer).
        self.location_key = "local" if fs.label == "local" else fs.label

    @property
    def path(self) -> str:
        return self.model.path

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-path")
        yield PaneHeader(classes="pane-header")
        yield FileList(self.model)
        yield Static(classes="pane-note")
        yield Input(placeholder="filter (text or *.glob) — Enter keeps it, Escape clears", classes="pane-filter")
        yield Static(classes="pane-status")

    @property
    def is_idle(self) -> bool:
        """True once a folder is listed and no listing is under way."""
        return self._listed and self.loading_path is None

    @property
    def file_list(self) -> FileList:
        return self.query_one(FileList)

    def on_mount(self) -> None:
        self.query_one(".pane-filter", Input).display = False
        self.query_one(".pane-note", Static).display = False
        self._draw_path()
        if self._load_at_mount:
            self.load(self.model.path, remember=False)

    @on(FileList.Resized)
    def _list_resized(self, event: FileList.Resized) -> None:
        event.stop()
        self._draw_header()
        self._draw_path()

    # -- drawing (always plain Content: a name never becomes markup) -------------

    def _draw_path(self) -> None:
        bars = self.query(".pane-path").results(Static)
        bar = next(bars, None)
        if bar is None:  # the pane is being taken down (the app quits) while a listing still reports
            return
        suffix = ""
        if self.loading_path is not None:
            suffix = f"  (loading… {self.loading_count:,})" if self.loading_count else "  (loading…)"
        text = place(self.fs, self.path)
        prefix = "" if isinstance(self.fs, LocalFS) else f"{self.fs.label}:"  # the host stays whole
        path = tail_fit(text[len(prefix):], bar.content_region.width - len(suffix) - len(prefix))
        bar.update(Content(prefix + path + suffix), layout=False)  # one line, whatever it says

    def _draw_header(self) -> None:
        width = self.file_list.scrollable_content_region.width
        if not width:
            return  # not laid out yet; FileList.Resized draws it
        header = Columns(width).header(self.model.sort_key, self.model.reverse)
        self.query_one(PaneHeader).update(Content(header), layout=False)

    def _draw_status(self) -> None:
        text = self.model.summary().text()
        if self.model.filter:
            text = f"filter: {self.model.filter} · {text}"
        if self.model.show_hidden:
            text += " · hidden shown"
        self.query_one(".pane-status", Static).update(Content(text), layout=False)

    def refresh_view(self) -> None:
        """Redraw after the model changed from outside (compare, selection)."""
        self._redraw()

    def _redraw(self, keep: bytes | None = None) -> None:
        if next(self.query(FileList).results(FileList), None) is None:
            return  # the pane is being taken down (the app quits) while a listing or an operation still reports
        self._draw_header()
        self.file_list.refresh_rows(keep=keep)
        self._draw_status()

    # -- changes made outside sshdeck (local folders) -----------------------------------

    @on(Loaded)
    def _watch_folder(self, event: "FilePane.Loaded") -> None:
        """Keep watching the folder on screen when it is on this computer (see core/fs/folder_watch)."""
        watched = getattr(self, "_watch", None)
        if watched is not None and watched.folder == self.path and isinstance(self.fs, LocalFS):
            return
        self._stop_watching()
        if isinstance(self.fs, LocalFS):
            try:
                self._watch = FolderWatch(self.path, self._folder_changed)
            except OSError as exc:
                log.info("cannot watch %r: %s", self.path, exc)

    def _folder_changed(self) -> None:
        if self.is_idle and isinstance(self.fs, LocalFS) and self.is_mounted:
            self.load(self.path, remember=False)

    def _stop_watching(self) -> None:
        watched, self._watch = getattr(self, "_watch", None), None
        if watched is not None:
            watched.close()

    def on_unmount(self) -> None:
        self._stop_watching()

    # -- navigation -------------------------------------------------------------

    @on(FileList.Opened)
    def _open(self, event: FileList.Opened) -> None:
        event.stop()
        if event.entry is PARENT:
            self.action_go_up()
        elif event.entry.is_dir:
            self.load(join(self.path, event.entry.name))
            self.post_message(self.Navigated(self, event.entry.name))

    @on(FileList.SelectionChanged)
    def _selection_changed(self, event: FileList.SelectionChanged) -> None:
        event.stop()
        self._draw_status()

    def switch_to(self, fs: FileSystem, path: str) -> None:
        """Show another location (another host, or this computer) in this pane."""
        self.fs = fs
        self.model = PaneModel(path)
        self.file_list.model = self.model
        self._listed = False
        self.show_message(None)
        self.load(path, remember=False)

    def show_message(self, text: str | None) -> None:
        """Replace the list with a message (e.g. a host with no file access); None restores it."""
        message = self.query_one(".pane-note", Static)
        message.update(Content(text or ""))
        message.display = text is not None
        self.file_list.display = text is None

    def action_go_up(self) -> None:
        self.go_up()

    def go_up(self, *, announce: bool = True) -> None:
        """One folder up; `announce=False` when following the other pane (no echo back)."""
        if self.path == "/":
            return
        came_from = self.path.rstrip("/").rpartition("/")[2]
        self.load(self.model.parent(), keep=came_from.encode("utf-8", errors="surrogateescape"))
        if announce:
            self.post_message(self.Navigated(self, None))

    def action_back(self) -> None:
        target = self.model.back()
        if target is not None:
            self.load(target, history="back")

    def action_forward(self) -> None:
        target = self.model.forward()
        if target is not None:
            self.load(target, history="forward")

    def action_reload(self) -> None:
        self.load(self.path, remember=False)

    # -- the path bar ----------------------------------------------------------------

    def action_edit_path(self) -> None:
        bar = self.query_one(".pane-path", Static)
        bar.display = False
        editor = PathInput(self.fs, self.path)
        self.mount(editor, before=bar)
        editor.focus()

    @on(Input.Submitted, ".path-input")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        target = event.value.strip()
        self._close_path_editor()
        if target:
            if self.fs.label == "local":
                target = os.path.expanduser(target)
            target = target if target.startswith("/") else join(self.path, target)
            self.load(posixpath.normpath(target) if target != "//" else "/")

    @on(PathInput.Cancelled)
    def _path_cancelled(self, event: PathInput.Cancelled) -> None:
        event.stop()
        self._close_path_editor()

    def _close_path_editor(self) -> None:
        for editor in self.query(PathInput):
            editor.remove()
        self.query_one(".pane-path", Static).display = True
        self.file_list.focus()

    # -- view options ------------------------------------------------------------------

    @on(PaneHeader.SortRequested)
    def _sort_requested(self, event: PaneHeader.SortRequested) -> None:
        event.stop()
        self.model.set_sort(event.key)
        self._redraw()

    def action_sort_next(self) -> None:
        self.model.cycle_sort()
        self._redraw()

    def action_toggle_hidden(self) -> None:
        self.model.toggle_hidden()
        self._redraw()

    def action_filter(self) -> None:
        box = self.query_one(".pane-filter", Input)
        box.display = True
        box.value = self.model.filter
        box.focus()

    @on(Input.Changed, ".pane-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.model.set_filter(event.value)
        self._redraw()

    @on(Input.Submitted, ".pane-filter")
    def _filter_kept(self, event: Input.Submitted) -> None:
        event.stop()
        box = self.query_one(".pane-filter", Input)
        box.display = bool(self.model.filter)
        self.file_list.focus()

    def on_paste(self, event: events.Paste) -> None:
        paths = parse_dropped_paths(event.text)
        if paths:
            event.stop()
            self.post_message(self.PathsPasted(self, paths))

    def on_key(self, event: events.Key) -> None:
        box = self.query_one(".pane-filter", Input)
        if event.key == "escape" and box.has_focus:
            event.stop()
            box.value = ""
            box.display = False
            self.file_list.focus()

    # -- selection ------------------------------------------------------------------------

    def _ask_pattern(self, select: bool) -> None:
        def apply(pattern: str | None) -> None:
            if pattern:
                count = self.model.select_pattern(pattern, select)
                self._redraw()
                verb = "selected" if select else "unselected"
                self.notify(f"{count} {verb}", timeout=2, markup=False)

        title = "Select files matching" if select else "Unselect files matching"
        self.app.push_screen(TextPrompt(title, value="*"), apply)

    def action_select_pattern(self) -> None:
        self._ask_pattern(True)

    def action_unselect_pattern(self) -> None:
        self._ask_pattern(False)

    def action_invert_selection(self) -> None:
        self.model.invert_selection()
        self._redraw()

    def action_select_all(self) -> None:
        self.model.select_all()
        self._redraw()
