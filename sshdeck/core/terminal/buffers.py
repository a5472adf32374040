"""Switching between the primary and alternate screens, resizing, and resets.

Full-screen programs (vim, less, htop) draw on the alternate screen and
switch back on exit, which must bring back the shell's screen and cursor
exactly as they were; the alternate screen has no scrollback.
"""

from __future__ import annotations

from .line import Line, as_line
from .modes import Modes
from .screen import Screen
from .styles import DEFAULT


class BufferedScreen(Screen):
    """A `Screen` with an alternate buffer, resizing and RIS/DECSTR."""

    def set_alternate(self, on: bool, mode: int) -> None:
        """Enter or leave the alternate screen for DEC private mode 47, 1047 or 1049."""
        entered = False
        if on:
            if mode == 1049:
                self.save_cursor()
            if self.buffer is not self.alternate:
                # 1049 wants a clear screen: the one left blank last time will do.
                if self.alternate is None or (mode == 1049 and not self.alternate_blank):
                    self._new_alternate()
                self.buffer = self.alternate
                entered = True
        else:
            if self.buffer is self.alternate:
                # Every change to the grid adds to `work`: none since entering means still blank.
                self.alternate_blank = self.alternate_blank and self.work == self._alternate_entered
                if mode == 1047:
                    self._new_alternate()
                self.buffer = self.primary
            if mode == 1049:
                self.restore_cursor()
        self.modes.alternate_screen = self.buffer is self.alternate
        self.work += 1
        if entered:
            self._alternate_entered = self.work
        self.pending_wrap = False
        self.touch_all()

    def _new_alternate(self) -> None:
        self.alternate = [Line() for _ in range(self.rows)]
        self.work += self.rows
        self.alternate_blank = True

    def resize(self, cols: int, rows: int) -> None:
        """Change the grid's size; no reflow, but the cursor's line stays on screen.

        Shrinking pushes lines above the cursor into the scrollback (as xterm
        does) after dropping empty lines below it; growing pulls lines back
        from the scrollback.  Lines are cut at the new width.
        """
        cols = max(1, int(cols))
        rows = max(1, int(rows))
        if (cols, rows) == (self.cols, self.rows):
            return
        self.work += rows
        for buf in (self.primary, self.alternate):
            if buf is None:
                continue
            is_primary = buf is self.primary
            if buf is self.buffer:
                y = self.y
            else:  # the hidden screen's cursor is the one saved when it was left
                saved = self.saved.get(buf is self.alternate)
                y = min(saved.y, len(buf) - 1) if saved else 0
            if rows < len(buf):
                excess = len(buf) - rows
                # Empty lines below the cursor go first.
                while excess and len(buf) - 1 > y and not buf[-1].text:
                    buf.pop()
                    excess -= 1
                if excess:
                    gone = buf[:excess]
                    del buf[:excess]
                    if is_primary:
                        self.history.extend(gone)
                        self.scroll_count += len(gone)
                    if buf is self.buffer:
                        self.y = max(0, self.y - excess)
                    elif self.saved.get(buf is self.alternate):
                        saved = self.saved[buf is self.alternate]
                        saved.y = max(0, saved.y - excess)
            elif rows > len(buf):
                grow = rows - len(buf)
                if is_primary and buf is self.buffer and self.history:
                    back = min(grow, len(self.history))
                    pulled = [self.history.pop() for _ in range(back)]
                    pulled.reverse()
                    buf[0:0] = [as_line(item) for item in pulled]  # the scrollback may hold text or lazy lines
                    self.y += back
                    grow -= back
                buf.extend(Line() for _ in range(grow))
            if cols < self.cols:
                for line in buf:
                    line.truncate(cols)
            for line in buf:
                line.wrapped = line.wrapped and len(line.text) >= cols
        # New columns get the default stops; the program's own stops are kept.
        self.tabs = {t for t in self.tabs if t < cols} | set(range((self.cols + 7) // 8 * 8 or 8, cols, 8))
        self._tab_list = None
        self.cols, self.rows = cols, rows
        self.top, self.bottom = 0, rows - 1
        self.x = min(self.x, cols - 1)
        self.y = min(self.y, rows - 1)
        self.pending_wrap = False
        for saved in self.saved.values():
            saved.x = min(saved.x, cols - 1)
            saved.y = min(saved.y, rows - 1)
        self.dirty = {row for row in self.dirty if row < rows}
        self.touch_all()

    def full_reset(self) -> None:
        """RIS (`ESC c`): back to the power-on state; the scrollback is kept."""
        self._reset_state()

    def soft_reset(self) -> None:
        """DECSTR (`CSI ! p`): reset modes, margins, pen and saved cursor; keep the text."""
        old = self.modes
        self.modes = Modes(
            alternate_screen=old.alternate_screen,
            mouse_tracking=old.mouse_tracking,
            mouse_sgr=old.mouse_sgr,
            bracketed_paste=old.bracketed_paste,
            focus_events=old.focus_events,
            reverse_video=old.reverse_video,
        )
        self.style = DEFAULT
        self.top, self.bottom = 0, self.rows - 1
        self.charsets, self.shift = ["B", "B"], 0
        self._update_translate()
        self.saved = {}
        self.pending_wrap = False

    # -- character sets --------------------------------------------------------------

    def designate(self, slot: int, charset: str) -> None:
        self.charsets[slot] = charset
        self._update_translate()

    def shift_to(self, slot: int) -> None:
        self.shift = slot
        self._update_translate()

    def alignment_test(self) -> None:
        """DECALN (`ESC # 8`): fill the screen with E (vttest uses it)."""
        key = ("DECALN", id(self.buffer), self.cols)
        if not self._unchanged_since(key):
            fill = "E" * self.cols
            self.buffer[:] = [Line(fill) for _ in range(self.rows)]
            self.work += self.rows
            self._mark_done(key)
        self.top, self.bottom = 0, self.rows - 1
        self.cursor_to(0, 0)
        self.touch_all()
        self._last_whole = (key, self.work)
