"""The strips a `TerminalView` draws: one per screen row and per scrollback line, kept until they change.

A screen row's strip is made from the emulator's runs (terminal_render.py)
the first time it is drawn and kept until the emulator reports the row dirty
or the width changes; a scrollback line's is kept by its position in the
whole stream (it never changes), a few screens' worth at most.  A frame then
costs only the rows that changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from textual.strip import Strip

from sshdeck.ui.widgets.terminal_render import StyleMapper, line_strip

if TYPE_CHECKING:
    from sshdeck.ui.widgets.terminal_view import TerminalView


class TerminalLines:
    """The view's cache of strips, by screen row and by scrollback line."""

    def __init__(self, view: "TerminalView") -> None:
        self.view = view
        self._rows: dict[int, Strip] = {}
        self._history: dict[int, Strip] = {}
        self._mapper: StyleMapper | None = None

    @property
    def mapper(self) -> StyleMapper:
        if self._mapper is None:
            self._mapper = StyleMapper(self.view.rich_style)
        return self._mapper

    def forget_rows(self, rows: Iterable[int]) -> None:
        """These screen rows changed."""
        for row in rows:
            self._rows.pop(row, None)

    def clear(self, *, history: bool = True, styles: bool = False) -> None:
        """Every screen row made again at the next draw (and the scrollback's lines; and the colours, when the styles changed)."""
        self._rows.clear()
        if history:
            self._history.clear()
        if styles:
            self._mapper = None

    def strip(self, index: int, history: int, width: int) -> Strip:
        """Line `index` of the emulator's lines (`history` of them scrollback, then the screen), `width` cells wide."""
        terminal = self.view.terminal
        if index >= history:
            row = index - history
            strip = self._rows.get(row)
            if strip is None or strip.cell_length != width:
                strip = self._rows[row] = line_strip(terminal.line_at(index), width, self.mapper)
            return strip
        key = terminal.scroll_count - history + index
        strip = self._history.get(key)
        if strip is None or strip.cell_length != width:
            if len(self._history) > 4 * max(terminal.rows, 25):
                self._history.clear()
            strip = self._history[key] = line_strip(terminal.line_at(index), width, self.mapper)
        return strip
