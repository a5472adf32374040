"""Turning the emulator's lines into Textual `Strip`s, and text out of them for copying.

The emulator hands out runs of `(text, Style)` with colours as palette numbers
or RGB tuples; this module maps them to Rich styles once per distinct style
(the cache is tiny: a screen uses a few dozen styles) and builds one `Strip`
per line.  Default colours, reverse video and hidden text are resolved here
against the widget's own colours, so every cell leaves with explicit colours
and looks the same in any outer terminal and in SVG snapshots.
"""

from __future__ import annotations

import unicodedata

from rich.cells import cell_len
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.strip import Strip

from sshdeck.core.terminal import Style as CellStyle
from sshdeck.core.terminal.styles import BLINK, BOLD, DIM, HIDDEN, ITALIC, REVERSE, STRIKE, UNDERLINE

Run = tuple[str, CellStyle]

MAX_LABEL = 40
"""Longest window title shown in a tab label."""


def rich_color(color: None | int | tuple[int, int, int]) -> RichColor | None:
    """A Rich colour for the emulator's: None (default), 0–255 palette or an RGB tuple."""
    if color is None:
        return None
    if isinstance(color, int):
        return RichColor.from_ansi(color)
    return RichColor.from_rgb(*color)


class StyleMapper:
    """Maps emulator styles to Rich styles against one pair of default colours."""

    def __init__(self, base: RichStyle) -> None:
        self.base = base
        self.fg = base.color
        self.bg = base.bgcolor
        self._cache: dict[CellStyle, RichStyle] = {}

    def __call__(self, style: CellStyle) -> RichStyle:
        mapped = self._cache.get(style)
        if mapped is None:
            if len(self._cache) > 4096:  # truecolor gradients: every cell a new style
                self._cache.clear()
            mapped = self._cache[style] = self._map(style)
        return mapped

    def _map(self, style: CellStyle) -> RichStyle:
        fg, bg, flags = style
        color = rich_color(fg) or self.fg
        bgcolor = rich_color(bg) or self.bg
        if flags & REVERSE:
            color, bgcolor = bgcolor, color
        if flags & HIDDEN:
            color = bgcolor
        return RichStyle(
            color=color,
            bgcolor=bgcolor,
            bold=bool(flags & BOLD) or None,
            dim=bool(flags & DIM) or None,
            italic=bool(flags & ITALIC) or None,
            underline=bool(flags & UNDERLINE) or None,
            blink=bool(flags & BLINK) or None,
            strike=bool(flags & STRIKE) or None,
        )


def line_strip(runs: list[Run], width: int, mapper: StyleMapper) -> Strip:
    """One terminal line as a Strip exactly `width` cells wide."""
    segments = [Segment(text, mapper(style)) for text, style in runs if text]
    strip = Strip(segments)
    if strip.cell_length != width:
        strip = strip.adjust_cell_length(width, mapper.base)
    return strip


def restyle(strip: Strip, start: int, end: int, style: RichStyle) -> Strip:
    """`strip` with cells start..end drawn over by `style` (cursor, selection)."""
    width = strip.cell_length
    start, end = max(0, start), min(width, end)
    if start >= end:
        return strip
    left, middle, right = strip.divide([start, end, width])
    return Strip.join([left, middle.apply_style(style), right])


def corner_label(strip: Strip, text: str, style: RichStyle) -> Strip:
    """`strip` with `text` drawn over its right end (the "scrolled back" marker)."""
    width = strip.cell_length
    start = max(0, width - cell_len(text))
    return Strip.join([strip.crop(0, start), Strip([Segment(text, style)]).crop(0, width - start)])


def cells_text(runs: list[Run], start: int, end: int | None = None) -> str:
    """The text in columns start..end of a line (a wide character counts where it starts)."""
    out = []
    column = 0
    for text, _style in runs:
        for char in text:
            width = cell_len(char) if not char.isascii() else 1
            if column >= start and (end is None or column < end):
                out.append(char)
            column += width
            if end is not None and column >= end:
                return "".join(out)
    return "".join(out)


def clean_label(text: str, limit: int = MAX_LABEL) -> str:
    """A title fit for a tab label: no control or format characters, one line, capped."""
    kept = "".join(" " if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in text)
    kept = " ".join(kept.split())
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"
