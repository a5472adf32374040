"""The rows of a file pane, drawn with the Line API.

Only the visible rows are rendered (`render_line`), so a folder of 100,000
entries costs no more to show than one of 40.  Names are drawn as plain
segments, never parsed as markup.
"""

from __future__ import annotations

import stat

from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.fs.listing import format_mtime, format_short_mtime, human_size
from sshdeck.core.pane_model import PARENT, PaneModel

__all__ = ["PARENT", "FileList", "Columns", "fit"]

SIZE_WIDTH = 7
TIME_WIDTH = 16  # 2025-11-29 01:00
SHORT_TIME_WIDTH = 12  # Nov 29 01:00 this year, 2025-11-29 before
PERM_WIDTH = 10
OWNER_WIDTH = 15
MARK_WIDTH = 2  # the selection mark
NAME_SHARE = 0.6  # the name keeps at least this share of the row…
NAME_ENOUGH = 40  # …or this many cells, whichever is less


def owner_text(entry: Entry) -> str:
    """owner:group as the server names them, else the numeric ids; '' when unknown."""
    if entry is PARENT:
        return ""
    owner = entry.owner or (str(entry.uid) if entry.uid is not None else "")
    group = entry.group or (str(entry.gid) if entry.gid is not None else "")
    return f"{owner}:{group}" if owner or group else ""


