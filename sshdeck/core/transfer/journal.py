"""The transfer journal: what was asked for and how far each file got, in SQLite.

After sshdeck is killed, the next start lists the jobs that did not finish
(`unfinished`) and can resume them: a file resumes from its temporary file
only when the source's size and mtime still match what was recorded when
that temporary file was started.  WAL mode without a sync per commit keeps
the journal cheap; losing its last moments only means redoing some work.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sshdeck.core import paths
from sshdeck.core.transfer.endpoints import Rel

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    created REAL NOT NULL,
    pid INTEGER NOT NULL,
    state TEXT NOT NULL,          -- running, interrupted, done, failed, discarded
    source TEXT NOT NULL,
    dest TEXT NOT NULL,
    requests TEXT NOT NULL,       -- JSON: [[src hex parts], [dst hex parts]]
    options TEXT NOT NULL,
    places TEXT NOT NULL DEFAULT '{}'  -- JSON: {"source": Place, "dest": Place}, how to find each side again
);
CREATE TABLE IF NOT EXISTS items (
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    dst BLOB NOT NULL,            -- relative path, components joined by '/'
    part BLOB,                    -- its temporary file while unfinished
    size INTEGER,
    mtime REAL,
    state TEXT NOT NULL,          -- active, done, failed
    error TEXT,
    ranges TEXT,                  -- JSON [[start, end], ...] done, for a file copied in ranges; NULL: the partial is a prefix
    PRIMARY KEY (job_id, dst)
);
"""

_FLUSH_EVERY = 0.5


def _pack(rel: Rel) -> bytes:
    return b"/".join(rel)


def _unpack(blob: bytes) -> Rel:
    return tuple(blob.split(b"/")) if blob else ()


def _encode_ranges(ranges: list[tuple[int, int]]) -> str:
    return json.dumps([[a, b] for a, b in ranges])


def _encode_requests(requests: list[tuple[Rel, Rel]]) -> str:
    return json.dumps([[[p.hex() for p in src], [p.hex() for p in dst]] for src, dst in requests])


def _decode_requests(text: str) -> list[tuple[Rel, Rel]]:
    return [(tuple(bytes.fromhex(p) for p in src), tuple(bytes.fromhex(p) for p in dst)) for src, dst in json.loads(text)]


@dataclass(frozen=True)
class Place:
    """One side of a job as the user knows it, and what is needed to reach it again after a restart.

    `label` is the host as the user knows it (a saved host's name, `user@host:port`),
    or for this computer the folder as shown (`~/Downloads`); `folder` is the path on
    that side; `profile` is a saved host's id, `target` the quick-connect text typed
    (an alias or user@host:port).  A remote side with neither (the demo) can only be
    resumed while it is open.
    """

    label: str
    folder: str
    profile: str | None = None
    target: str | None = None
    remote: bool = False

    @property
    def can_connect(self) -> bool:
        return bool(self.profile or self.target)

    def to_json(self) -> dict:
        return {"label": self.label, "folder": self.folder, "profile": self.profile, "target": self.target,
                "remote": self.remote}

    @classmethod
    def from_json(cls, data: object) -> "Place | None":
        if not isinstance(data, dict) or not isinstance(data.get("label"), str) or not isinstance(data.get("folder"), str):
            return None
        profile, target = data.get("profile"), data.get("target")
        return cls(data["label"], data["folder"], profile if isinstance(profile, str) else None,
                   target if isinstance(target, str) else None, bool(data.get("remote")))


