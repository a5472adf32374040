"""The bulk path: complete lines that only scroll the screen, applied in one go.

Most output is lines of text, perhaps coloured, each ending in CR LF and
written at the bottom of the screen, so each one scrolls the screen by one.
The result of N such lines is predictable without doing N scrolls: the
screen's lines and the N new ones slide up together, the first N of them
fall into the scrollback, and only the last screenful becomes editable
`Line`s.  Lines are cut with `str.split`; a plain one reaches the
scrollback as a `str`, a coloured one as `(raw line, style at its start)`,
its SGR sequences parsed only if someone scrolls back to it.  All that is
worked out now is its width (from one regex pass that strips SGR from the
whole chunk) and the style it leaves behind (the default whenever its last
SGR is a reset, as in nearly all coloured output).  Whole chunks that are
nothing but such lines skip the tokenizer too (`_plain_lines`,
`_coloured_lines`), proved so by a few C-speed counts.

Any line the shortcut cannot represent exactly (wider than the screen, with
double-width or combining characters, ending on a coloured background, or
arriving when the cursor is not at the bottom of the region on an empty
line) is replayed through the ordinary `Screen` operations, so the result
is always what a per-character emulator would produce.
"""

from __future__ import annotations

import re

from .buffers import BufferedScreen
from .line import Lazy, Line, as_line, end_style
from .styles import DEFAULT, StyleTable
from .widths import SPECIAL_RE

MAX_REPLIES_PER_FEED = 64

_CONTROLS_BUT_CR_LF = bytes(set(range(32)) - {0x0A, 0x0D}) + b"\x7f"
_DROP_CONTROLS = dict.fromkeys([*range(32), *range(0x7F, 0xA0)])
_SGR = re.compile(r"\x1b\[[0-9;:]*m")
_SGR_SPLIT = re.compile(r"\x1b\[([0-9;:]*)m")
_RESETS = frozenset(("", "0", "00", "000"))
_RESET_ENDINGS = ("\x1b[0m", "\x1b[m", "\x1b[00m")


