"""Sorting and formatting a folder listing; shared by the panes and `sshdeck ls`."""

from __future__ import annotations

import time
from typing import Iterable

from sshdeck.core.fs.base import Entry


def sort_entries(entries: Iterable[Entry], key: str = "name", reverse: bool = False) -> list[Entry]:
    """Folders first, then by `key` (name, size, mtime or ext), names case-insensitive."""

    def name_key(entry: Entry) -> tuple[str, bytes]:
        return (entry.display.casefold(), entry.name)

    keys = {
        "name": name_key,
        "size": lambda e: (e.size, name_key(e)),
        "mtime": lambda e: (e.mtime or 0.0, name_key(e)),
        "ext": lambda e: (e.display.rpartition(".")[2].casefold() if "." in e.display[1:] else "", name_key(e)),
    }
    sort_key = keys[key]
    items = list(entries)
    folders = sorted((e for e in items if e.is_dir), key=sort_key, reverse=reverse)
    files = sorted((e for e in items if not e.is_dir), key=sort_key, reverse=reverse)
    return folders + files


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


def format_mtime(mtime: float | None) -> str:
    if mtime is None:
        return ""
    try:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(mtime))
    except (OverflowError, OSError, ValueError):
        return "?"
