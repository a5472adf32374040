"""Cursor movement: CUP and relative moves, tab stops, DECSC/DECRC.

Part of `Screen` (which mixes this in); split out to keep one idea per file.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from .styles import DEFAULT

if TYPE_CHECKING:
    from .screen import Screen


class SavedCursor:
    """What DECSC keeps: position, pen, wrap state, origin mode and character sets."""

    __slots__ = ("x", "y", "style", "pending_wrap", "origin", "charsets", "shift")

    def __init__(self, screen: Screen) -> None:
        self.x, self.y, self.style = screen.x, screen.y, screen.style
        self.pending_wrap = screen.pending_wrap
        self.origin = screen.modes.origin
        self.charsets = list(screen.charsets)
        self.shift = screen.shift



class CursorMotion:
    """The cursor and tab-stop operations of `Screen`."""

    def cursor_to(self, x: int, y: int) -> None:
        """CUP with 0-based arguments, relative to the region in origin mode."""
        if self.modes.origin:
            y = min(max(y + self.top, self.top), self.bottom)
        self.x = min(max(x, 0), self.cols - 1)
        self.y = min(max(y, 0), self.rows - 1)
        self.pending_wrap = False

    def cursor_up(self, count: int) -> None:
        limit = self.top if self.y >= self.top else 0
        self.y = max(self.y - count, limit)
        self.pending_wrap = False

    def cursor_down(self, count: int) -> None:
        limit = self.bottom if self.y <= self.bottom else self.rows - 1
        self.y = min(self.y + count, limit)
        self.pending_wrap = False

    def cursor_right(self, count: int) -> None:
        self.x = min(self.x + count, self.cols - 1)
        self.pending_wrap = False

    def cursor_left(self, count: int) -> None:
        self.x = max(self.x - count, 0)
        self.pending_wrap = False

    def set_column(self, x: int) -> None:
        self.x = min(max(x, 0), self.cols - 1)
        self.pending_wrap = False

    def set_row(self, y: int) -> None:
        """VPA: 0-based row, relative to the region in origin mode."""
        self.cursor_to(self.x, y)

    def backspace(self) -> None:
        if self.x > 0:
            self.x -= 1
        self.pending_wrap = False

    def _stops(self) -> list[int]:
        """The tab stops in order (cached until the set changes through the methods below)."""
        stops = self._tab_list
        if stops is None:
            stops = self._tab_list = sorted(self.tabs)
            self.work += len(stops)
        return stops

    def set_tab_stop(self) -> None:
        if self.x not in self.tabs:
            self.tabs.add(self.x)
            self._tab_list = None

    def clear_tab_stop(self, every: bool) -> None:
        if every:
            self.tabs.clear()
        else:
            self.tabs.discard(self.x)
        self._tab_list = None

    def tab(self, count: int = 1) -> None:
        stops = self._stops()
        index = bisect_right(stops, self.x) + min(count, self.cols) - 1
        self.x = stops[index] if index < len(stops) else self.cols - 1
        self.pending_wrap = False

    def back_tab(self, count: int = 1) -> None:
        stops = self._stops()
        index = bisect_left(stops, self.x) - min(count, self.cols)
        self.x = stops[index] if index >= 0 else 0
        self.pending_wrap = False

    def save_cursor(self) -> None:
        self.saved[self.buffer is self.alternate] = SavedCursor(self)

    def restore_cursor(self) -> None:
        saved = self.saved.get(self.buffer is self.alternate)
        if saved is None:
            self.style = DEFAULT
            self.modes.origin = False
            self.charsets, self.shift = ["B", "B"], 0
            self._update_translate()
            self.cursor_to(0, 0)
            return
        self.style = saved.style
        self.modes.origin = saved.origin
        self.charsets, self.shift = list(saved.charsets), saved.shift
        self._update_translate()
        self.x = min(saved.x, self.cols - 1)
        self.y = min(saved.y, self.rows - 1)
        self.pending_wrap = saved.pending_wrap and self.x == self.cols - 1
