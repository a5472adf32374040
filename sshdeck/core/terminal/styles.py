"""Cell styles and the SGR (Select Graphic Rendition) sequences that change them.

A `Style` is a small immutable tuple shared by every cell drawn with it, so a
line holds one pointer per cell and two cells compare equal cheaply.  SGR
parameter strings are applied through `StyleTable`'s transition cache:
coloured output repeats the same few transitions (`ESC[01;34m`, `ESC[0m`)
millions of times, and a dictionary hit is far cheaper than parsing.
"""

from __future__ import annotations

from typing import NamedTuple, Union

Color = Union[None, int, tuple[int, int, int]]
"""A colour: None for the default, 0–255 for the palette, (r, g, b) for truecolor."""

BOLD = 1
DIM = 2
ITALIC = 4
UNDERLINE = 8
BLINK = 16
REVERSE = 32
HIDDEN = 64
STRIKE = 128

FLAG_NAMES = {
    BOLD: "bold",
    DIM: "dim",
    ITALIC: "italic",
    UNDERLINE: "underline",
    BLINK: "blink",
    REVERSE: "reverse",
    HIDDEN: "hidden",
    STRIKE: "strike",
}


class Style(NamedTuple):
    """How a cell is drawn: foreground, background and attribute flags (bit set)."""

    fg: Color = None
    bg: Color = None
    flags: int = 0

    @property
    def bold(self) -> bool:
        return bool(self.flags & BOLD)

    @property
    def dim(self) -> bool:
        return bool(self.flags & DIM)

    @property
    def italic(self) -> bool:
        return bool(self.flags & ITALIC)

    @property
    def underline(self) -> bool:
        return bool(self.flags & UNDERLINE)

    @property
    def blink(self) -> bool:
        return bool(self.flags & BLINK)

    @property
    def reverse(self) -> bool:
        return bool(self.flags & REVERSE)

    @property
    def hidden(self) -> bool:
        return bool(self.flags & HIDDEN)

    @property
    def strike(self) -> bool:
        return bool(self.flags & STRIKE)


DEFAULT = Style()

# SGR code -> flag it sets, and code -> flags it clears.
_SET = {1: BOLD, 2: DIM, 3: ITALIC, 4: UNDERLINE, 5: BLINK, 6: BLINK, 7: REVERSE, 8: HIDDEN, 9: STRIKE, 21: UNDERLINE}
_CLEAR = {22: BOLD | DIM, 23: ITALIC, 24: UNDERLINE, 25: BLINK, 27: REVERSE, 28: HIDDEN, 29: STRIKE}

_MAX_PARAMS = 32  # xterm stops at 30; a longer list is an attack, not a style


def _byte(value: str) -> int | None:
    """A 0–255 colour component, or None when missing or out of range."""
    if not value.isdigit() or len(value) > 3:
        return None
    number = int(value)
    return number if number <= 255 else None


def _extended_color(items: list[list[str]], index: int) -> tuple[Color | bool, int]:
    """Parse the colour after a 38/48/58 at `items[index]`.

    Returns (colour, next index); colour is False when the form is invalid.
    Handles `38;5;n`, `38;2;r;g;b` (semicolons) and `38:5:n`, `38:2::r:g:b`,
    `38:2:r:g:b` (colons, ITU T.416 with or without the colour-space id).
    """
    head = items[index]
    if len(head) > 1:  # colon form: everything is inside this one item
        sub = head[1:]
        if sub[0] == "5" and len(sub) >= 2:
            value = _byte(sub[1])
            return (value if value is not None else False), index + 1
        if sub[0] == "2":
            rgb = sub[2:5] if len(sub) >= 5 else sub[1:4]
            if len(rgb) == 3:
                parts = [_byte(c) for c in rgb]
                if None not in parts:
                    return (parts[0], parts[1], parts[2]), index + 1
        return False, index + 1
    if index + 1 >= len(items):
        return False, index + 1
    kind = items[index + 1][0]
    if kind == "5":
        if index + 2 < len(items):
            value = _byte(items[index + 2][0])
            return (value if value is not None else False), index + 3
        return False, index + 2
    if kind == "2":
        if index + 4 < len(items):
            parts = [_byte(items[index + k][0]) for k in (2, 3, 4)]
            if None not in parts:
                return (parts[0], parts[1], parts[2]), index + 5
            return False, index + 5
        return False, len(items)
    return False, index + 2


def parse_sgr(style: Style, params: str) -> Style:
    """The style after applying SGR parameter string `params` (the part between `ESC[` and `m`)."""
    if not params:
        return DEFAULT
    items = [item.split(":") for item in params.split(";", _MAX_PARAMS)[:_MAX_PARAMS]]
    fg, bg, flags = style
    index = 0
    count = len(items)
    while index < count:
        item = items[index]
        head = item[0]
        code = int(head) if head.isdigit() and len(head) < 6 else (0 if head == "" else -1)
        if code == 0:
            fg, bg, flags = None, None, 0
        elif 30 <= code <= 37:
            fg = code - 30
        elif 40 <= code <= 47:
            bg = code - 40
        elif 90 <= code <= 97:
            fg = code - 90 + 8
        elif 100 <= code <= 107:
            bg = code - 100 + 8
        elif code == 39:
            fg = None
        elif code == 49:
            bg = None
        elif code in (38, 48, 58):
            color, index = _extended_color(items, index)
            if color is not False:
                if code == 38:
                    fg = color
                elif code == 48:
                    bg = color
                # 58 (underline colour) is parsed only so that its arguments are skipped.
            continue
        elif code == 4 and len(item) > 1:
            # `4:0` turns underline off; `4:1`..`4:5` are underline kinds.
            flags = flags & ~UNDERLINE if item[1] == "0" else flags | UNDERLINE
        elif code in _SET:
            flags |= _SET[code]
        elif code in _CLEAR:
            flags &= ~_CLEAR[code]
        index += 1
    return Style(fg, bg, flags)


class StyleTable:
    """Numbers the styles in use and remembers what each SGR string turns each into.

    The hot loops follow SGR sequences as `transitions[id].get(params)`: a
    list index and a lookup by a string whose hash is cached, several times
    cheaper than hashing a (style, params) tuple.  Lines hold `Style`
    objects, not ids, so the table can be emptied whenever it grows past
    `limit` (truecolor gradients make every style new) without touching them.
    """

    __slots__ = ("objects", "ids", "transitions", "limit")

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self.objects: list[Style] = []
        self.ids: dict[Style, int] = {}
        self.transitions: list[dict[str, int]] = []
        self.clear()

    def clear(self) -> None:
        self.objects = [DEFAULT]
        self.ids = {DEFAULT: 0}
        self.transitions = [{}]

    def id_of(self, style: Style) -> int:
        """The id of `style`, adding it if new (call `trim()` first, between runs)."""
        sid = self.ids.get(style)
        if sid is None:
            sid = len(self.objects)
            self.objects.append(style)
            self.ids[style] = sid
            self.transitions.append({})
        return sid

    def follow(self, sid: int, params: str) -> int:
        """The id of the style SGR `params` makes from style `sid` (the slow path of the lookup)."""
        new = self.id_of(parse_sgr(self.objects[sid], params))
        self.transitions[sid][params] = new
        return new

    def apply(self, style: Style, params: str) -> Style:
        """The style SGR `params` makes from `style`."""
        sid = self.id_of(style)
        new = self.transitions[sid].get(params)
        if new is None:
            new = self.follow(sid, params)
        return self.objects[new]

    def trim(self) -> None:
        """Forget everything once past `limit`; only call when no id is held."""
        if len(self.objects) > self.limit:
            self.clear()
