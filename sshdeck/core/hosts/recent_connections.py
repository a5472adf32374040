"""The recent-connections list the sidebar shows: newest first, a few entries.

It is state, not settings, so it lives in the data folder (recent.toml), apart
from hosts.toml: connecting must never rewrite the user's profiles, and a
damaged hosts.toml must not stop the list from updating.  Anything odd in the
file is dropped silently; the list is a convenience.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import tomli_w

from sshdeck.core import paths
from sshdeck.core.hosts.targets import has_control_chars

RECENT_FILE = "recent.toml"
MAX_RECENT = 20
_MAX_TARGET = 2048


def recent_path() -> Path:
    return paths.data_dir() / RECENT_FILE


@dataclass(frozen=True)
class RecentConnection:
    """One entry: what was connected to, when, and the profile's id (None for a quick connect)."""

    target: str
    at: datetime
    profile_id: str | None = None


class RecentConnections:
    """recent.toml, read once and rewritten (atomically, 0600) on every connection."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else recent_path()
        self.entries: list[RecentConnection] = []

    def load(self) -> None:
        self.entries = []
        try:
            if self.path.stat().st_size > 256 * 1024 or self.path.stat().st_mode & 0o022:
                return
            document = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
            return
        rows = document.get("recent")
        for row in rows if isinstance(rows, list) else []:
            if not isinstance(row, dict):
                continue
            target, at, profile_id = row.get("target"), row.get("at"), row.get("profile_id")
            if not isinstance(target, str) or not isinstance(at, datetime) or not _usable(target):
                continue
            if profile_id is not None and not (isinstance(profile_id, str) and len(profile_id) <= 64):
                continue
            self.entries.append(RecentConnection(target, at, profile_id))
        del self.entries[MAX_RECENT:]

    def remember(self, target: str, profile_id: str | None) -> str | None:
        """Move (or add) an entry to the top and save; a message when saving failed, never an exception."""
        if not _usable(target):
            return "address not remembered"
        entry = RecentConnection(target, datetime.now(timezone.utc).replace(microsecond=0), profile_id)

        def same(r: RecentConnection) -> bool:
            if profile_id is not None:
                return r.profile_id == profile_id
            return r.profile_id is None and r.target == target

        self.entries = ([entry] + [r for r in self.entries if not same(r)])[:MAX_RECENT]
        rows = [
            {"target": r.target, "at": r.at, **({"profile_id": r.profile_id} if r.profile_id else {})}
            for r in self.entries
        ]
        try:
            data = tomli_w.dumps({"schema_version": 1, "recent": rows})
            paths.write_private_file(self.path, data.encode("utf-8"))
        except OSError as exc:
            return f"could not save the recent list: {exc.strerror or exc}"
        return None


def _usable(target: str) -> bool:
    return 0 < len(target) <= _MAX_TARGET and not has_control_chars(target)
