"""The plain data a transfer is made of: options, items and the final report."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sshdeck.core.transfer.conflicts import ConflictChoice
from sshdeck.core.transfer.endpoints import Rel, Stat
from sshdeck.core.transfer.names import show


class ItemState(enum.Enum):
    QUEUED = "queued"
    ACTIVE = "active"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass
class TransferOptions:
    """How to copy; every field has a safe default."""

    move: bool = False
    recursive: bool = True
    follow_links: bool = False  # copy link targets as regular files (loop-checked, depth 64)
    conflict: ConflictChoice | None = None  # a fixed answer; None asks the callback (or fails without one)
    parallel_files: int = 32  # files in flight at once (the small-file fast path)
    file_channels: int = 4  # SFTP channels per remote side that many small files are spread over (lanes.py)
    memory_limit: int = 64 * 1024 * 1024  # bytes of file data held in memory at once
    retries: int = 5  # per item, after a lost connection
    backoff_initial: float = 0.5
    backoff_cap: float = 30.0
    progress_interval: float = 0.1
    # A file this big or bigger is copied in ranges over several SFTP channels of the same connection.
    ranged_from: int = 64 * 1024 * 1024
    range_size: int = 16 * 1024 * 1024
    channels_start: int = 0  # channels to begin with; 0 decides by the link's round trip (1 on loopback, else 3)
    channels_max: int = 8  # grown one by one while throughput grows; a refusal by the server stops the growth
    # A file this big or bigger may also be copied in part by worker processes (procranges.py), at most this many,
    # started when this process's CPU use per second reaches `workers_when_busy` (its one thread is the limit) and
    # the machine has a core to spare; 0 starts them at once.
    workers_from: int = 256 * 1024 * 1024
    workers_max: int = 1
    workers_when_busy: float = 0.85
    limit: int = 0  # bytes per second for this transfer (all its files and channels), 0 = none; see rate_limit.py

    def to_journal(self) -> dict:
        return {
            "move": self.move,
            "recursive": self.recursive,
            "follow_links": self.follow_links,
            "conflict": self.conflict.value if self.conflict else None,
        }

    @classmethod
    def from_journal(cls, data: dict) -> "TransferOptions":
        conflict = data.get("conflict")
        return cls(
            move=bool(data.get("move")),
            recursive=bool(data.get("recursive", True)),
            follow_links=bool(data.get("follow_links")),
            conflict=ConflictChoice(conflict) if conflict else None,
        )


@dataclass(slots=True)
class TransferItem:
    """One folder or file of a transfer, with its fate.

    A copy plan holds one of these per entry before anything moves, so it is
    kept small (slots, notes made on first use): ~180 bytes plus its paths and
    Stat, measured in tests/core/test_copy_plan_memory.py.
    """

    id: int
    kind: str  # "dir" or "file"; refused entries keep the walker's kind ("skipped", "error")
    src: Rel
    dst: Rel
    stat: Stat
    follow: bool = False
    state: ItemState = ItemState.QUEUED
    error: str = ""
    _notes: list[str] | None = field(default=None, init=False, repr=False)
    bytes_done: int = 0  # how far the file is (a resumed partial's bytes included)
    bytes_copied: int = 0  # bytes this run really moved (a resume does not count what was already there)
    resumed_from: int | None = None  # offset the last attempt started at, when it resumed
    attempts: int = 0
    final: Rel | None = None  # where it landed (differs from dst after "rename")
    resume_ok: bool = False  # the temporary file belongs to this version of the source
    conflict_settled: bool = False
    ranges_done: list[tuple[int, int]] | None = None  # byte ranges in the partial when it is copied in ranges

    @property
    def notes(self) -> list[str]:
        """What the user should know about this item (made on first use: most items have none)."""
        if self._notes is None:
            self._notes = []
        return self._notes

    @property
    def name(self) -> str:
        return show(self.final or self.dst)

    @property
    def size(self) -> int:
        return self.stat.size if self.kind == "file" else 0


@dataclass
class TransferReport:
    """What happened, for the summary line and the failure list."""

    items: list[TransferItem]
    elapsed: float
    bytes_copied: int  # moved by this run; a resumed file counts only what it added

    @property
    def resumed(self) -> list[TransferItem]:
        return [item for item in self.items if item.resumed_from]

    def _count(self, state: ItemState) -> list[TransferItem]:
        return [item for item in self.items if item.state is state]

    @property
    def done(self) -> list[TransferItem]:
        return self._count(ItemState.DONE)

    @property
    def skipped(self) -> list[TransferItem]:
        return self._count(ItemState.SKIPPED)

    @property
    def failed(self) -> list[TransferItem]:
        return [i for i in self.items if i.state in (ItemState.FAILED, ItemState.CANCELLED, ItemState.QUEUED)]

    @property
    def ok(self) -> bool:
        """Every item arrived and was verified, or was skipped by rule or choice."""
        return not self.failed

    @property
    def notes(self) -> list[str]:
        return sorted({note for item in self.items for note in item._notes or ()})
