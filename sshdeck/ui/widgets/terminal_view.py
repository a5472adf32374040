"""TerminalView: the widget that shows one `Terminal` and sends the user's input to it.

It is a Line-API widget: `render_line` draws a `Strip` per row from the
emulator's runs, kept until the emulator reports the row dirty
(terminal_lines.py), so a frame costs only the rows that changed.  Output is fed as it arrives, but the
screen is refreshed at most 60 times a second (`FRAME`), so a flood of
output costs parsing time, not rendering time.

While it has focus every key goes to the remote side, Tab, Escape, Ctrl+C and
Ctrl+Q included; the exceptions are `LEAVE_KEY` (Ctrl+]), which hands focus
back to sshdeck, and Shift+PgUp/PgDn, which page through the scrollback
(outside full-screen programs).  `captures_all_keys` tells the app to refuse
its own priority bindings (quit, the command palette) while this has focus.

Nothing from the stream reaches the real terminal: titles become a cleaned
`TitleChanged`, OSC 7 a `CwdChanged`, OSC 52 a clipboard write only when
`allow_osc52` is set, BEL a call to `app.bell()`; device-query replies come
from the emulator's own state and go to `send` like keystrokes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Callable

from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import TabbedContent, Tabs

from sshdeck.core.terminal import (
    Bell,
    ClipboardWrite,
    CwdChanged,
    Terminal,
    TitleChanged,
    encode_focus,
    encode_key,
    encode_paste,
)
from sshdeck.ui.widgets.terminal_lines import TerminalLines
from sshdeck.ui.widgets.prompt_frame import ECHO_WINDOW, draw_now
from sshdeck.ui.widgets.terminal_mouse import MouseHandler
from sshdeck.ui.widgets.terminal_render import clean_label, corner_label, restyle

log = logging.getLogger(__name__)

FRAME = 1 / 60
"""Shortest time between two repaints."""
FEED_SLICE = 0.012
"""Feeding this long without a pause makes `pace()` sleep so the app can draw and read keys."""
FEED_PAUSE = 0.002
FEED_CHUNK = 4096
"""`feed_in_slices` hands the emulator at most this many bytes between two yields to the event loop."""
SYNC_HOLD = 0.2
"""Longest a program's synchronized-output frame (?2026) may hold repaints."""
LEAVE_KEY = "ctrl+right_square_bracket"
"""The one key a focused terminal keeps for sshdeck: hands focus back to the panes."""


def terminal_has_focus(app) -> bool:
    """Whether the focused widget takes every key (the app should refuse quit / palette then)."""
    return bool(getattr(app.focused, "captures_all_keys", False))


