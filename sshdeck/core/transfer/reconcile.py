"""Temporary files left behind: finding them, and dropping a job with its partials."""

from __future__ import annotations

from sshdeck.core.transfer.endpoints import Endpoint, Rel
from sshdeck.core.transfer.journal import Journal, JobRecord
from sshdeck.core.transfer.names import is_part_name


async def find_parts(dest: Endpoint, folder: Rel = ()) -> list[Rel]:
    """sshdeck temporary files directly in `folder` (for a "clean up" action)."""
    return [folder + (name,) for name, found in await dest.scandir(folder) if found.is_file and is_part_name(name)]


async def discard_job(journal: Journal, record: JobRecord, dest: Endpoint) -> list[Rel]:
    """Forget an unfinished job and delete the temporary files it recorded; returns those removed."""
    removed = []
    for part in journal.parts(record.id):
        found = await dest.lstat(part)
        if found is not None and found.is_file and is_part_name(part[-1]):
            await dest.unlink(part)
            removed.append(part)
    journal.forget_job(record.id)
    return removed


async def reconcile_job(journal: Journal, record: JobRecord, dest: Endpoint) -> list[Rel]:
    """Temporary files recorded for an unfinished job that are gone (their items will restart)."""
    missing = []
    for part in journal.parts(record.id):
        if await dest.lstat(part) is None:
            missing.append(part)
    return missing