@dataclass(frozen=True)
class JobRecord:
    """An unfinished job as the next start sees it."""

    id: int
    created: float
    state: str
    source: str
    dest: str
    requests: list[tuple[Rel, Rel]]
    options: dict
    items_done: int
    items_unfinished: int
    bytes_done: int = 0  # bytes of the files already committed (partials not counted)
    source_place: Place | None = None  # None for jobs journaled before places were recorded
    dest_place: Place | None = None


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Journal:
    """One SQLite file in the data folder; safe to open from several sshdeck processes."""

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            path = paths.ensure_private_dir(paths.data_dir()) / "transfers.sqlite3"
        self.path = path
        self.db = sqlite3.connect(path, timeout=10, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        # Checkpoint every 100 pages (400 KiB), not 1000: a log left by `close(checkpoint=False)` is read
        # whole by the next process to open the journal first.
        self.db.execute("PRAGMA wal_autocheckpoint=100")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(_SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(jobs)")}
        if "places" not in columns:  # a journal from an older sshdeck
            self.db.execute("ALTER TABLE jobs ADD COLUMN places TEXT NOT NULL DEFAULT '{}'")
        if "ranges" not in {row[1] for row in self.db.execute("PRAGMA table_info(items)")}:
            self.db.execute("ALTER TABLE items ADD COLUMN ranges TEXT")  # before ranged copies: every partial is a prefix
        os.chmod(path, 0o600)
        self._in_tx = False
        self._last_flush = time.monotonic()
        self._mark_dead_jobs()

    def _mark_dead_jobs(self) -> None:
        rows = self.db.execute("SELECT id, pid FROM jobs WHERE state = 'running'").fetchall()
        for job_id, pid in rows:
            if not _pid_alive(pid):
                self.db.execute("UPDATE jobs SET state = 'interrupted' WHERE id = ?", (job_id,))

    def _write(self, sql: str, args: tuple, urgent: bool = False) -> None:
        # Writes are grouped into one transaction per half second: thousands of small files stay cheap.
        if not self._in_tx:
            self.db.execute("BEGIN")
            self._in_tx = True
        self.db.execute(sql, args)
        now = time.monotonic()
        if urgent or now - self._last_flush >= _FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if self._in_tx:
            self.db.execute("COMMIT")
            self._in_tx = False
        self._last_flush = time.monotonic()

    def close(self, *, checkpoint: bool = True) -> None:
        """Commit what is pending and close.

        `checkpoint=False`, for a process that exits right after (`sshdeck cp`): the
        commits stay in the write-ahead log, where the next opener of the journal
        reads them, and the connection is left to the process's exit.  SQLite's
        close would copy the log into the database (two fdatasyncs) and delete it,
        and the next run would create it again (two more): four syncs of a 1-byte
        copy's fixed cost.  A killed process leaves the journal in the same state.
        """
        self.flush()
        if checkpoint:
            self.db.close()

    # -- jobs ------------------------------------------------------------------------

    def start_job(self, source: str, dest: str, requests: list[tuple[Rel, Rel]], options: dict,
                  places: tuple[Place | None, Place | None] = (None, None)) -> int:
        self.flush()
        recorded = {name: place.to_json() for name, place in zip(("source", "dest"), places) if place is not None}
        cursor = self.db.execute(
            "INSERT INTO jobs (created, pid, state, source, dest, requests, options, places)"
            " VALUES (?, ?, 'running', ?, ?, ?, ?, ?)",
            (time.time(), os.getpid(), source, dest, _encode_requests(requests), json.dumps(options), json.dumps(recorded)),
        )
        return int(cursor.lastrowid)

    def reopen_job(self, job_id: int) -> None:
        self._write("UPDATE jobs SET state = 'running', pid = ? WHERE id = ?", (os.getpid(), job_id), urgent=True)

    def finish_job(self, job_id: int, state: str) -> None:
        self._write("UPDATE jobs SET state = ? WHERE id = ?", (state, job_id), urgent=True)

    def forget_job(self, job_id: int) -> None:
        self._write("DELETE FROM jobs WHERE id = ?", (job_id,), urgent=True)

    def job(self, job_id: int) -> JobRecord | None:
        return next((j for j in self._jobs("WHERE j.id = ?", (job_id,))), None)

    def unfinished(self) -> list[JobRecord]:
        """Jobs a killed or failed run left behind, oldest first."""
        self.flush()
        self._mark_dead_jobs()
        return self._jobs("WHERE j.state IN ('interrupted', 'failed')", ())

    def _jobs(self, where: str, args: tuple) -> list[JobRecord]:
        rows = self.db.execute(
            "SELECT j.id, j.created, j.state, j.source, j.dest, j.requests, j.options,"
            " (SELECT COUNT(*) FROM items i WHERE i.job_id = j.id AND i.state = 'done'),"
            " (SELECT COUNT(*) FROM items i WHERE i.job_id = j.id AND i.state != 'done'),"
            " (SELECT COALESCE(SUM(i.size), 0) FROM items i WHERE i.job_id = j.id AND i.state = 'done'),"
            " j.places"
            f" FROM jobs j {where} ORDER BY j.id",
            args,
        ).fetchall()
        out = []
        for r in rows:
            try:
                places = json.loads(r[10] or "{}")
            except ValueError:
                places = {}
            places = places if isinstance(places, dict) else {}
            out.append(JobRecord(r[0], r[1], r[2], r[3], r[4], _decode_requests(r[5]), json.loads(r[6]), r[7], r[8],
                                 r[9], Place.from_json(places.get("source")), Place.from_json(places.get("dest"))))
        return out

    def find_unfinished(self, source: str, dest: str, requests: list[tuple[Rel, Rel]]) -> JobRecord | None:
        """The newest unfinished job that copied exactly these requests between these two places."""
        wanted = [(tuple(s), tuple(d)) for s, d in requests]
        matches = [job for job in self.unfinished()
                   if job.source == source and job.dest == dest and job.requests == wanted]
        return matches[-1] if matches else None

    # -- items -----------------------------------------------------------------------

    def item_started(self, job_id: int, dst: Rel, part: Rel, size: int, mtime: float | None,
                     ranges: list[tuple[int, int]] | None = None) -> None:
        """`ranges`: the byte ranges already in a partial written in ranges (None: the partial is a plain prefix)."""
        # Flushed at once for big files: that record is what makes their partial resumable.
        self._write(
            "INSERT OR REPLACE INTO items (job_id, dst, part, size, mtime, state, ranges)"
            " VALUES (?, ?, ?, ?, ?, 'active', ?)",
            (job_id, _pack(dst), _pack(part), size, mtime, None if ranges is None else _encode_ranges(ranges)),
            urgent=size > 4 * 1024 * 1024,
        )

    def ranges_done(self, job_id: int, dst: Rel, ranges: list[tuple[int, int]]) -> None:
        """Record the byte ranges now in the partial (flushed: a range's data was written before this call)."""
        self._write("UPDATE items SET ranges = ? WHERE job_id = ? AND dst = ?",
                    (_encode_ranges(ranges), job_id, _pack(dst)), urgent=True)

    def ranges(self, job_id: int, dst: Rel) -> list[tuple[int, int]] | None:
        """The done ranges recorded for a file copied in ranges; None when its partial is a plain prefix."""
        row = self.db.execute("SELECT ranges FROM items WHERE job_id = ? AND dst = ?", (job_id, _pack(dst))).fetchone()
        if row is None or row[0] is None:
            return None
        try:
            data = json.loads(row[0])
            return [(int(a), int(b)) for a, b in data if 0 <= int(a) < int(b)]
        except (ValueError, TypeError):
            return []  # unreadable: nothing is trusted

    def item_done(self, job_id: int, dst: Rel) -> None:
        self._write("UPDATE items SET state = 'done', part = NULL WHERE job_id = ? AND dst = ?", (job_id, _pack(dst)))

    def item_failed(self, job_id: int, dst: Rel, error: str, keep_record: bool = True) -> None:
        if keep_record:
            sql = "UPDATE items SET state = 'failed', error = ? WHERE job_id = ? AND dst = ?"
        else:
            # The source lied or changed: its recorded size must not justify a resume.
            sql = "UPDATE items SET state = 'failed', error = ?, size = NULL, mtime = NULL WHERE job_id = ? AND dst = ?"
        self._write(sql, (error, job_id, _pack(dst)))

    def record(self, job_id: int, dst: Rel) -> tuple[str, int | None, float | None] | None:
        """(state, size, mtime) recorded for a destination path, or None."""
        row = self.db.execute(
            "SELECT state, size, mtime FROM items WHERE job_id = ? AND dst = ?", (job_id, _pack(dst))
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def partials(self, job_id: int) -> list[tuple[Rel, Rel, int | None, float | None]]:
        """(destination, temporary file, recorded size, recorded mtime) of each unfinished file of a job."""
        self.flush()
        rows = self.db.execute(
            "SELECT dst, part, size, mtime FROM items WHERE job_id = ? AND state != 'done' AND part IS NOT NULL",
            (job_id,),
        ).fetchall()
        return [(_unpack(row[0]), _unpack(row[1]), row[2], row[3]) for row in rows]

    def parts(self, job_id: int) -> list[Rel]:
        """Temporary files an unfinished job may have left at its destination."""
        self.flush()
        rows = self.db.execute(
            "SELECT part FROM items WHERE job_id = ? AND state != 'done' AND part IS NOT NULL", (job_id,)
        ).fetchall()
        return [_unpack(row[0]) for row in rows]
