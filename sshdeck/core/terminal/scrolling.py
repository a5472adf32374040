"""Vertical movement and scrolling: line feeds, IND/RI, the scroll region, IL/DL.

Part of `Screen` (which mixes this in); split out to keep one idea per file.
Lines leaving the top of the primary screen go to the scrollback; a whole
region scrolled blank again with nothing drawn since costs a comparison.
"""

from __future__ import annotations

from .line import Line
from .styles import DEFAULT, Style


class Scrolling:
    """The line feed and scrolling operations of `Screen`."""

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
        gone = self._shift(top, bottom, count, erase, up=True)
        if top == 0 and buf is self.primary:
            if gone is None:  # the same blank lines pass into the scrollback
                blank = "" if erase is DEFAULT else (" " * self.cols, erase)
                self.history.extend([blank] * count)
            else:
                self.history.extend([line.pack() for line in gone])
            self.scroll_count += count

    def scroll_down(self, count: int) -> None:
        top, bottom = self.top, self.bottom
        count = min(count, bottom - top + 1)
        if count > 0:
            self._shift(top, bottom, count, self.erase_style(), up=False)

    def _shift(self, top: int, bottom: int, count: int, erase: Style, *, up: bool) -> list[Line] | None:
        """Rows top..bottom moved `count` lines up (or down), blank lines in `erase` coming in at the other end.

        Returns the lines moved out at the top (none when moving down), or
        None when the move blanked the whole region again with nothing drawn
        since: that costs only a comparison.
        """
        buf = self.buffer
        whole = count == bottom - top + 1
        if whole and self._cleared_again(top, bottom, erase):
            return None
        self.work += bottom - top + 1
        blanks = [Line.blank(self.cols, erase) for _ in range(count)]
        if up:
            gone = buf[top : top + count]
            del buf[top : top + count]
            buf[bottom - count + 1 : bottom - count + 1] = blanks
        else:
            gone = []
            del buf[bottom - count + 1 : bottom + 1]
            buf[top:top] = blanks
        if len(self.dirty) < self.rows:  # not already all dirty
            self.dirty.update(range(top, bottom + 1))
        if whole:
            self._mark_done(("clear", top, bottom, erase, id(buf)))
        return gone

    def _cleared_again(self, top: int, bottom: int, erase: Style) -> bool:
        """Would blanking rows top..bottom find them blanked so already, with nothing drawn since?"""
        return self._unchanged_since(("clear", top, bottom, erase, id(self.buffer)))

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
        self._shift(top, bottom, min(count, bottom - top + 1), self.erase_style(), up=True)
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
