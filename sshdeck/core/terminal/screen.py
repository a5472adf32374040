"""The grid: lines, cursor, scroll region, scrollback and the alternate screen.

`Screen` holds the state and the operations that control sequences perform
(print, line feed, erase, insert/delete, scroll, save/restore cursor...).
It knows nothing about bytes or escape sequences; `Terminal` parses the
stream and calls these methods.  Every operation keeps the invariants that
the renderer relies on: exactly `rows` lines, none longer than `cols`, the
cursor inside the grid, and the rows it touched recorded in `dirty`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque

from .line import Line
from .modes import Modes
from .printing import Printing
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


class SavedCursor:
    """What DECSC keeps: position, pen, wrap state, origin mode and character sets."""

    __slots__ = ("x", "y", "style", "pending_wrap", "origin", "charsets", "shift")

    def __init__(self, screen: Screen) -> None:
        self.x, self.y, self.style = screen.x, screen.y, screen.style
        self.pending_wrap = screen.pending_wrap
        self.origin = screen.modes.origin
        self.charsets = list(screen.charsets)
        self.shift = screen.shift


class Screen(Printing):
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

    # -- vertical movement and scrolling ---------------------------------------------

    def carriage_return(self) -> None:
        self.x = 0
        self.pending_wrap = False

    def linefeed(self) -> None:
        """LF, VT and FF: down one line (and to column 0 in newline mode)."""
        if self.modes.newline:
            self.x = 0
        self.index()

    def linefeeds(self, count: int) -> None:
        """`count` line feeds at once: what `count` calls of `linefeed` do, in a few list operations."""
        if self.modes.newline:
            self.x = 0
        self.indexes(count)

    def indexes(self, count: int) -> None:
        """`count` INDs at once (what `count` calls of `index` do)."""
        self.pending_wrap = False
        y, top, bottom = self.y, self.top, self.bottom
        if y > bottom:
            self.y = min(y + count, self.rows - 1)
            return
        down = min(count, bottom - y)
        self.y = y + down
        count -= down
        if count <= 0:
            return
        height = bottom - top + 1
        self.scroll_up(min(count, height))
        extra = count - height
        if extra > 0 and top == 0 and self.buffer is self.primary and self.history.maxlen:
            # Lines scrolled in blank and out again: blanks (in the erase colour) for the scrollback.
            erase = self.erase_style()
            blank = "" if erase is DEFAULT else (" " * self.cols, erase)
            self.history.extend([blank] * min(extra, self.history.maxlen))
            self.scroll_count += extra
            self.work += min(extra, self.history.maxlen)

    def index(self) -> None:
        """IND: down one line, scrolling the region when at its bottom."""
        self.pending_wrap = False
        y = self.y
        if y == self.bottom:
            self.scroll_up(1)
        elif y < self.rows - 1:
            self.y = y + 1

    def reverse_index(self) -> None:
        """RI: up one line, scrolling the region down when at its top."""
        self.pending_wrap = False
        if self.y == self.top:
            self.scroll_down(1)
        elif self.y > 0:
            self.y -= 1

    def reverse_indexes(self, count: int) -> None:
        """`count` RIs at once: up to the region's top (or the screen's), then scroll down the rest."""
        self.pending_wrap = False
        y, top = self.y, self.top
        if y < top:
            self.y = max(0, y - count)
            return
        up = min(count, y - top)
        self.y = y - up
        if count > up:
            self.scroll_down(count - up)

    def scroll_up(self, count: int) -> None:
        """Move the region's lines up; lines leaving the top of the full screen go to history."""
        top, bottom = self.top, self.bottom
        count = min(count, bottom - top + 1)
        if count <= 0:
            return
        buf = self.buffer
        erase = self.erase_style()
        if count == 1 and top < bottom:
            # One line (a line feed or a wrap at the bottom): the most frequent scroll, in two list calls.
            self.work += bottom - top + 1
            gone = buf.pop(top)
            buf.insert(bottom, Line.blank(self.cols, erase))
            if top == 0 and buf is self.primary:
                self.history.append(gone.pack())
                self.scroll_count += 1
            if len(self.dirty) < self.rows:  # not already all dirty
                self.dirty.update(range(top, bottom + 1))
            return
        if count == bottom - top + 1 and self._cleared_again(top, bottom, erase):
            if top == 0 and buf is self.primary:  # the same blank lines pass into the scrollback
                blank = "" if erase is DEFAULT else (" " * self.cols, erase)
                self.history.extend([blank] * count)
                self.scroll_count += count
            return
        self.work += bottom - top + 1
        gone = buf[top : top + count]
        del buf[top : top + count]
        buf[bottom - count + 1 : bottom - count + 1] = [Line.blank(self.cols, erase) for _ in range(count)]
        if top == 0 and buf is self.primary:
            self.history.extend([line.pack() for line in gone])
            self.scroll_count += count
        if len(self.dirty) < self.rows:  # not already all dirty
            self.dirty.update(range(top, bottom + 1))
        if count == bottom - top + 1:
            self._mark_done(("clear", top, bottom, erase, id(buf)))

    def _cleared_again(self, top: int, bottom: int, erase: Style) -> bool:
        """Would blanking rows top..bottom find them blanked so already, with nothing drawn since?"""
        return self._unchanged_since(("clear", top, bottom, erase, id(self.buffer)))

    def scroll_down(self, count: int) -> None:
        top, bottom = self.top, self.bottom
        count = min(count, bottom - top + 1)
        if count <= 0:
            return
        buf = self.buffer
        erase = self.erase_style()
        whole = count == bottom - top + 1
        if whole and self._cleared_again(top, bottom, erase):
            return
        self.work += bottom - top + 1
        del buf[bottom - count + 1 : bottom + 1]
        buf[top:top] = [Line.blank(self.cols, erase) for _ in range(count)]
        if len(self.dirty) < self.rows:  # not already all dirty
            self.dirty.update(range(top, bottom + 1))
        if whole:
            self._mark_done(("clear", top, bottom, erase, id(buf)))

    def insert_lines(self, count: int) -> None:
        """IL: open blank lines at the cursor, pushing the region's lines down."""
        if not self.top <= self.y <= self.bottom:
            return
        saved_top, self.top = self.top, self.y
        self.scroll_down(count)
        self.top = saved_top
        self.x = 0
        self.pending_wrap = False

    def delete_lines(self, count: int) -> None:
        """DL: remove lines at the cursor, pulling the region's lines up (never into history)."""
        if not self.top <= self.y <= self.bottom:
            return
        top, bottom = self.y, self.bottom
        count = min(count, bottom - top + 1)
        buf = self.buffer
        erase = self.erase_style()
        whole = count == bottom - top + 1
        if not (whole and self._cleared_again(top, bottom, erase)):
            self.work += bottom - top + 1
            del buf[top : top + count]
            buf[bottom - count + 1 : bottom - count + 1] = [Line.blank(self.cols, erase) for _ in range(count)]
            if len(self.dirty) < self.rows:  # not already all dirty
                self.dirty.update(range(top, bottom + 1))
            if whole:
                self._mark_done(("clear", top, bottom, erase, id(buf)))
        self.x = 0
        self.pending_wrap = False

    def set_margins(self, top: int, bottom: int) -> None:
        """DECSTBM: rows are 1-based, 0 means the default; an invalid region is ignored."""
        top = max(1, top) - 1
        bottom = (bottom or self.rows) - 1
        bottom = min(bottom, self.rows - 1)
        if top >= bottom:
            return
        self.top, self.bottom = top, bottom
        self.cursor_to(0, 0)

    # -- cursor -------------------------------------------------------------------

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

    # -- erasing and editing in a line --------------------------------------------------

    def erase_in_line(self, mode: int) -> None:
        """EL: 0 to the end, 1 from the start through the cursor, 2 the whole line."""
        line = self.buffer[self.y]
        erase = self.erase_style()
        self.work += 1 + min(len(line.text), self.cols)
        if mode == 0:
            line.erase(self.x, self.cols, erase, self.cols)
            self.pending_wrap = False
        elif mode == 1:
            line.erase(0, self.x + 1, erase, self.cols)
        elif mode == 2:
            line.erase(0, self.cols, erase, self.cols)
        else:
            return
        line.wrapped = line.wrapped and mode == 1
        self.dirty.add(self.y)

    def erase_in_display(self, mode: int) -> None:
        """ED: 0 below, 1 above, 2 all (3 also forgets the scrollback)."""
        if mode not in (0, 1, 2, 3):
            return
        erase = self.erase_style()
        buf = self.buffer
        key = ("ED", mode, self.x, self.y, erase, id(buf))
        if self._unchanged_since(key):
            if mode == 0:
                self.pending_wrap = False
            return  # the same erase again with nothing drawn since: nothing to do
        if mode == 0:
            self.erase_in_line(0)
            rows = range(self.y + 1, self.rows)
        elif mode == 1:
            self.erase_in_line(1)
            rows = range(0, self.y)
        else:
            rows = range(self.rows)
            if mode == 3 and buf is self.primary:
                self.history.clear()
        self.work += len(rows)
        if erase is DEFAULT:
            # Only rows holding something need a new line: repeating ED costs a scan, not a screen of lines.
            for row in rows:
                line = buf[row]
                if line.text or line.wrapped or line.marks:
                    buf[row] = Line()
                    self.work += 1 + len(line.text)
        else:
            for row in rows:
                buf[row] = Line.blank(self.cols, erase)
        self.dirty.update(rows)
        self._mark_done(key)

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

    def erase_chars(self, count: int) -> None:
        """ECH: blank `count` cells from the cursor without moving it."""
        self.work += 1 + count
        self.buffer[self.y].erase(self.x, self.x + count, self.erase_style(), self.cols)
        self.dirty.add(self.y)
        self.pending_wrap = False

    def insert_chars(self, count: int) -> None:
        """ICH: open blank cells at the cursor."""
        count = min(count, self.cols - self.x)
        self.work += self.cols
        self.buffer[self.y].insert_blanks(self.x, count, self.erase_style(), self.cols)
        self.dirty.add(self.y)
        self.pending_wrap = False

    def delete_chars(self, count: int) -> None:
        """DCH: remove cells at the cursor."""
        count = min(count, self.cols - self.x)
        self.work += self.cols
        self.buffer[self.y].delete_chars(self.x, count, self.erase_style(), self.cols)
        self.dirty.add(self.y)
        self.pending_wrap = False
