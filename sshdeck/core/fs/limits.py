"""How much of one folder a listing may take in: the one place that enforces it.

A server can answer READDIR forever (a hostile server, or a broken FUSE
mount); without a cap every listing would grow until memory runs out.
Each listing counts entries and the bytes of their names and stops with a
`ListingLimitError` once either passes the limit set in settings.toml::

    [limits]
    listing_entries = 5000000
    listing_name_bytes = 1073741824
    copy_entries = 500000

`copy_entries` caps a whole copy plan (every folder and file of one copy,
across all its folders).  A plan is held in memory before the first byte
moves (~470 bytes an entry, ~270 for a folder still being listed, measured
by tests/core/test_copy_plan_memory.py), so it gets a lower cap than a
listing that `sshdeck ls` streams: 500,000 keeps `cp -r` from a hostile
server under ~300 MB.  The transfer walker (core/transfer/walker.py)
enforces it, and also stops a single folder's listing there.

`capped` wraps a file system's stream of batches (LocalFS and SftpFS both
list through it); `ListingTally` is the same count for listings that read
names one by one (the transfer endpoints).  Everything before the limit was
already yielded, so a pane can show what it got.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import AsyncIterable, AsyncIterator

from sshdeck.core.fs.base import Entry
from sshdeck.core.fs.errors import FileSystemError
from sshdeck.core.fs.names import display_path

DEFAULT_ENTRIES = 5_000_000
DEFAULT_NAME_BYTES = 1 << 30  # 1 GiB
DEFAULT_COPY_ENTRIES = 500_000


@dataclass(frozen=True)
class ListingLimits:
    entries: int = DEFAULT_ENTRIES
    name_bytes: int = DEFAULT_NAME_BYTES
    copy_entries: int = DEFAULT_COPY_ENTRIES  # a whole copy plan, all folders together


DEFAULT_LIMITS = ListingLimits()


class ListingLimitError(FileSystemError):
    """A folder listing passed a limit; what came before it was delivered."""

    def __init__(self, message: str, *, path: str | None = None, count: int = 0) -> None:
        super().__init__(message, path=path)
        self.count = count


def configured_limits() -> ListingLimits:
    """The limits from settings.toml (defaults when unset or broken: see `load_settings`)."""
    from sshdeck.core.settings import load_settings  # here: settings.py imports this module

    return load_settings().limits


def lowered(limits: ListingLimits, max_entries: int | None) -> ListingLimits:
    """`limits`, with the entry limit lowered to `max_entries` when that is given and lower."""
    if max_entries is None or max_entries >= limits.entries:
        return limits
    return replace(limits, entries=max(max_entries, 0))


class ListingTally:
    """Counts one folder's listing; raises `ListingLimitError` when it passes a limit."""

    def __init__(self, path: str, limits: ListingLimits) -> None:
        self.path = path
        self.limits = limits
        self.entries = 0
        self.name_bytes = 0

    def add(self, names: list[bytes]) -> None:
        size = sum(map(len, names))
        if self.entries + len(names) <= self.limits.entries and self.name_bytes + size <= self.limits.name_bytes:
            self.entries += len(names)
            self.name_bytes += size
            return
        for name in names:  # this batch crosses a limit: find the name that does
            self.add_one(name)

    def add_one(self, name: bytes) -> None:
        self.entries += 1
        self.name_bytes += len(name)
        if self.entries > self.limits.entries or self.name_bytes > self.limits.name_bytes:
            self._stop()

    def _stop(self) -> None:
        delivered = self.entries - 1  # the name that crossed the limit is not delivered
        if self.entries > self.limits.entries:
            setting = "listing_entries"
        else:
            setting = "listing_name_bytes"
        raise ListingLimitError(
            f"{display_path(self.path)}: stopped listing after {delivered:,} entries "
            f"(limit {setting} in settings.toml)",
            path=self.path,
            count=delivered,
        )


async def capped(path: str, batches: AsyncIterable[list[Entry]], limits: ListingLimits) -> AsyncIterator[list[Entry]]:
    """`batches` passed through until the listing reaches a limit, then `ListingLimitError`.

    The batch that crosses the limit is cut to fit, and yielded before the
    error, so the caller holds exactly the allowed entries.
    """
    tally = ListingTally(path, limits)
    iterator = batches.__aiter__()
    try:
        async for batch in iterator:
            before = tally.entries
            try:
                tally.add([entry.name for entry in batch])
            except ListingLimitError as exc:
                if exc.count > before:
                    yield batch[: exc.count - before]
                raise exc from None
            yield batch
    finally:
        close = getattr(iterator, "aclose", None)
        if close is not None:
            # Stops the producer now (the SFTP handle is closed, the local scan thread told to stop).
            await close()
