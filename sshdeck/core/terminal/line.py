"""One row of the terminal: its text, a style per column, and its soft-wrap flag.

A line keeps one code point per column in a `str` and a parallel `list` of
styles, both only as long as what was written (columns past the end are
blank with the default style).  Writing a run of text is then one string
concatenation or slice and one list slice assignment, done in C, instead of
a Python loop over cells.  Two sentinels keep "one code point per column"
true: the right half of a double-width character is stored as NUL (which the
stream can never print), and a cell holding combining marks keeps its base
character in `text` and the whole cluster in `marks`, a list parallel to
`text` ("" for a cell without marks; None while the line has no marks at all;
never longer than `text`, columns past its end have none).  Inserting or
deleting characters on a line of marks is then one more slice of a list, in
C, instead of renumbering a dictionary in Python.

Lines that scrolled through the screen in bulk without ever being edited
there never become a `Line` at all (see `fastpath`): the scrollback may hold
a plain `str` (default-styled text) or a `Lazy` tuple `(raw text with its
SGR sequences, style at its start)`, parsed only when shown; `as_line`
turns either into a `Line` if needed.
"""

from __future__ import annotations

import re
from itertools import groupby

from .styles import DEFAULT, Style, StyleTable
from .widths import FIRST_WIDE, char_width

_SPACES: dict[int, str] = {}

WIDE_TAIL = "\0"
"""Stored in the column after a double-width character."""