class TerminalView(Widget, can_focus=True):
    """A terminal screen with scrollback, fed bytes by its owner; input goes to `send`."""

    captures_all_keys = True

    BINDINGS = [
        Binding(
            LEAVE_KEY,
            "leave",
            "Leave terminal",
            priority=True,
            id="leave_terminal",
            tooltip="Give the keyboard back to sshdeck (every other key goes to the remote shell)",
        ),
        Binding("shift+pageup", "page_back(1)", "Scroll back", show=False, priority=True, id="terminal_page_up"),
        Binding("shift+pagedown", "page_back(-1)", "Scroll forward", show=False, priority=True, id="terminal_page_down"),
    ]
    COMPONENT_CLASSES = {
        "terminal-view--cursor",
        "terminal-view--cursor-blurred",
        "terminal-view--selection",
        "terminal-view--scrolled",
    }

    @dataclass
    class TitleChanged(Message):
        """The program set its window title (cleaned of control characters and capped)."""

        view: TerminalView
        title: str

    @dataclass
    class CwdChanged(Message):
        """The shell reported its folder (OSC 7)."""

        view: TerminalView
        path: str
        host: str

    @dataclass
    class Left(Message):
        """The user pressed the leave key: focus went back to sshdeck."""

        view: TerminalView

    def __init__(
        self,
        *,
        allow_osc52: bool = False,
        scrollback: int = 10_000,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.allow_osc52 = allow_osc52
        self.send: Callable[[bytes], None] | None = None
        """Where keys, pastes, mouse reports and device-query replies go (the process's stdin)."""
        self.on_terminal_resize: Callable[[int, int], None] | None = None
        """Called with (cols, rows) when the widget's size changes the terminal's."""
        self.terminal = Terminal(80, 24, scrollback=scrollback, write_back=self._reply)
        self.title_text = ""
        self.size_known = asyncio.Event()
        self.mouse = MouseHandler(self)
        self.back = 0
        """Lines scrolled back from the live screen (0 = following the output)."""
        self.lines = TerminalLines(self)
        self._seen_scrolls = 0
        self._flush_handle: asyncio.TimerHandle | None = None
        self._last_flush = 0.0
        self._sync_since: float | None = None
        self._busy_since = self._last_pace = self._last_bell = 0.0
        self._typed_at = -ECHO_WINDOW  # when a key was last sent: output soon after it is its echo, drawn at once

    # -- output from the remote side ------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Process output; the screen catches up at the next frame."""
        now = time.perf_counter()
        if now - self._last_pace > FEED_SLICE:  # the reader was waiting for data: not a flood
            self._busy_since = now
        self.terminal.feed(data)
        self._schedule()

    async def feed_in_slices(self, data: bytes) -> None:
        """Feed one read in slices of `FEED_CHUNK` bytes, yielding to the event loop after each.

        The emulator's work per byte is bounded, so a slice is a few ms at
        worst and keys (`Ctrl+]`, quit) are read while a flood is drawn.  The
        caller reads again only when this returns: that is the back-pressure
        (the SSH channel's window stops the sender while a read waits).
        """
        for start in range(0, len(data), FEED_CHUNK):
            self.feed(data[start : start + FEED_CHUNK] if len(data) > FEED_CHUNK else data)
            await self.pace()

    async def pace(self) -> None:
        """Await between reads: yields, and sleeps a little once feeding has held the loop for a slice."""
        if time.perf_counter() - self._busy_since > FEED_SLICE:
            await asyncio.sleep(FEED_PAUSE)
            self._busy_since = time.perf_counter()
        else:
            await asyncio.sleep(0)
        self._last_pace = time.perf_counter()

    def _reply(self, data: bytes) -> None:
        if self.send is not None:
            self.send(data)

    def _schedule(self) -> None:
        if self._flush_handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # fed outside the app (a benchmark): flush() is called by hand
        now = time.monotonic()
        delay = max(0.0, self._last_flush + FRAME - now)
        if not delay and now - self._typed_at < ECHO_WINDOW:
            self.flush()  # a key's echo: no turn of the loop between its arrival and its frame
            return
        self._flush_handle = loop.call_later(delay, self.flush)

    def flush(self) -> None:
        """Apply what was fed since the last frame: refresh dirty rows, handle the emulator's events."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        now = time.monotonic()
        terminal = self.terminal
        if terminal.modes.synchronized_output:
            self._sync_since = self._sync_since or now
            if now - self._sync_since < SYNC_HOLD and self.is_mounted:
                self._flush_handle = asyncio.get_running_loop().call_later(FRAME, self.flush)
                return
        self._sync_since = None
        self._last_flush = now
        try:
            self._apply_dirty()
            self._handle_events()
            if now - self._typed_at < ECHO_WINDOW and self.is_mounted:
                draw_now(self)
        except Exception:  # noqa: BLE001 - a drawing bug must not take the app down
            log.exception("terminal view: refreshing failed")
            self.lines.clear(history=False)
            self.refresh()

    def _apply_dirty(self) -> None:
        terminal = self.terminal
        dirty = terminal.take_dirty()
        scrolled = terminal.scroll_count - self._seen_scrolls
        self._seen_scrolls = terminal.scroll_count
        self.lines.forget_rows(dirty)
        if not self.is_mounted:
            return
        if self.back:
            before = self.back
            self.back = min(self.back + scrolled, terminal.history_size)
            if self.back != before or scrolled:
                self.refresh()
                return
        width = self.size.width
        if len(dirty) > terminal.rows // 2:
            self.refresh()
        else:
            for row in dirty:
                self.refresh(Region(0, row + self.back, width, 1))

    def _handle_events(self) -> None:
        for event in self.terminal.take_events():
            if isinstance(event, TitleChanged):
                self.title_text = clean_label(event.title)
                self.post_message(self.TitleChanged(self, self.title_text))
            elif isinstance(event, CwdChanged):
                self.post_message(self.CwdChanged(self, event.path, event.host))
            elif isinstance(event, ClipboardWrite):
                if self.allow_osc52:
                    self.mouse.copy(event.text, announce=False)
                else:
                    log.info("blocked a clipboard write (OSC 52) of %d characters", len(event.text))
            elif isinstance(event, Bell):
                now = time.monotonic()
                if now - self._last_bell > 0.5 and self.is_mounted:
                    self._last_bell = now
                    self.app.bell()

    def reset_for_reuse(self) -> None:
        """Back to the shell screen with default modes, keeping the text (before a reopen)."""
        self.terminal.feed(b"\x1b[?1049l\x1b[!p\x1b[0m\x1b[?25h\r\n")
        self.terminal.modes.mouse_tracking = 0
        self.back = 0
        self._schedule()

    # -- drawing ------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.lines.clear(styles=True)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        terminal = self.terminal
        history = terminal.history_size
        back = min(self.back, history)
        index = history - back + y
        try:
            if y >= terminal.rows or index >= terminal.line_count:
                return Strip.blank(width, self.rich_style)
            strip = self.lines.strip(index, history, width)
            strip = self.mouse.overlay(strip, index, width)
            cursor = terminal.cursor
            if cursor.visible and index == history + cursor.y:
                name = "terminal-view--cursor" if self.has_focus else "terminal-view--cursor-blurred"
                strip = restyle(strip, cursor.x, cursor.x + 1, self.get_component_rich_style(name))
            if back and y == 0:
                label = f" ↑ {back} lines back · Shift+PgDn "
                strip = corner_label(strip, label, self.get_component_rich_style("terminal-view--scrolled"))
            return strip
        except Exception:  # noqa: BLE001
            log.exception("terminal view: drawing line %d failed", index)
            return Strip.blank(width, self.rich_style)

    # -- size -----------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        cols, rows = max(2, self.size.width), max(1, self.size.height)
        if (cols, rows) != (self.terminal.cols, self.terminal.rows):
            self.terminal.resize(cols, rows)
            self.lines.clear()
            self.back = min(self.back, self.terminal.history_size)
            self.refresh()
            if self.on_terminal_resize is not None:
                self.on_terminal_resize(cols, rows)
        if self.size.width and self.size.height:
            self.size_known.set()

    # -- scrollback -------------------------------------------------------------------

    def scroll_back(self, lines: int) -> None:
        """Move the view `lines` further into the scrollback (negative: towards the live screen)."""
        back = max(0, min(self.back + lines, self.terminal.history_size))
        if back != self.back:
            self.back = back
            self.refresh()

    def action_page_back(self, pages: int) -> None:
        """Shift+PgUp/PgDn: a page through the scrollback (the keys go to a full-screen program)."""
        if self.terminal.modes.alternate_screen:
            self.write(encode_key("shift+pageup" if pages > 0 else "shift+pagedown"))
        else:
            self.scroll_back(pages * max(1, self.terminal.rows - 1))

    def follow(self) -> None:
        """Jump back to the live screen."""
        self.scroll_back(-self.back)

    # -- input ---------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Send input to the remote side (and return to the live screen)."""
        if not data or self.send is None:
            return
        self.follow()
        self.mouse.clear_selection()
        self._typed_at = time.monotonic()
        self.send(data)

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self.write(encode_key(event.key, event.character, app_cursor=self.terminal.modes.app_cursor))

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        self.write(encode_paste(event.text, self.terminal.modes.bracketed_paste))

    def on_focus(self) -> None:
        self._focus_changed(True)

    def on_blur(self) -> None:
        self._focus_changed(False)

    def _focus_changed(self, focused: bool) -> None:
        if self.send is not None and (data := encode_focus(self.terminal.modes, focused)):
            self.send(data)
        self.refresh()  # the cursor's look follows the focus

    def action_leave(self) -> None:
        """Give the keyboard back to sshdeck: the tab bar if there is one, else the next widget."""
        self.post_message(self.Left(self))
        for ancestor in self.ancestors:
            if isinstance(ancestor, TabbedContent):
                tabs = ancestor.query_one(Tabs)
                if tabs.display:
                    # At once, not as `focus()` does after the events already queued: a key read
                    # together with Ctrl+] (Left, to the Files tab) is sshdeck's, not the shell's.
                    self.screen.set_focus(tabs)
                    return
        self.screen.focus_next()
        if self.screen.focused is self:
            self.screen.set_focus(None)

    # -- mouse (selection, wheel, reporting) -----------------------------------------------

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.mouse.down(event)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.mouse.move(event)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        self.mouse.up(event)

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.prevent_default()
        event.stop()
        self.mouse.wheel(event, up=True)

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.prevent_default()
        event.stop()
        self.mouse.wheel(event, up=False)

    def on_unmount(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
