"""The emulator: bytes from the remote side in, a screen to render out.

Speed comes from never looking at one character at a time in Python.  The
decoded stream is cut by one compiled regex into tokens, each of which is a
whole run: a block of complete lines (text and SGR colours ending in CR LF),
a run of text with SGR colours, one CSI, one OSC, one control character.
A block of lines that would only scroll the screen is applied in bulk: its
lines are built with `str.split` and a few list operations and most of them
go straight into the scrollback, where a plain default-styled line stays a
`str` and never becomes a `Line`.  Everything else goes through the same
`Screen` operations a per-character emulator would use.

Safety: an incomplete sequence is held for the next `feed()` only up to a
cap, past which the rest of it is skipped; replies are limited to DSR and
DA; titles, folders and clipboard writes become events for the owner to
judge; an unexpected error resets the screen and is logged.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections import deque
from typing import Callable, NamedTuple

from .controls import CSI_HANDLERS, ESC_RUNS, esc_dispatch, esc_run, parse_params
from .events import Bell, TerminalEvent
from .fastpath import MAX_REPLIES_PER_FEED, FastPaths
from .line import runs_of
from .osc import handle_osc
from .styles import Style, StyleTable

log = logging.getLogger(__name__)

MAX_CSI = 512
"""Longest CSI (in characters) that is interpreted; longer ones are dropped."""
MAX_STRING = 1 << 20
"""Longest OSC/DCS body kept (an OSC 52 copy of ~750 KB of text fits)."""
MAX_EVENTS = 1024

_SEG = r"(?:[^\x00-\x1f\x7f-\x9f]++|\x1b\[[0-9;:]{0,64}+m)"
_TOKEN = re.compile(
    rf"((?:{_SEG}*+\r\n)++)"  # 1: complete lines of text and colours
    rf"|({_SEG}++)"  # 2: text and colours
    r"|(\x1b\[[\x30-\x3f]*+[\x20-\x2f]*+[\x40-\x7e])"  # 3: CSI
    r"|(\r\n?|\n++|[\x00-\x1a\x1c-\x1f\x7f-\x9f])"  # 4: one control (CR LF as one, a run of LF as one)
    r"|(\x1b\][^\x07\x18\x1a\x1b\x9c]*+(?:\x07|\x9c|\x1b\\))"  # 5: OSC
    r"|(\x1b[PX^_][^\x18\x1a\x1b\x9c]*+(?:\x9c|\x1b\\))"  # 6: DCS, SOS, PM, APC
    r"|(\x1b(?:[\x20-\x2f]++[\x30-\x7e]|[\x30-\x4f\x51-\x57\x59\x5a\x5c\x60-\x7e]))"  # 7: ESC sequence
    r"|(\x1b)"  # 8: the start of something incomplete or malformed
)
# The longest prefix of a sequence starting at an ESC; reaching the end of the
# data means "incomplete, wait for more", stopping short means "malformed".
_PREFIX = re.compile(
    r"\x1b(?:\[[\x30-\x3f]*+[\x20-\x2f]*+"
    r"|[\]PX^_][^\x07\x18\x1a\x1b\x9c]*+(?:\x1b\Z)?"
    r"|[\x20-\x2f]*+)"
)
_SGR_SPLIT = re.compile(r"\x1b\[([0-9;:]*)m")
_CSI_END = re.compile(r"[^\x20-\x3f]")
_STRING_END = re.compile(r"[\x07\x9c\x18\x1a]|\x1b\\?")


class Cursor(NamedTuple):
    """Where the cursor is on the screen (0-based) and whether it is shown."""

    x: int
    y: int
    visible: bool


Run = tuple[str, Style]


class Terminal(FastPaths):
    """A VT/xterm emulator for one shell session.

    `write_back` receives the replies to device queries (bytes to send to the
    remote side); without it they queue up for `take_replies()`.
    """

    def __init__(
        self,
        cols: int = 80,
        rows: int = 24,
        scrollback: int = 10_000,
        write_back: Callable[[bytes], None] | None = None,
    ) -> None:
        super().__init__(cols, rows, scrollback)
        self.write_back = write_back
        self.title = ""
        self.cwd: str | None = None
        self.events: deque[TerminalEvent] = deque(maxlen=MAX_EVENTS)
        self.replies: list[bytes] = []
        self.errors = 0
        """How many times an internal error forced a reset (0 in a healthy run)."""
        self.styles_table = StyleTable()
        self._params: dict[str, list[int]] = {}
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._skip: str | None = None
        self._reply_budget = MAX_REPLIES_PER_FEED
        self._last_cursor = (0, 0)

    # -- input ------------------------------------------------------------------

    def feed(self, data: bytes | str) -> None:
        """Process output from the remote side; never raises."""
        try:
            if type(data) is bytes and self._plain_lines(data):
                return
            text = data if isinstance(data, str) else self._decoder.decode(data)
            if self._pending:
                text = self._pending + text
                self._pending = ""
            if self._skip is not None:
                text = self._skip_rest(text)
            self._reply_budget = MAX_REPLIES_PER_FEED
            if len(text) >= 512 and self._coloured_lines(text):
                return
            if text:
                self._process(text)
        except Exception:  # noqa: BLE001 - the app must survive any stream
            log.exception("terminal emulator error; resetting the screen")
            self.errors += 1
            self._decoder.reset()
            self._pending = ""
            self._skip = None
            self.full_reset()

    def reply(self, data: bytes) -> None:
        """Send an answer to a device query (called only by DSR and DA handlers)."""
        if self._reply_budget <= 0:
            return
        self._reply_budget -= 1
        if self.write_back is not None:
            self.write_back(data)
        else:
            self.replies.append(data)

    def _process(self, data: str) -> None:
        match = _TOKEN.match
        pos = 0
        end = len(data)
        while pos < end:
            m = match(data, pos)
            kind = m.lastindex
            token = m[kind]
            pos = m.end()
            if kind == 1:
                self._lines(token, "\x1b" not in token)
            elif kind == 2:
                self._text(token)
            elif kind == 3:
                self._csi(token)
            elif kind == 4:
                self._control(token)
            elif kind == 5:
                self._osc(token)
            elif kind == 7:
                run = ESC_RUNS.get(token)
                if run is not None and data.startswith(token, pos):
                    stop = run.match(data, pos).end()
                    esc_run(self, token, 1 + (stop - pos) // len(token))
                    pos = stop
                else:
                    esc_dispatch(self, token[1:])
            elif kind == 8:
                prefix = _PREFIX.match(data, pos - 1)
                if prefix.end() == end:
                    self._hold(data[pos - 1 :])
                    return
                pos = prefix.end()  # malformed: drop what was read of it
            # kind 6 (DCS, SOS, PM, APC) is ignored: DECRQSS, XTGETTCAP and sixel included.

    def _hold(self, tail: str) -> None:
        """Keep an incomplete sequence for the next feed, or skip it if it is too long."""
        is_string = tail[1:2] in ("]", "P", "X", "^", "_")
        if len(tail) > (MAX_STRING if is_string else MAX_CSI):
            self._skip = "string" if is_string else "csi"
            if is_string and tail.endswith("\x1b"):
                self._pending = "\x1b"  # maybe the start of ST
        else:
            self._pending = tail

    def _skip_rest(self, text: str) -> str:
        """Drop the rest of an overlong sequence; return what follows it."""
        if self._skip == "csi":
            m = _CSI_END.search(text)
            if m is None:
                return ""
            self._skip = None
            end = m.start()
            return text[end + 1 :] if "\x40" <= text[end] <= "\x7e" else text[end:]
        m = _STRING_END.search(text)
        if m is None:
            return ""
        if m[0] == "\x1b":
            if m.end() == len(text):
                self._pending = "\x1b"
                return ""
            self._skip = None
            return text[m.start() :]  # ESC without "\" aborts the string and starts anew
        self._skip = None
        return text[m.end() :]

    # -- text ---------------------------------------------------------------------

    def _text(self, token: str) -> None:
        if "\x1b" not in token:
            self.print_text(token)
            return
        table = self.styles_table
        table.trim()
        objects = table.objects
        transitions = table.transitions
        sid = table.id_of(self.style)
        it = iter(_SGR_SPLIT.split(token))
        first = next(it)
        if first:
            self.print_text(first)
        for params, text in zip(it, it):
            new = transitions[sid].get(params)
            if new is None:
                new = table.follow(sid, params)
            sid = new
            if text:
                self.style = objects[new]
                self.print_text(text)
        self.style = objects[sid]

    # -- controls -----------------------------------------------------------------

    def _control(self, ch: str) -> None:
        if ch == "\r\n":
            self.carriage_return()
            self.linefeed()
        elif ch == "\n" or ch == "\x0b" or ch == "\x0c":
            self.linefeed()
        elif ch[0] == "\n":
            self.linefeeds(len(ch))
        elif ch == "\r":
            self.carriage_return()
        elif ch == "\x08":
            self.backspace()
        elif ch == "\t":
            self.tab()
        elif ch == "\x07":
            if not self.events or not isinstance(self.events[-1], Bell):
                self.events.append(Bell())
        elif ch == "\x0e":
            self.shift_to(1)
        elif ch == "\x0f":
            self.shift_to(0)

    def _csi(self, token: str) -> None:
        if len(token) > MAX_CSI:
            return
        final = token[-1]
        body = token[2:-1]
        if final == "m" and (not body or body[0] not in "<=>?") and (not body or body[-1] <= "?"):
            self.style = self.styles_table.apply(self.style, body)
            return
        private = ""
        if body and body[0] in "<=>?":
            private, body = body[0], body[1:]
        intermediates = ""
        while body and body[-1] < "0":
            intermediates = body[-1] + intermediates
            body = body[:-1]
        handler = CSI_HANDLERS.get(private + intermediates + final)
        if handler is None:
            return
        params = self._params.get(body)
        if params is None:
            params = parse_params(body)
            if len(self._params) > 4096:
                self._params.clear()
            self._params[body] = params
        handler(self, params)

    def _osc(self, token: str) -> None:
        if len(token) > MAX_STRING:
            return
        body = token[2:-2] if token.endswith("\\") else token[2:-1]
        title, event = handle_osc(body)
        if title is not None:
            self.title = title
        if event is not None:
            if hasattr(event, "path"):
                self.cwd = event.path
            self.events.append(event)

    def full_reset(self) -> None:
        super().full_reset()
        self._pending = ""
        self._skip = None

    # -- output for the widget ---------------------------------------------------------

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.x, self.y, self.modes.cursor_visible)

    @property
    def history_size(self) -> int:
        """Scrollback lines above the screen (none while the alternate screen shows)."""
        return 0 if self.buffer is self.alternate else len(self.history)

    @property
    def line_count(self) -> int:
        """Lines `line_at` can show: scrollback then screen."""
        return self.history_size + self.rows

    def take_dirty(self) -> set[int]:
        """Screen rows changed since the last call (including the cursor's old and new rows)."""
        dirty = self.dirty
        self.dirty = set()
        position = (self.x, self.y)
        if position != self._last_cursor:
            dirty.add(self._last_cursor[1])
            dirty.add(self.y)
            self._last_cursor = position
        return {row for row in dirty if row < self.rows}

    def take_events(self) -> list[TerminalEvent]:
        events = list(self.events)
        self.events.clear()
        return events

    def take_replies(self) -> list[bytes]:
        replies, self.replies = self.replies, []
        return replies

    def line_at(self, index: int) -> list[Run]:
        """Runs of (text, style) for line `index` of `line_count`; columns past them are blank."""
        history = self.history_size
        if index < history:
            return runs_of(self.history[index], self.cols)
        return runs_of(self.buffer[index - history], self.cols)

    def screen_line(self, row: int) -> list[Run]:
        """Runs of (text, style) for screen row `row`."""
        return runs_of(self.buffer[row], self.cols)

    def text_at(self, index: int) -> str:
        """Plain text of line `index` of `line_count` (for copying and tests)."""
        return "".join(text for text, _ in self.line_at(index)).rstrip()

    def display(self) -> list[str]:
        """The screen as plain text rows, trailing blanks trimmed."""
        return [self.text_at(self.history_size + row) for row in range(self.rows)]
