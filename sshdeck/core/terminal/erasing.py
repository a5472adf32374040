"""Erasing and editing: EL, ED, ECH, ICH and DCH.

Part of `Screen` (which mixes this in); split out to keep one idea per file.
Blanked cells take the erase colour (xterm's BCE); repeating a whole-screen
erase with nothing drawn since costs a comparison.
"""

from __future__ import annotations

from .line import Line
from .styles import DEFAULT


class Erasing:
    """The erase and insert/delete-character operations of `Screen`."""

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