def fit(text: str, width: int) -> str:
    """Cut `text` to `width` cells, marking the cut with '~' as mc does."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text.ljust(width)
    return text[: width - 1] + "~"


def permissions(entry: Entry) -> str:
    if entry.mode is None or entry is PARENT:
        return ""
    kind = {EntryKind.DIR: stat.S_IFDIR, EntryKind.LINK: stat.S_IFLNK}.get(entry.kind, stat.S_IFREG)
    return stat.filemode(kind | entry.mode)


class Columns:
    """Where each column starts for a given width; the header and the rows share it.

    The name comes first: it keeps at least 60 % of the row (40 cells are
    enough on a wide pane).  The other
    columns join by priority while they fit — size, modified (the long form,
    else the short one), mode, owner — so a narrowing pane drops the owner
    first, then the mode, shortens and then drops the date, and keeps the
    size longest.
    """

    def __init__(self, width: int) -> None:
        available = max(0, width - MARK_WIDTH)
        minimum_name = max(4, min(NAME_ENOUGH, int(available * NAME_SHARE + 0.999)))
        used = 0

        def fits(column: int) -> bool:
            return available - used - (column + 1) >= minimum_name

        self.show_size = fits(SIZE_WIDTH)
        used += SIZE_WIDTH + 1 if self.show_size else 0
        self.time_width = 0
        if self.show_size:
            for candidate in (TIME_WIDTH, SHORT_TIME_WIDTH):
                if fits(candidate):
                    self.time_width = candidate
                    break
        used += self.time_width + 1 if self.time_width else 0
        self.show_perms = bool(self.time_width) and fits(PERM_WIDTH)
        used += PERM_WIDTH + 1 if self.show_perms else 0
        self.show_owner = self.show_perms and fits(OWNER_WIDTH)
        used += OWNER_WIDTH + 1 if self.show_owner else 0
        self.name = max(1, available - used)

    def _time(self, mtime: float | None) -> str:
        if self.time_width == SHORT_TIME_WIDTH:
            return format_short_mtime(mtime)
        return format_mtime(mtime)

    def header(self, sort_key: str, reverse: bool) -> str:
        arrow = "▼" if reverse else "▲"

        def title(text: str, key: str) -> str:
            return f"{text}{arrow}" if key == sort_key else text

        text = "  " + fit(title("Name", "name") + ("  (.ext" + arrow + ")" if sort_key == "ext" else ""), self.name)
        if self.show_size:
            text += " " + title("Size", "size").rjust(SIZE_WIDTH)
        if self.time_width:
            text += " " + fit(title("Modified", "mtime"), self.time_width)
        if self.show_perms:
            text += " " + fit("Mode", PERM_WIDTH)
        if self.show_owner:
            text += " " + fit("Owner", OWNER_WIDTH)
        return text

    def key_at(self, x: int) -> str:
        """The sort key of the column under x (a header click)."""
        if x < MARK_WIDTH + self.name or not self.show_size:
            return "name"
        if x < MARK_WIDTH + self.name + 1 + SIZE_WIDTH or not self.time_width:
            return "size"
        return "mtime"

    def row(self, entry: Entry, selected: bool) -> str:
        if entry is PARENT:
            size_text = "UP-DIR"
        elif entry.is_dir:
            size_text = "<DIR>"
        else:
            size_text = human_size(entry.size)
        name = entry.display + ("/" if entry.is_dir and entry is not PARENT else "")
        if entry.kind is EntryKind.LINK and entry.link_target is not None:
            name = f"{name} -> {entry.link_target}"
        text = ("* " if selected else "  ") + fit(name, self.name)
        if self.show_size:
            text += " " + size_text.rjust(SIZE_WIDTH)[:SIZE_WIDTH]
        if self.time_width:
            text += " " + fit(self._time(entry.mtime), self.time_width)
        if self.show_perms:
            text += " " + fit(permissions(entry), PERM_WIDTH)
        if self.show_owner:
            text += " " + fit(owner_text(entry), OWNER_WIDTH)
        return text


class FileList(ScrollView, can_focus=True):
    """A scrolling list of a PaneModel's rows with a cursor."""

    COMPONENT_CLASSES = {
        "file-list--cursor",
        "file-list--cursor-blurred",
        "file-list--folder",
        "file-list--link",
        "file-list--dim",
        "file-list--selected",
        "file-list--drop-target",
    }

    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False, id="cursor_up"),
        Binding("down", "cursor_down", "Down", show=False, id="cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="page_down"),
        Binding("home", "first", "First", show=False, id="first"),
        Binding("end", "last", "Last", show=False, id="last"),
        Binding("enter", "open", "Open", show=False, id="open"),
        Binding("space,insert", "toggle_select", "Select", show=False, id="toggle_select"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)

    class Opened(Message):
        """The user asked to open an entry (Enter or double-click)."""

        def __init__(self, file_list: "FileList", entry: Entry) -> None:
            super().__init__()
            self.file_list = file_list
            self.entry = entry

    class SelectionChanged(Message):
        """The set of selected entries changed."""

    class Dropped(Message):
        """Entries of `source` were dragged onto `target` (onto the row `onto`, or below the rows)."""

        def __init__(self, source: "FileList", entries: list[Entry], target: "FileList", onto: Entry | None) -> None:
            super().__init__()
            self.source = source
            self.entries = entries
            self.target = target
            self.onto = onto

    class Resized(Message):
        """The list's width changed: the header above it must follow."""

    def __init__(self, model: PaneModel | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model = model if model is not None else PaneModel()
        self.entries: list[Entry] = []
        self.drop_row: int | None = None  # the row a drag hovers over (drawn highlighted)
        self._press: tuple[int, int, int] | None = None  # screen x, y and row of a mouse press
        self._dragging = False
        self._drop_list: FileList | None = None
        self._ignore_click = False

    # -- data --------------------------------------------------------------

    def refresh_rows(self, keep: bytes | None = None) -> None:
        """Redraw from the model; the cursor stays on `keep` (or the same entry) when present."""
        if keep is None and self.current is not None:
            keep = self.current.name
        self.entries = self.model.rows
        self.virtual_size = Size(self.size.width, len(self.entries))
        index = 0
        if keep is not None:
            for position, entry in enumerate(self.entries):
                if entry.name == keep:
                    index = position
                    break
        self.cursor = index
        self.refresh()

    @property
    def current(self) -> Entry | None:
        if 0 <= self.cursor < len(self.entries):
            return self.entries[self.cursor]
        return None

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.entries) - 1)) if self.entries else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh()
        if self.entries and self.size.height:
            self.scroll_to_region(Region(0, new, 1, 1), animate=False, immediate=True, force=True)

    # -- drawing ------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self.entries):
            return Strip.blank(width, self.rich_style)
        entry = self.entries[index]
        selected = entry.name in self.model.selected and entry is not PARENT
        text = Columns(width).row(entry, selected)
        style = self.rich_style
        if entry.is_dir:
            style += self.get_component_rich_style("file-list--folder")
        elif entry.kind is EntryKind.LINK:
            style += self.get_component_rich_style("file-list--link")
        elif entry.kind is EntryKind.OTHER:
            style += self.get_component_rich_style("file-list--dim")
        if selected:
            style += self.get_component_rich_style("file-list--selected")
        if index == self.drop_row:
            style += self.get_component_rich_style("file-list--drop-target")
        if index == self.cursor:
            cursor_class = "file-list--cursor" if self.has_focus else "file-list--cursor-blurred"
            style += self.get_component_rich_style(cursor_class)
        return Strip([Segment(fit(text, width), style)], width)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.entries))
        self.post_message(self.Resized())

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- keys and mouse -------------------------------------------------------

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.size.height - 1)

    def action_page_down(self) -> None:
        self.cursor += max(1, self.size.height - 1)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.entries) - 1

    def action_open(self) -> None:
        entry = self.current
        if entry is not None:
            self.post_message(self.Opened(self, entry))

    def action_toggle_select(self) -> None:
        entry = self.current
        if entry is None:
            return
        self.model.toggle(entry)
        self.cursor += 1  # like mc: select and move on
        self.refresh()
        self.post_message(self.SelectionChanged())

    # -- drag and drop: press on a row, move onto the other pane, release --------------------

    def on_mouse_down(self, event: events.MouseDown) -> None:
        index = self.scroll_offset.y + event.y
        if event.button == 1 and 0 <= index < len(self.entries) and self.entries[index] is not PARENT:
            self._press = (event.screen_x, event.screen_y, index)
            self._dragging = False
            self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._press is None:
            return
        x, y, _ = self._press
        if not self._dragging and abs(event.screen_x - x) + abs(event.screen_y - y) < 2:
            return
        self._dragging = True
        target, row = self._list_at(event.screen_x, event.screen_y)
        self._hint(target, row)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._press is None:
            return
        _, _, index = self._press
        dragging = self._dragging
        self._press, self._dragging = None, False
        self.release_mouse()
        self._hint(None, None)
        if not dragging:
            return
        self._ignore_click = True
        target, row = self._list_at(event.screen_x, event.screen_y)
        if target is None or target is self:
            return
        pressed = self.entries[index]
        entries = self.model.targets(pressed) if pressed.name in self.model.selected else [pressed]
        onto = target.entries[row] if row is not None and row < len(target.entries) else None
        self.post_message(self.Dropped(self, entries, target, onto))

    def _list_at(self, screen_x: int, screen_y: int) -> tuple["FileList | None", int | None]:
        try:
            widget, _ = self.screen.get_widget_at(screen_x, screen_y)
        except Exception:  # outside every widget
            return None, None
        node = widget
        while node is not None and not isinstance(node, FileList):
            node = node.parent
        if node is None:
            return None, None
        row = screen_y - node.content_region.y + node.scroll_offset.y
        return node, row if 0 <= row < len(node.entries) else None

    def _hint(self, target: "FileList | None", row: int | None) -> None:
        """Highlight the list (and row) a drag would drop onto."""
        if self._drop_list is not None and self._drop_list is not target:
            self._drop_list.drop_row = None
            self._drop_list.remove_class("-drop-target")
            self._drop_list.refresh()
        self._drop_list = target if target is not self else None
        if self._drop_list is not None:
            self._drop_list.drop_row = row
            self._drop_list.add_class("-drop-target")
            self._drop_list.refresh()

    def on_click(self, event: events.Click) -> None:
        if self._ignore_click:
            self._ignore_click = False
            return
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self.entries):
            if event.ctrl:
                self.model.toggle(self.entries[index])
                self.post_message(self.SelectionChanged())
            self.cursor = index
            if event.chain >= 2:
                self.action_open()
