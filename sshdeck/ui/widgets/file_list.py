"""The rows of a file pane, drawn with the Line API.

Only the visible rows are rendered (`render_line`), so a folder of 100,000
entries costs no more to show than one of 40.  Names are drawn as plain
segments, never parsed as markup.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.fs.listing import format_mtime, human_size

PARENT = Entry(name=b"..", kind=EntryKind.DIR, display="..")

SIZE_WIDTH = 7
TIME_WIDTH = 16


def fit(text: str, width: int) -> str:
    """Cut `text` to `width` cells, marking the cut with '~' as mc does."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text.ljust(width)
    return text[: width - 1] + "~"


class FileList(ScrollView, can_focus=True):
    """A scrolling list of folder entries with a cursor."""

    COMPONENT_CLASSES = {
        "file-list--cursor",
        "file-list--cursor-blurred",
        "file-list--folder",
        "file-list--link",
        "file-list--dim",
    }

    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False, id="cursor_up"),
        Binding("down", "cursor_down", "Down", show=False, id="cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="page_down"),
        Binding("home", "first", "First", show=False, id="first"),
        Binding("end", "last", "Last", show=False, id="last"),
        Binding("enter", "open", "Open", id="open"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)

    class Opened(Message):
        """The user asked to open an entry (Enter or double-click)."""

        def __init__(self, file_list: "FileList", entry: Entry) -> None:
            super().__init__()
            self.file_list = file_list
            self.entry = entry

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.entries: list[Entry] = []

    # -- data --------------------------------------------------------------

    def set_entries(self, entries: list[Entry], keep: bytes | None = None) -> None:
        """Show `entries`; put the cursor on the entry named `keep` when present."""
        self.entries = entries
        self.virtual_size = Size(self.size.width, len(entries))
        index = 0
        if keep is not None:
            for position, entry in enumerate(entries):
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
        width = self.size.width
        if index >= len(self.entries):
            return Strip.blank(width, self.rich_style)
        entry = self.entries[index]
        name_width = max(4, width - SIZE_WIDTH - TIME_WIDTH - 2)
        if entry is PARENT:
            size_text = "UP-DIR"
        elif entry.is_dir:
            size_text = "<DIR>"
        else:
            size_text = human_size(entry.size)
        name = entry.display + ("/" if entry.is_dir and entry is not PARENT else "")
        if entry.kind is EntryKind.LINK and entry.link_target is not None:
            name = f"{name} -> {entry.link_target}"
        text = (
            fit(name, name_width)
            + " "
            + size_text.rjust(SIZE_WIDTH)[:SIZE_WIDTH]
            + " "
            + fit(format_mtime(entry.mtime), TIME_WIDTH)
        )
        style = self.rich_style
        if entry.is_dir:
            style += self.get_component_rich_style("file-list--folder")
        elif entry.kind is EntryKind.LINK:
            style += self.get_component_rich_style("file-list--link")
        elif entry.kind is EntryKind.OTHER:
            style += self.get_component_rich_style("file-list--dim")
        if index == self.cursor:
            cursor_class = "file-list--cursor" if self.has_focus else "file-list--cursor-blurred"
            style += self.get_component_rich_style(cursor_class)
        return Strip([Segment(fit(text, width), style)], width)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.entries))

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

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self.entries):
            self.cursor = index
            if event.chain >= 2:
                self.action_open()