class Line:
    """A mutable row of cells, compact until something edits it."""

    __slots__ = ("text", "styles", "wrapped", "marks", "runs")

    def __init__(self, text: str = "", styles: list[Style] | None = None, wrapped: bool = False) -> None:
        self.text = text
        self.styles: list[Style] = styles if styles is not None else [DEFAULT] * len(text)
        self.wrapped = wrapped
        self.marks: list[str] | None = None
        self.runs: Lazy | None = None
        """While not None: the line as it arrived, and `text`/`styles` are not built yet."""

    def __getattr__(self, name: str) -> object:
        # Only reached while the `text` and `styles` slots are unset: a line made
        # by `lazy` parses its SGR sequences the first time something needs them.
        if name not in ("text", "styles") or self.runs is None:
            raise AttributeError(name)
        texts, styles = lazy_runs(self.runs)
        cells: list[Style] = []
        for text, style in zip(texts, styles):
            cells += [style] * len(text)
        self.text = "".join(texts)
        self.styles = cells
        self.runs = None
        return self.text if name == "text" else cells

    @classmethod
    def blank(cls, cols: int, style: Style) -> Line:
        """An empty line; filled with spaces only when the erase colour is not the default."""
        if style is DEFAULT or style == DEFAULT:
            return cls("", [])
        # Kept as one run until something edits it: a screenful of coloured blanks costs a line each, not a cell each.
        spaces = _SPACES.get(cols)
        if spaces is None:
            if len(_SPACES) > 8:
                _SPACES.clear()
            spaces = _SPACES[cols] = " " * cols
        return cls.lazy(spaces, style)

    @classmethod
    def lazy(cls, raw: str, style: Style) -> Line:
        """A line holding `raw` (text and SGR sequences, starting in `style`), parsed on first use."""
        line = cls.__new__(cls)
        line.wrapped = False
        line.marks = None
        line.runs = (raw, style)
        return line

    def pack(self) -> Line:
        """Drop the per-cell style list of a line of one style (as it leaves the screen for the scrollback).

        The line becomes lazy again, `(text, style)`, and is rebuilt only if
        something edits it: the scrollback then holds no list per line for the
        garbage collector to walk over and over.
        """
        if self.runs is None:  # combining marks stay in `marks`, which the lazy text keeps lining up with
            styles = self.styles
            if styles and styles.count(styles[0]) == len(styles):
                self.runs = (self.text, styles[0])
                del self.text, self.styles
        return self

    def __len__(self) -> int:
        return len(self.text)

    def __repr__(self) -> str:
        return f"Line({self.plain()!r})"

    def plain(self) -> str:
        """The line's characters as a reader sees them (clusters joined, wide tails dropped)."""
        text = self.text
        if self.marks:
            text = "".join(_clusters(text, self.marks))
        return text.replace(WIDE_TAIL, "")

    # -- editing ------------------------------------------------------------------

    def write(self, x: int, chunk: str, style: Style) -> None:
        """Put `chunk` (already laid out one code point per column) at column `x`."""
        text = self.text
        length = len(text)
        count = len(chunk)
        if x == length:
            self.text = text + chunk
            self.styles += [style] * count
        elif x > length:
            pad = x - length
            self.text = text + " " * pad + chunk
            self.styles += [DEFAULT] * pad + [style] * count
        else:
            end = x + count
            self.text = text[:x] + chunk + text[end:]
            self.styles[x:end] = [style] * count
            if self.marks:
                self._clear_marks(x, end)
            # Only a double-width character straddling either edge of the chunk can lose a half.
            if WIDE_TAIL in text and (text[x] == WIDE_TAIL or (end < length and text[end] == WIDE_TAIL)):
                self._repair(x, end)

    def erase(self, start: int, end: int, style: Style, cols: int) -> None:
        """Blank columns [start, end) with `style` (the erase colour)."""
        text = self.text
        length = len(text)
        end = min(end, cols)
        if start >= end:
            return
        if end >= length and style == DEFAULT:
            if start < length:
                self.text = text[:start]
                del self.styles[start:]
                if self.marks:
                    del self.marks[start:]
                self._repair(start - 1, start)
            return
        if self.marks:
            self._clear_marks(start, end)
        if end > length:
            self.write(start, " " * (end - start), style)
            return
        self.text = text[:start] + " " * (end - start) + text[end:]
        self.styles[start:end] = [style] * (end - start)
        if WIDE_TAIL in text:
            self._repair(start, end)

    def insert_blanks(self, x: int, count: int, style: Style, cols: int) -> None:
        """Shift columns from `x` right by `count` (ICH); what passes `cols` is lost."""
        if x >= len(self.text):
            if style != DEFAULT:
                self.erase(x, x + count, style, cols)
            return
        text = self.text
        self.text = (text[:x] + " " * count + text[x:])[:cols]
        self.styles[x:x] = [style] * count
        del self.styles[cols:]
        marks = self.marks
        if marks and x < len(marks):
            marks[x:x] = [""] * count
            del marks[cols:]
        if WIDE_TAIL in text:
            # A double-width character loses a half only where the line is split or cut.
            if text[x] == WIDE_TAIL:
                self._repair(x, x + count)
            if len(text) + count > cols:
                self._repair(cols - 1, cols)

    def delete_chars(self, x: int, count: int, style: Style, cols: int) -> None:
        """Remove `count` columns at `x` (DCH), pulling the rest left and blanking the right end."""
        length = len(self.text)
        if x >= length:
            if style != DEFAULT:
                self.erase(x, cols, style, cols)
            return
        if self.marks:
            del self.marks[x : x + count]
        had_wide = WIDE_TAIL in self.text
        self.text = self.text[:x] + self.text[x + count :]
        del self.styles[x : x + count]
        if style != DEFAULT:
            fill = cols - len(self.text)
            self.text += " " * fill
            self.styles += [style] * fill
        if had_wide:
            self._repair(x, x)

    def truncate(self, cols: int) -> None:
        """Drop everything past `cols` (used by resize)."""
        if len(self.text) > cols:
            self.text = self.text[:cols]
            del self.styles[cols:]
            if self.marks:
                del self.marks[cols:]
            self._repair(cols - 1, cols)

    def add_mark(self, col: int, combining: str) -> None:
        """Attach a zero-width character to the cell at `col`."""
        if col >= len(self.text) or self.text[col] == WIDE_TAIL:
            return
        marks = self.marks
        if marks is None:
            marks = self.marks = []
        if len(marks) <= col:
            marks += [""] * (col + 1 - len(marks))
        cluster = marks[col] or self.text[col]
        if len(cluster) < 16:  # a pile of combining marks is an attack on the renderer
            marks[col] = cluster + combining

    # -- keeping the invariants -------------------------------------------------------

    def _clear_marks(self, start: int, end: int) -> None:
        """Forget the marks of columns [start, end) (their base characters were replaced)."""
        marks = self.marks
        end = min(end, len(marks))
        if start < end:
            marks[start:end] = [""] * (end - start)

    def _repair(self, start: int, end: int) -> None:
        """Blank any half of a double-width character that an edit near [start, end) orphaned."""
        text = self.text
        length = len(text)
        fixes = []
        for col in (start - 1, start, end - 1, end):
            if 0 <= col < length:
                ch = text[col]
                if ch == WIDE_TAIL:
                    if col == 0 or text[col - 1] < FIRST_WIDE or char_width(text[col - 1]) != 2:
                        fixes.append(col)
                elif ch >= FIRST_WIDE and char_width(ch) == 2 and (col + 1 >= length or text[col + 1] != WIDE_TAIL):
                    fixes.append(col)
        if fixes:
            chars = list(text)
            for col in fixes:
                chars[col] = " "
            self.text = "".join(chars)


