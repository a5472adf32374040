"""What an unfinished job left at its destination, and which partial files a resume will continue.

`sshdeck cp` says so before resuming ("resuming NAME from 512 MiB"); the
engine decides for real with the same rule (filecopy.py): a partial file is
continued only when the source still has the size and mtime recorded when
that partial was started.
"""

from __future__ import annotations

from dataclasses import dataclass

from sshdeck.core.transfer.endpoints import Endpoint, Rel
from sshdeck.core.transfer.filecopy import same_mtime
from sshdeck.core.transfer.journal import JobRecord, Journal
from sshdeck.core.transfer.ranges import clip


@dataclass(frozen=True)
class PartialFile:
    final: Rel  # where the file lands, relative to the destination root
    size: int  # bytes already in the partial file
    continues: bool  # False: the source changed since, the file starts over


async def inspect_partials(journal: Journal, record: JobRecord, source: Endpoint, dest: Endpoint) -> list[PartialFile]:
    """The non-empty partial files of an unfinished job, each with whether a resume will continue it."""
    out = []
    for final, part, size, mtime in journal.partials(record.id):
        try:
            found = await dest.lstat(part)
        except Exception:  # noqa: BLE001 - a forecast only; the engine decides for real
            found = None
        if found is None or not found.is_file:
            continue
        # A partial copied in ranges holds what its recorded ranges say, not its length.
        ranges = journal.ranges(record.id, final)
        held = found.size if ranges is None else sum(end - start for start, end in clip(ranges, found.size))
        if held == 0:
            continue
        src = source_of(record, final)
        try:
            now = await source.lstat(src) if src is not None else None
        except Exception:  # noqa: BLE001
            now = None
        continues = now is not None and now.size == size and same_mtime(now.mtime, mtime) and found.size <= now.size
        out.append(PartialFile(final, held, continues))
    return out


def source_of(record: JobRecord, final: Rel) -> Rel | None:
    """The source path of a destination path, through the request it came from."""
    for src, dst in record.requests:
        if final[: len(dst)] == dst:
            return src + final[len(dst):]
    return None
