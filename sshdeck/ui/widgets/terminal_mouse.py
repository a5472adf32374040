"""The mouse in a terminal view: selection and copying, the wheel, and reporting to programs.

When the program asked for mouse events (`modes.mouse_tracking`, e.g. htop
or vim with `mouse=a`) presses, releases, motion and the wheel are encoded
for it, SGR form when it enabled ?1006.  Holding Shift overrides that, as in
xterm, so text can still be selected.  Otherwise a drag selects text, copied
on release (pyperclip, falling back to the outer terminal's clipboard via
OSC 52), and the wheel scrolls the scrollback, or sends arrow keys on the
alternate screen so that `less` and `man` scroll.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from textual import events
from textual.strip import Strip

from sshdeck.core.terminal import encode_key, encode_mouse
from sshdeck.ui.widgets.terminal_render import cells_text, restyle

if TYPE_CHECKING:
    from sshdeck.ui.widgets.terminal_view import TerminalView

log = logging.getLogger(__name__)

WHEEL_LINES = 3

Point = tuple[int, int]  # (line index in scrollback + screen, column)


class MouseHandler:
    """Mouse state for one TerminalView (kept apart so the widget stays about drawing and keys)."""

    def __init__(self, view: TerminalView) -> None:
        self.view = view
        self.anchor: Point | None = None
        self.end: Point | None = None
        self.selecting = False
        self._buttons_down = 0

    # -- reporting to the program -----------------------------------------------

    def _reports(self, event: events.MouseEvent) -> bool:
        return bool(self.view.terminal.modes.mouse_tracking) and not event.shift

    def _report(self, event: events.MouseEvent, action: str, button: int) -> None:
        offset = event.get_content_offset(self.view)
        if offset is None:
            return
        data = encode_mouse(
            self.view.terminal.modes, action, button, offset.x, offset.y, shift=event.shift, alt=event.meta, ctrl=event.ctrl
        )
        if data and self.view.send is not None:
            self.view.send(data)

    # -- events -------------------------------------------------------------------

    def down(self, event: events.MouseDown) -> None:
        if self._reports(event):
            self._buttons_down += 1
            self.view.capture_mouse()
            self._report(event, "press", event.button - 1)
            return
        if event.button != 1:
            return
        point = self._point(event)
        if point is None:
            return
        self.clear_selection()
        self.anchor = self.end = point
        self.selecting = True
        self.view.capture_mouse()

    def move(self, event: events.MouseMove) -> None:
        if self._reports(event):
            self._report(event, "motion", event.button - 1 if event.button else -1)
            return
        if self.selecting:
            point = self._point(event, clamp=True)
            if point is not None and point != self.end:
                self.end = point
                self.view.refresh()

    def up(self, event: events.MouseUp) -> None:
        if self._reports(event) or self._buttons_down:
            self._buttons_down = max(0, self._buttons_down - 1)
            if not self._buttons_down:
                self.view.release_mouse()
            self._report(event, "release", event.button - 1)
            return
        if not self.selecting:
            return
        self.selecting = False
        self.view.release_mouse()
        point = self._point(event, clamp=True)
        if point is not None:
            self.end = point
        if self.anchor == self.end:
            self.clear_selection()
            return
        text = self.selected_text()
        if text:
            self.copy(text)

    def wheel(self, event: events.MouseScrollUp | events.MouseScrollDown, up: bool) -> None:
        view = self.view
        modes = view.terminal.modes
        if self._reports(event):
            self._report(event, "scroll_up" if up else "scroll_down", -1)
        elif modes.alternate_screen:
            key = encode_key("up" if up else "down", app_cursor=modes.app_cursor)
            if view.send is not None:
                view.send(key * WHEEL_LINES)
        else:
            view.scroll_back(WHEEL_LINES if up else -WHEEL_LINES)

    # -- selection ------------------------------------------------------------------

    def _point(self, event: events.MouseEvent, clamp: bool = False) -> Point | None:
        view = self.view
        offset = event.get_content_offset(view)
        if offset is None:
            if not clamp:
                return None
            region = view.content_region
            x = min(max(event.screen_x - region.x, 0), region.width - 1)
            y = min(max(event.screen_y - region.y, 0), region.height - 1)
        else:
            x, y = offset
        terminal = view.terminal
        history = terminal.history_size
        index = history - min(view.back, history) + y
        return min(index, terminal.line_count - 1), x

    def span(self) -> tuple[Point, Point] | None:
        if self.anchor is None or self.end is None or self.anchor == self.end:
            return None
        return (self.anchor, self.end) if self.anchor <= self.end else (self.end, self.anchor)

    def clear_selection(self) -> None:
        if self.anchor is not None:
            self.anchor = self.end = None
            self.selecting = False
            self.view.refresh()

    def overlay(self, strip: Strip, index: int, width: int) -> Strip:
        """`strip` (line `index`) with the selected cells highlighted."""
        span = self.span()
        if span is None:
            return strip
        (first, start), (last, end) = span
        if not first <= index <= last:
            return strip
        left = start if index == first else 0
        right = end + 1 if index == last else width
        style = self.view.get_component_rich_style("terminal-view--selection")
        return restyle(strip, left, right, style)

    def selected_text(self) -> str:
        span = self.span()
        if span is None:
            return ""
        (first, start), (last, end) = span
        terminal = self.view.terminal
        parts: list[str] = []
        for index in range(first, min(last, terminal.line_count - 1) + 1):
            left = start if index == first else 0
            right = end + 1 if index == last else None
            text = cells_text(terminal.line_at(index), left, right)
            wrapped = self._wrapped(index) and right is None
            parts.append(text if wrapped else text.rstrip() + "\n")
        return "".join(parts).rstrip("\n")

    def _wrapped(self, index: int) -> bool:
        """Whether line `index` continues on the next one (soft wrap): copied without a newline."""
        terminal = self.view.terminal
        history = terminal.history_size
        item = terminal.history[index] if index < history else terminal.buffer[index - history]
        return bool(getattr(item, "wrapped", False))

    # -- clipboard ----------------------------------------------------------------------

    def copy(self, text: str, announce: bool = True) -> None:
        """Put `text` on the clipboard without blocking the app."""
        view = self.view
        if not view.is_mounted:
            return
        view.run_worker(self._copy(text, announce), group="clipboard", exclusive=True)

    async def _copy(self, text: str, announce: bool) -> None:
        view = self.view
        try:
            import pyperclip

            await asyncio.to_thread(pyperclip.copy, text)
        except Exception as exc:  # noqa: BLE001 - no clipboard tool here: use the outer terminal's
            log.debug("pyperclip could not copy (%s); using OSC 52", type(exc).__name__)
            view.app.copy_to_clipboard(text)
        if announce:
            view.notify(f"Copied {len(text)} characters", timeout=2)
