"""What a file pane shows, as plain data: listing, sort, filter, selection, history.

The widget draws `rows` and forwards keys here; everything that decides
which entries are visible or selected lives in this class so it can be
tested without a screen, and stays fast at 100,000 entries (the sort runs
when the listing or the sort order changes, not on every filter keystroke).
"""

from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass
from itertools import compress
from operator import attrgetter, methodcaller

from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.fs.listing import human_size, sort_entries

PARENT = Entry(name=b"..", kind=EntryKind.DIR, display="..")
SORT_KEYS = ("name", "size", "mtime", "ext")

# Per-entry tests at C speed (map over attrgetter/methodcaller): at 100,000 entries a Python-level
# loop over properties cost tens of milliseconds on every redraw of the status line.
_names = attrgetter("name")
_kinds = attrgetter("kind")
_hidden = methodcaller("startswith", b".")


def _hidden_flags(entries: list[Entry]) -> list[bool]:
    return list(map(_hidden, map(_names, entries)))


def _count_folders(entries: list[Entry]) -> int:
    kinds = list(map(_kinds, entries))
    folders = kinds.count(EntryKind.DIR)
    if EntryKind.LINK in kinds:
        folders += sum(1 for e in compress(entries, [k is EntryKind.LINK for k in kinds]) if e.target_is_dir)
    return folders


@dataclass
class Summary:
    folders: int
    files: int
    selected: int
    selected_bytes: int
    hidden_by_filter: int
    hidden_files: int = 0  # dotfiles not shown (`.` shows them)
    # Why the listing is not the whole folder (a limit, or the user stopped it).
    incomplete: str | None = None

    def text(self) -> str:
        parts = [f"{self.folders} folder{'s' if self.folders != 1 else ''}, {self.files} file{'s' if self.files != 1 else ''}"]
        if self.selected:
            parts.insert(0, f"{self.selected} selected ({human_size(self.selected_bytes)})")
        if self.hidden_by_filter:
            parts.append(f"{self.hidden_by_filter} filtered out")
        if self.hidden_files:
            parts.append(f"{self.hidden_files} hidden (. shows)")
        if self.incomplete:
            parts.append(self.incomplete)
        return " · ".join(parts)


