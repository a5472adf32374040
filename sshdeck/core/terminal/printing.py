"""Printing text on the grid: plain runs, double-width runs, combining marks, REP.

Part of `Screen` (which mixes this in); split out to keep one idea per file.
The work per input character is bounded: a run of double-width characters is
laid out a line at a time, and REP repeats at most one line's worth, built at
once rather than character by character.
"""

from __future__ import annotations

from .line import WIDE_TAIL
from .styles import DEFAULT
from .widths import SPECIAL_RE, char_width

class Printing:
    """The printing operations of `Screen`."""

    def print_text(self, text: str) -> None:
        """Draw printable text at the cursor with the current style, wrapping as needed."""
        if self.translate is not None:
            text = text.translate(self.translate)
        if not text.isascii() and SPECIAL_RE.search(text):
            self._print_mixed(text)
            return
        self.last_char = text[-1]
        self.work += len(text)
        x = self.x
        if len(text) < self.cols - x and not self.pending_wrap and not self.modes.insert:
            # The common case in full-screen redraws: the text fits where it lands.
            y = self.y
            self.buffer[y].write(x, text, self.style)
            self.x = x + len(text)
            self.dirty.add(y)
            return
        cols = self.cols
        style = self.style
        modes = self.modes
        while text:
            if self.pending_wrap:
                self._wrap()
            x = self.x
            room = cols - x
            line = self.buffer[self.y]
            self.dirty.add(self.y)
            if modes.insert:
                line.insert_blanks(x, min(len(text), room), DEFAULT, cols)
                self.work += len(line.marks) if line.marks else 0  # the marks slide with the text
            if len(text) < room:
                line.write(x, text, style)
                self.x = x + len(text)
                return
            if not modes.autowrap:
                # Without autowrap the rest of the text piles up in the last column.
                line.write(x, text[: room - 1] + text[-1], style)
                self.x = cols - 1
                return
            line.write(x, text[:room], style)
            text = text[room:]
            self.x = cols - 1
            self.pending_wrap = True

    def _print_mixed(self, text: str) -> None:
        """Print text holding double-width or zero-width characters."""
        if self.modes.insert and not self.pending_wrap and len(text) > 1:
            width = sum(char_width(ch) for ch in text)
            if 0 < width < self.cols - self.x and self.cols >= 2:
                # Open the room for the whole token once: shifting a line of marks per
                # character would cost a line's worth of work for every few input bytes.
                line = self.buffer[self.y]
                line.insert_blanks(self.x, width, DEFAULT, self.cols)
                self.work += len(line.marks) if line.marks else 0
                self.modes.insert = False
                try:
                    self._print_mixed(text)
                finally:
                    self.modes.insert = True
                return
        pos = 0
        for match in SPECIAL_RE.finditer(text):
            start = match.start()
            if start < pos:
                continue  # already printed as part of a run of wide characters
            if start > pos:
                self.print_text(text[pos:start])
            pos = start + 1
            ch = match.group()
            if char_width(ch) == 2 and self.cols >= 2:
                end = pos
                while end < len(text) and char_width(text[end]) == 2:
                    end += 1
                self._print_wide_run(text[start:end])
                pos = end
            else:
                self._print_special(ch)
        if pos < len(text):
            self.print_text(text[pos:])

    def _print_wide_run(self, run: str) -> None:
        """Print double-width characters a line's worth at a time (as `_print_special` would one by one)."""
        cols = self.cols
        modes = self.modes
        self.last_char = run[-1]
        while run:
            if self.pending_wrap:
                self._wrap()
            x = self.x
            if x == cols - 1:
                if not modes.autowrap:
                    return
                self.buffer[self.y].erase(x, cols, self.erase_style(), cols)
                self.work += 1
                self._wrap()
                x = 0
            count = min(len(run), (cols - x) // 2)
            chunk, run = run[:count], run[count:]
            line = self.buffer[self.y]
            if modes.insert:
                line.insert_blanks(x, 2 * count, DEFAULT, cols)
                self.work += len(line.marks) if line.marks else 0  # the marks slide with the text
            line.write(x, _with_tails(chunk), self.style)
            self.work += 2 * count
            self.dirty.add(self.y)
            x += 2 * count
            if x >= cols:
                self.x = cols - 1
                self.pending_wrap = modes.autowrap
            else:
                self.x = x
            if not modes.autowrap and run and self.x == cols - 1:
                return

    def _print_special(self, ch: str) -> None:
        self.work += 1
        width = char_width(ch)
        cols = self.cols
        if width == 0:
            col = self.x if self.pending_wrap else self.x - 1
            line = self.buffer[self.y]
            if col >= 0:
                if col < len(line.text) and line.text[col] == WIDE_TAIL:
                    col -= 1
                line.add_mark(col, ch)
                self.dirty.add(self.y)
            return
        if cols < 2:
            ch, width = "?", 1  # nowhere to put a double-width character
        if self.pending_wrap:
            self._wrap()
        if self.x == cols - 1:
            if not self.modes.autowrap:
                return
            self.buffer[self.y].erase(self.x, cols, self.erase_style(), cols)
            self._wrap()
        line = self.buffer[self.y]
        if self.modes.insert:
            line.insert_blanks(self.x, width, DEFAULT, cols)
            self.work += len(line.marks) if line.marks else 0  # the marks slide with the text
        line.write(self.x, ch + WIDE_TAIL if width == 2 else ch, self.style)
        self.dirty.add(self.y)
        self.last_char = ch
        self.x += width
        if self.x >= cols:
            self.x = cols - 1
            self.pending_wrap = self.modes.autowrap

    def _wrap(self) -> None:
        self.pending_wrap = False
        if not self.modes.autowrap:
            return
        self.buffer[self.y].wrapped = True
        self.x = 0
        self.index()
        # The caller draws on the new line next: counted now, so that a scroll of the
        # whole region just made is not taken for a blank one by `_unchanged_since`.
        self.work += 1

    def repeat_last(self, count: int) -> None:
        """REP (`CSI n b`): print the last printed character `count` more times.

        The count is capped at one line's worth (as VTE caps it at the rest of
        the line): curses only repeats within a line, and an uncapped count
        would let a few bytes cost a screenful of work.
        """
        ch = self.last_char
        if self.translate is not None:
            ch = ch.translate(self.translate)
        if char_width(ch) == 2 and self.cols >= 2:
            count = min(count, self.cols // 2)
            if count > 0:
                self._print_wide_run(ch * count)  # built at once, not character by character
            return
        count = min(count, self.cols)
        if count > 0:
            self.print_text(self.last_char * count)


def _with_tails(chunk: str) -> str:
    """`chunk` (double-width characters) laid out one code point per column: each followed by WIDE_TAIL."""
    first = chunk[0]
    if chunk.count(first) == len(chunk):  # a REP, or a single character: no per-character string at all
        return (first + WIDE_TAIL) * len(chunk)
    cells = [WIDE_TAIL] * (2 * len(chunk))
    cells[0::2] = chunk  # several times faster than WIDE_TAIL.join(chunk) for non-Latin-1 text
    return "".join(cells)
