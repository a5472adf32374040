"""Sorting and formatting a folder listing; shared by the panes and `sshdeck ls`."""

from __future__ import annotations

import time
from itertools import compress, repeat
from operator import attrgetter, is_, not_
from typing import Callable, Iterable

from sshdeck.core.fs.base import Entry, EntryKind


def sort_entries(entries: Iterable[Entry], key: str = "name", reverse: bool = False) -> list[Entry]:
    """Folders first, then by `key` (name, size, mtime or ext), names case-insensitive.

    Ties on the case-folded name are broken by the raw name, so the order is
    the same every time.  Built from stable sorts with C-level keys: a
    100,000-entry folder sorts in a few tens of milliseconds, where a Python
    key function per entry took ten times that.
    """
    if key not in _SECONDARY:
        raise KeyError(key)
    items = list(entries)
    kinds = list(map(_by_kind, items))
    if _LINK in kinds:
        is_folder = [kind is _DIR or (kind is _LINK and entry.target_is_dir) for kind, entry in zip(kinds, items)]
    else:
        is_folder = list(map(is_, kinds, repeat(_DIR)))
    folders = list(compress(items, is_folder))
    files = list(compress(items, map(not_, is_folder)))
    return _sorted(folders, key, reverse) + _sorted(files, key, reverse)


def _sorted(items: list[Entry], key: str, reverse: bool) -> list[Entry]:
    folded = list(map(str.casefold, map(_by_display, items)))
    if len(set(folded)) != len(folded):
        # Some names differ only in case (rare): order by raw name first so
        # the stable sort below leaves those in a fixed order.
        items = sorted(items, key=_by_raw_name, reverse=reverse)
        folded = list(map(str.casefold, map(_by_display, items)))
    items = _sorted_by(items, folded, reverse)
    secondary = _SECONDARY[key]
    if secondary is not None:
        items = _sorted_by(items, secondary(items), reverse)
    return items


def _sorted_by(items: list[Entry], keys: list, reverse: bool) -> list[Entry]:
    """`items` stably reordered by the parallel list `keys`."""
    order = sorted(range(len(items)), key=keys.__getitem__, reverse=reverse)
    return list(map(items.__getitem__, order))


def _extension(display: str) -> str:
    stem, dot, ext = display.rpartition(".")
    return ext.casefold() if dot and stem else ""


_by_raw_name = attrgetter("name")
_by_display = attrgetter("display")
_by_kind = attrgetter("kind")
_DIR = EntryKind.DIR
_LINK = EntryKind.LINK
_SECONDARY: dict[str, Callable[[list[Entry]], list] | None] = {
    "name": None,
    "size": lambda items: list(map(attrgetter("size"), items)),
    "mtime": lambda items: [0.0 if mtime is None else mtime for mtime in map(attrgetter("mtime"), items)],
    "ext": lambda items: list(map(_extension, map(_by_display, items))),
}


def human_size(size: int) -> str:
    """A size in at most 6 characters: 999, 1.5K, 23M, 4.0G."""
    if size < 1000:
        return str(size)
    value = float(size)
    for unit in "KMGTPE":
        value /= 1024
        if value < 10:
            return f"{value:.1f}{unit}"
        if value < 1000:
            return f"{value:.0f}{unit}"
    return f"{value:.0f}Z"


def format_short_mtime(mtime: float | None, now: float | None = None) -> str:
    """12 cells, as `ls -l` does: `Nov 29 01:00` within the last half year, `2025-11-29` otherwise."""
    if mtime is None:
        return ""
    try:
        moment = time.localtime(mtime)
        current = time.time() if now is None else now
        if abs(current - mtime) < 182 * 86400:
            return time.strftime("%b %d %H:%M", moment)
        return time.strftime("%Y-%m-%d", moment)
    except (OverflowError, OSError, ValueError):
        return "?"


def format_mtime(mtime: float | None) -> str:
    if mtime is None:
        return ""
    try:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(mtime))
    except (OverflowError, OSError, ValueError):
        return "?"
