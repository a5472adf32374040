"""What the last two-way sync of a folder pair left equal on both sides.

One small JSON file per folder pair in the data folder (`<data>/sync/`,
0600, written through a temporary name, fsynced and renamed), keyed by a hash
of the two folders' descriptions.  It holds, for every path both sides held
alike after the last run, its kind and each side's size and mtime: that is
how a later run tells "deleted here" from "new there" and "changed on one
side" from "changed on both".  A missing or unreadable file is a first run:
nothing is deleted and every difference is a conflict.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from sshdeck.core.paths import data_dir, write_private_file
from sshdeck.core.transfer.endpoints import Rel, Stat

VERSION = 1

# (kind "f"/"d", size, mtime) of one side.
Recorded = tuple[str, int, float | None]


@dataclass
class SyncState:
    a: str
    b: str
    entries: dict[Rel, tuple[Recorded, Recorded]] = field(default_factory=dict)


def state_path(a: str, b: str, folder: Path | None = None) -> Path:
    key = hashlib.sha256(f"{a}\0{b}".encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return (folder or data_dir() / "sync") / f"{key}.json"


def recorded(stat: Stat) -> Recorded:
    return ("d" if stat.is_dir else "f", stat.size if stat.is_file else 0, stat.mtime)


def _rel_text(rel: Rel) -> str:
    return b"/".join(rel).decode("utf-8", "surrogateescape")


def _text_rel(text: str) -> Rel:
    return tuple(text.encode("utf-8", "surrogateescape").split(b"/"))


def load_state(a: str, b: str, folder: Path | None = None) -> tuple[SyncState | None, str | None]:
    """(the state, None), (None, None) on a first run, or (None, why) when the file is unreadable."""
    path = state_path(a, b, folder)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION or data.get("a") != a or data.get("b") != b:
            return None, f"{path}: written for other folders or another version (treated as a first sync)"
        state = SyncState(a, b)
        for text, kind, size_a, mtime_a, size_b, mtime_b in data["entries"]:
            state.entries[_text_rel(text)] = ((kind, int(size_a), mtime_a), (kind, int(size_b), mtime_b))
        return state, None
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        return None, f"{path}: unreadable ({type(exc).__name__}; treated as a first sync)"


def save_state(state: SyncState, folder: Path | None = None) -> Path:
    path = state_path(state.a, state.b, folder)
    rows = [
        [_rel_text(rel), ra[0], ra[1], ra[2], rb[1], rb[2]]
        for rel, (ra, rb) in sorted(state.entries.items())
    ]
    data = json.dumps({"version": VERSION, "a": state.a, "b": state.b, "entries": rows}, ensure_ascii=True)
    write_private_file(path, data.encode("ascii"))
    return path