Lazy = tuple[str, Style]
"""A scrollback line kept as it arrived: (text with SGR sequences, style at its start)."""

_SGR_SPLIT = re.compile(r"\x1b\[([0-9;:]*)m")
_TABLE = StyleTable()  # shared by all terminals: styles are values, the table only a cache


def lazy_runs(entry: Lazy) -> tuple[list[str], list[Style]]:
    """The runs (texts, styles) of a lazily kept line."""
    raw, style = entry
    if "\x1b" not in raw:
        return [raw], [style]
    _TABLE.trim()
    objects = _TABLE.objects
    transitions = _TABLE.transitions
    sid = _TABLE.id_of(style)
    it = iter(_SGR_SPLIT.split(raw))
    first = next(it)
    texts, styles = ([first], [style]) if first else ([], [])
    for params, text in zip(it, it):
        new = transitions[sid].get(params)
        if new is None:
            new = _TABLE.follow(sid, params)
        sid = new
        if text:
            texts.append(text)
            styles.append(objects[new])
    return texts, styles


def end_style(raw: str, style: Style) -> Style:
    """The style in force after the SGR sequences in `raw`, starting from `style`."""
    _TABLE.trim()
    apply = _TABLE.apply
    for params in _SGR_SPLIT.findall(raw):
        style = apply(style, params)
    return style


def as_line(entry: Line | str | Lazy) -> Line:
    """The editable form of a scrollback entry."""
    if isinstance(entry, Line):
        return entry
    if isinstance(entry, str):
        return Line(entry)
    return Line.lazy(entry[0], entry[1])


def runs_of(line: Line | str | Lazy, cols: int) -> list[tuple[str, Style]]:
    """A line's runs of (text, style), cut at `cols`, sentinels removed."""
    if isinstance(line, str):
        return [(line[:cols], DEFAULT)] if line else []
    if isinstance(line, tuple):
        pairs = list(zip(*lazy_runs(line)))
        return _crop(pairs, cols) if len(line[0]) > cols else pairs
    if line.runs is not None and not line.marks:
        texts, styles = lazy_runs(line.runs)
        pairs = list(zip(texts, styles))
        if sum(map(len, texts)) > cols:
            pairs = _crop(pairs, cols)
        if WIDE_TAIL in line.runs[0]:  # a packed line of double-width characters
            pairs = [(text.replace(WIDE_TAIL, ""), style) for text, style in pairs]
        return pairs
    text = line.text[:cols]
    chars = _clusters(text, line.marks) if line.marks else None
    runs = []
    start = 0
    for style, group in groupby(line.styles[:cols]):
        stop = start + len(list(group))
        piece = "".join(chars[start:stop]) if chars else text[start:stop]
        if WIDE_TAIL in piece:
            piece = piece.replace(WIDE_TAIL, "")
        runs.append((piece, style))
        start = stop
    return runs


def _clusters(text: str, marks: list[str]) -> list[str]:
    """One string per column of `text`: its character, or its cluster where it has marks."""
    chars = [cluster or ch for ch, cluster in zip(text, marks)]
    if len(marks) < len(text):
        chars += text[len(marks) :]
    return chars


def _crop(pairs: list[tuple[str, Style]], cols: int) -> list[tuple[str, Style]]:
    """Runs of text (one code point per column) cut to `cols` columns."""
    out = []
    room = cols
    for text, style in pairs:
        if room <= 0:
            break
        out.append((text[:room], style))
        room -= len(text)
    return out