class FastPaths(BufferedScreen):
    """A screen that can take whole blocks of lines at once."""

    styles_table: StyleTable

    def _plain_lines(self, data: bytes) -> bool:
        """Take a chunk of ASCII text lines ending in CR LF without the tokenizer, if it is one.

        `seq`, `cat` of a log, `find`, compiler output: the commonest output
        by volume.  A few C-speed counts prove the chunk holds no control
        but paired CR LF (a trailing CR may wait for its LF).
        """
        if (
            len(data) < 512
            or not data.isascii()
            or b"\x1b" in data
            or self._pending
            or self._skip is not None
            or self._decoder.getstate()[0]
        ):
            return False
        start = 1 if data[0] == 0x0A else 0  # the LF of a CR LF split across chunks
        feeds = data.count(b"\n") - start
        if (
            feeds < 2
            or data.count(b"\r\n") != feeds
            or data.count(b"\r") - data.endswith(b"\r") != feeds
            or len(data.translate(None, _CONTROLS_BUT_CR_LF)) != len(data)
        ):
            return False
        self._reply_budget = MAX_REPLIES_PER_FEED
        if start:
            self.linefeed()
        text = data.decode("ascii")
        last = text.rfind("\r\n") + 2
        self._lines(text[start:last] if start else text[:last], True)
        if last < len(text):
            self._process(text[last:])
        return True

    def _coloured_lines(self, text: str) -> bool:
        """Take a chunk of lines holding only text, SGR and CR LF without the tokenizer, if it is one.

        One regex pass removes the SGR sequences; if that accounts for every
        ESC and only paired CR LF remain, the chunk is a block of lines and
        the visible text gives each line's width for free.
        """
        start = 1 if text[0] == "\n" else 0
        last = text.rfind("\r\n") + 2
        if last - start < 512:
            return False
        body = text[start:last] if start else text[:last]
        visible, count = _SGR.subn("", body)
        feeds = visible.count("\n")
        if (
            count != body.count("\x1b")
            or feeds < 2
            or visible.count("\r\n") != feeds
            or visible.count("\r") != feeds
            or len(visible.translate(_DROP_CONTROLS)) != len(visible) - 2 * feeds
        ):
            return False
        if start:
            self.linefeed()
        self._lines(body, count == 0, visible)
        if last < len(text):
            self._process(text[last:])
        return True

    def _bulk_ready(self) -> bool:
        """Would the next line be written at column 0 of an empty bottom line of the region?"""
        return (
            self.y == self.bottom
            and self.x == 0
            and not self.pending_wrap
            and self.style.bg is None
            and self.translate is None
            and not self.modes.insert
            and not self.buffer[self.y].text
        )

    def _lines(self, block: str, plain: bool, visible: str | None = None) -> None:
        """Process `block`: text and SGR sequences in lines, each ending in CR LF.

        `plain` says the block has no ESC at all (and so no SGR); `visible`,
        if known, is the block without its SGR sequences.
        """
        lines = block.split("\r\n")
        lines.pop()
        count = len(lines)
        index = 0
        while index < count and not self._bulk_ready():
            self._replay(lines[index])
            index += 1
        if index == count:
            return
        rest = lines[index:] if index else lines
        simple = block.isascii() or not SPECIAL_RE.search(block)
        if plain and simple and self.style == DEFAULT and max(map(len, rest)) <= self.cols:
            self._scroll_in(rest)
        else:
            shown = None
            if visible is not None:
                shown = visible.split("\r\n")
                del shown[: len(shown) - 1 - len(rest)]
            self._coloured(rest, simple, shown)

    def _coloured(self, lines: list[str], simple: bool, visible: list[str] | None = None) -> None:
        """Bulk-apply lines that may hold SGR sequences, parsing them only as far as needed.

        A line goes to the scrollback as `(raw line, style at its start)`,
        rendered when someone looks at it.  All that must be known now is
        whether it fits on one row and the style it leaves behind, which is
        the default whenever its last SGR is a reset (almost always).
        """
        cols = self.cols
        style = self.style
        entries: list[Line | str | Lazy] = []
        ready = True
        if visible is None:
            visible = [_SGR.sub("", raw) if len(raw) > cols else raw for raw in lines]
        for raw, shown in zip(lines, visible):
            if ready and len(shown) <= cols and (simple or shown.isascii() or not SPECIAL_RE.search(shown)):
                if "\x1b" not in raw:
                    entries.append(raw if style is DEFAULT else (raw, style))
                    continue
                entries.append((raw, style))
                if raw.endswith(_RESET_ENDINGS):
                    style = DEFAULT
                    continue
                start = raw.rfind("\x1b[")
                style = DEFAULT if raw[start + 2 : raw.index("m", start)] in _RESETS else end_style(raw, style)
                if style.bg is not None:
                    # The next line starts on a blank in this background (xterm's BCE).
                    self.style = style
                    self._scroll_in(entries)
                    entries = []
                    ready = self._bulk_ready()
                continue
            # Anything else goes through the ordinary operations.
            if entries:
                self.style = style
                self._scroll_in(entries)
                entries = []
            self.style = style
            self._replay(raw)
            style = self.style
            ready = self._bulk_ready()
        self.style = style
        if entries:
            self._scroll_in(entries)

    def _replay(self, raw: str) -> None:
        """Text and SGR of one line, then CR LF, the slow and always exact way."""
        if raw:
            if "\x1b" in raw:
                parts = _SGR_SPLIT.split(raw)
                apply = self.styles_table.apply
                if parts[0]:
                    self.print_text(parts[0])
                for i in range(1, len(parts), 2):
                    self.style = apply(self.style, parts[i])
                    if parts[i + 1]:
                        self.print_text(parts[i + 1])
            else:
                self.print_text(raw)
        self.carriage_return()
        self.index()

    def _scroll_in(self, entries: list[Line | str | Lazy]) -> None:
        """Apply lines each written at the (empty) bottom line of the region and followed by CR LF."""
        top, bottom = self.top, self.bottom
        buf = self.buffer
        self.work += len(entries) + bottom - top + 1
        passing = buf[top:bottom] + entries if bottom > top else entries
        gone = len(passing) - (bottom - top)
        kept = [entry if type(entry) is Line else as_line(entry) for entry in passing[gone:]]
        kept.append(Line.blank(self.cols, self.erase_style()))
        buf[top : bottom + 1] = kept
        if top == 0 and buf is self.primary:
            self.history.extend(passing[:gone] if gone < len(passing) else passing)
            self.scroll_count += gone
        if len(self.dirty) < self.rows:  # not already all dirty
            self.dirty.update(range(top, bottom + 1))
        for entry in reversed(entries):
            text = entry if isinstance(entry, str) else entry.text if isinstance(entry, Line) else _SGR.sub("", entry[0])
            if text:
                self.last_char = text[-1]
                break
