"""The grid: lines, cursor, scroll region, scrollback and the alternate screen.

`Screen` holds the state and the operations that control sequences perform
(print, line feed, erase, insert/delete, scroll, save/restore cursor...).
It knows nothing about bytes or escape sequences; `Terminal` parses the
stream and calls these methods.  Every operation keeps the invariants that
the renderer relies on: exactly `rows` lines, none longer than `cols`, the
cursor inside the grid, and the rows it touched recorded in `dirty`.

This module holds the state (reset, erase colour, the whole-screen
operation guard); the operations are mixed in from `scrolling`, `cursor`,
`erasing` and `printing`, one idea a file.
"""

from __future__ import annotations

from collections import deque

from .cursor import CursorMotion, SavedCursor
from .erasing import Erasing
from .line import Line
from .modes import Modes
from .printing import Printing
from .scrolling import Scrolling
from .styles import DEFAULT, Style


# DEC special graphics (`ESC ( 0`): the line-drawing set ncurses uses for boxes.
DEC_GRAPHICS = str.maketrans(
    dict(zip("`abcdefghijklmnopqrstuvwxyz{|}~", "◆▒␉␌␍␊°±␤␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·"))
)


_TABS: dict[int, frozenset[int]] = {}


def _default_tabs(cols: int) -> frozenset[int]:
    """Every 8th column (cached: RIS repeated in a stream must stay cheap)."""
    tabs = _TABS.get(cols)
    if tabs is None:
        if len(_TABS) > 8:
            _TABS.clear()
        tabs = _TABS[cols] = frozenset(range(8, cols, 8))
    return tabs


class Screen(Scrolling, CursorMotion, Erasing, Printing):
    """A terminal's cells and cursor, with the primitive operations on them."""

    def __init__(self, cols: int, rows: int, scrollback: int = 10_000) -> None:
        self.cols = max(1, int(cols))
        self.rows = max(1, int(rows))
        self.history: deque[Line | str] = deque(maxlen=max(0, scrollback))
        """Lines that scrolled off the top of the primary screen, oldest first."""
        self.scroll_count = 0
        """How many lines have ever entered `history` (lets a scrolled-back view stay put)."""
        self.dirty: set[int] = set()
        """Screen rows changed since the last `take_dirty()`."""
        self._last_whole: tuple | None = None
        self.work = 0
        """A count of the work done: cells written, erased or shifted, plus one per whole line
        created, moved or scanned.  Tests assert it grows at most linearly with the input."""
        self._reset_state()

    # -- state ------------------------------------------------------------------

    def _reset_state(self) -> None:
        self.modes = Modes()
        key = ("RIS", self.rows, self.cols)
        if self._unchanged_since(key) and self.buffer is self.primary:
            pass  # a repeated reset keeps the blank lines it made
        else:
            self.primary = [Line() for _ in range(self.rows)]
            self.work += self.rows
        self.alternate: list[Line] | None = None
        self.alternate_blank = False
        """Is `alternate` (while not shown) known to hold only blank lines?"""
        self._alternate_entered = -1
        self.buffer = self.primary
        self.x = 0
        self.y = 0
        self.pending_wrap = False
        self.style = DEFAULT
        self.top = 0
        self.bottom = self.rows - 1
        self.tabs = set(_default_tabs(self.cols))
        self._tab_list: list[int] | None = None
        self.charsets = ["B", "B"]  # G0, G1: "B" is ASCII, "0" DEC graphics
        self.shift = 0  # which of G0/G1 is invoked (SI/SO)
        self.translate: dict[int, str] | None = None
        self.saved: dict[bool, SavedCursor] = {}
        self.last_char = " "
        if len(self.dirty) < self.rows:
            self.dirty.update(range(self.rows))
        self._mark_done(key)

    def _update_translate(self) -> None:
        self.translate = DEC_GRAPHICS if self.charsets[self.shift] == "0" else None

    def erase_style(self) -> Style:
        """The style of erased cells: the current background only (xterm's BCE)."""
        style = self.style
        if style.bg is None:
            return DEFAULT
        return Style(None, style.bg, 0)

    def touch_all(self) -> None:
        if len(self.dirty) < self.rows:
            self.dirty.update(range(self.rows))

    def _unchanged_since(self, key: tuple) -> bool:
        """Was `key`'s whole-screen operation the last thing that changed the screen?

        Every change to the grid adds to `work`, so an unchanged `work` proves
        that repeating the operation would find its own result: repeated
        ED/DECALN/RIS cost a comparison instead of a screenful of lines.
        """
        return self._last_whole == (key, self.work)

    def _mark_done(self, key: tuple) -> None:
        self.work += 1
        self._last_whole = (key, self.work)