class PaneModel:
    """One pane's state.  Names are raw bytes throughout; `display` is for the eye only."""

    def __init__(self, path: str = "/") -> None:
        self.path = path
        self.entries: list[Entry] = []
        # None, or why `entries` is only part of the folder (shown in the status line).
        self.incomplete: str | None = None
        self.sort_key = "name"
        self.reverse = False
        self.show_hidden = False
        self.filter = ""
        self.selected: set[bytes] = set()
        self._back: list[str] = []
        self._forward: list[str] = []
        self._sorted: list[Entry] = []
        self._hidden_count = 0  # dotfiles in the listing
        self._rows: list[Entry] | None = None

    # -- listing -----------------------------------------------------------------

    def set_listing(
        self, path: str, entries: list[Entry], *, remember: bool = True, incomplete: str | None = None,
        by_name: tuple[list[Entry], int] | None = None,
    ) -> None:
        """Show a fresh listing of `path`; a refresh of the same folder keeps the selection.

        `incomplete`: the listing stopped early (limit reached, or stopped by
        the user); the entries are what arrived before, and the reason is kept.
        `by_name`: (`entries` as `sort_entries(entries, "name")` orders them, the
        count of dotfiles), when whoever listed them worked that out already;
        used when this pane sorts by name, ascending.
        """
        if path != self.path:
            if remember:
                self._back.append(self.path)
                self._forward.clear()
            self.selected.clear()
            self.filter = ""
        self.path = path
        self.entries = entries
        self.incomplete = incomplete
        if self.selected:
            self.selected &= set(map(_names, entries))
        if by_name is not None and (self.sort_key, self.reverse) == ("name", False):
            self._sorted, self._hidden_count = by_name
            self._rows = None
            return
        self._hidden_count = sum(_hidden_flags(entries))
        self._resort()

    def _resort(self) -> None:
        self._sorted = sort_entries(self.entries, self.sort_key, self.reverse)
        self._rows = None

    @property
    def rows(self) -> list[Entry]:
        """The visible rows: '..' first (below the root), then the sorted, filtered entries."""
        if self._rows is None:
            rows = self._sorted
            if not self.show_hidden and self._hidden_count:
                rows = [e for e in rows if not e.is_hidden]
            if self.filter:
                rows = [e for e in rows if self._matches(e)]
            self._rows = ([PARENT] if self.path != "/" else []) + rows
        return self._rows

    def _matches(self, entry: Entry) -> bool:
        needle = self.filter.casefold()
        name = entry.display.casefold()
        if any(c in needle for c in "*?["):
            return fnmatch.fnmatchcase(name, needle)
        return needle in name

    # -- view options ----------------------------------------------------------------

    def set_sort(self, key: str, reverse: bool | None = None) -> None:
        if key not in SORT_KEYS:
            raise ValueError(f"unknown sort key {key!r}")
        if reverse is None:
            reverse = (not self.reverse) if key == self.sort_key else False
        self.sort_key, self.reverse = key, reverse
        self._resort()

    def cycle_sort(self) -> None:
        self.set_sort(SORT_KEYS[(SORT_KEYS.index(self.sort_key) + 1) % len(SORT_KEYS)], reverse=False)

    def toggle_hidden(self) -> None:
        self.show_hidden = not self.show_hidden
        self._rows = None

    def set_filter(self, text: str) -> None:
        self.filter = text
        self._rows = None

    # -- selection -------------------------------------------------------------------

    def toggle(self, entry: Entry) -> None:
        if entry is PARENT:
            return
        if entry.name in self.selected:
            self.selected.discard(entry.name)
        else:
            self.selected.add(entry.name)

    def select_pattern(self, pattern: str, select: bool = True) -> int:
        """Select (or unselect) visible entries whose name matches a shell pattern; returns how many."""
        pattern = pattern.casefold()
        hits = [e.name for e in self.rows if e is not PARENT and fnmatch.fnmatchcase(e.display.casefold(), pattern)]
        if select:
            self.selected.update(hits)
        else:
            self.selected.difference_update(hits)
        return len(hits)

    def select_all(self) -> None:
        self.selected.update(e.name for e in self.rows if e is not PARENT)

    def invert_selection(self) -> None:
        visible = {e.name for e in self.rows if e is not PARENT}
        self.selected = (self.selected - visible) | (visible - self.selected)

    def clear_selection(self) -> None:
        self.selected.clear()

    def targets(self, current: Entry | None) -> list[Entry]:
        """What an operation acts on: the selection, else the entry under the cursor."""
        if self.selected:
            return [e for e in self._sorted if e.name in self.selected]
        return [current] if current is not None and current is not PARENT else []

    def summary(self) -> Summary:
        rows = self.rows
        visible = rows[1:] if rows and rows[0] is PARENT else rows
        folders = _count_folders(visible)
        chosen = [e for e in self.entries if e.name in self.selected] if self.selected else []
        hidden = 0 if self.show_hidden else self._hidden_count
        return Summary(
            folders=folders,
            files=len(visible) - folders,
            selected=len(chosen),
            selected_bytes=sum(e.size for e in chosen if not e.is_dir),
            hidden_by_filter=len(self._sorted) - hidden - len(visible),
            hidden_files=hidden,
            incomplete=self.incomplete,
        )

    # -- history -----------------------------------------------------------------------

    def back(self) -> str | None:
        """The folder to go back to (the caller lists it, then calls `arrived_back`)."""
        return self._back[-1] if self._back else None

    def forward(self) -> str | None:
        return self._forward[-1] if self._forward else None

    def went_back(self) -> None:
        self._forward.append(self.path)
        self._back.pop()

    def went_forward(self) -> None:
        self._back.append(self.path)
        self._forward.pop()

    def parent(self) -> str:
        return posixpath.dirname(self.path.rstrip("/")) or "/"


def check_new_name(text: str) -> str | None:
    """Why `text` cannot name a new file or folder here, or None when it can."""
    if not text:
        return "the name is empty"
    if text in (".", ".."):
        return f"'{text}' is not a name a file can have"
    if "/" in text:
        return "a name cannot contain '/'"
    if "\0" in text:
        return "a name cannot contain a NUL character"
    if len(text.encode("utf-8", errors="surrogateescape")) > 255:
        return "the name is longer than 255 bytes"
    return None
