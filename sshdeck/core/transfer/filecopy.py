"""One file from source to destination, never touching the final name until it is verified.

The bytes go to a deterministic temporary name beside the final one
(`.<name>.sshdeck-part`, created exclusively, 0600), are counted against the
listed size, made durable, given their mtime and mode, and only then renamed
onto the final name.  Anything that goes wrong before the rename leaves the
final name as it was and keeps the temporary file for a resume.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from sshdeck.core.transfer.conflicts import Conflict, ConflictChoice, numbered, resolve
from sshdeck.core.transfer.endpoints import Rel, Stat
from sshdeck.core.transfer.errors import SourceChangedError, TransferError, is_connection_lost
from sshdeck.core.transfer.model import ItemState, TransferItem
from sshdeck.core.transfer.names import part_name, show
from sshdeck.core.transfer.pump import pump
from sshdeck.core.transfer.ranges import RangedCopy, channels_to_start, clip, workers_may_help

if TYPE_CHECKING:
    from sshdeck.core.transfer.engine import Transfer


def same_mtime(a: float | None, b: float | None) -> bool:
    # SFTP carries whole seconds; local file systems keep fractions.
    return a is not None and b is not None and int(a) == int(b)


def part_of(final: Rel) -> Rel:
    return final[:-1] + (part_name(final[-1]),)


async def copy_file(transfer: "Transfer", item: TransferItem, attempt: int) -> None:
    source, dest = transfer.source, transfer.dest
    stat = item.stat
    if attempt > 0:
        # The source may have changed while the link was down: then the partial is worthless.
        now = await (source.stat(item.src) if item.follow else source.lstat(item.src))
        if now is None or not now.is_file:
            raise TransferError(f"{item.name}: the source disappeared")
        if now.size != stat.size or not same_mtime(now.mtime, stat.mtime):
            item.stat, stat, item.resume_ok = now, now, False

    final = item.final or item.dst
    fresh = attempt == 0 and final[:-1] in transfer.fresh_dirs and not transfer.resuming
    clone_existing = False
    if not fresh and not item.conflict_settled:
        existing = await dest.lstat(final)
        if existing is not None:
            outcome = await _settle_conflict(transfer, item, stat, existing, final)
            if outcome is None:
                return
            final, clone_existing = outcome
    item.final, item.conflict_settled = final, True
    part = part_of(final)

    journal, job_id = transfer.journal, transfer.job_id
    if clone_existing:
        await dest.clone(final, part)
        resume = True
    elif attempt > 0:
        resume = item.resume_ok
    else:
        resume = _journal_allows_resume(transfer, final, stat)
    prior = _prior_ranges(transfer, item, final, attempt, resume and not clone_existing)
    channels, far = await channels_to_start(transfer) if stat.size >= transfer.options.ranged_from else (1, False)
    item.bytes_done = 0
    try:
        if prior is not None or channels > 1 or far or workers_may_help(transfer, stat.size):
            note = await _copy_in_ranges(transfer, item, part, final, resume, prior, channels, far)
        else:
            note = await _copy_whole(transfer, item, part, final, resume, fresh)
    except Exception as exc:
        if item.bytes_done == 0 and not is_connection_lost(exc):
            await _drop_empty_part(dest, part)  # e.g. the source could not be opened: leave nothing behind
        raise
    if note:
        item.notes.append(note)
    note = await dest.commit(part, final)
    if note:
        item.notes.append(note)
    item.state = ItemState.DONE
    if journal is not None and job_id is not None:
        journal.item_done(job_id, final)
    if transfer.options.move:
        await asyncio.gather(*transfer.closing)  # a server may refuse to delete a file that is still open
        await source.unlink(item.src)


def close_later(transfer: "Transfer", *closing) -> None:
    """Close handles and channels the commit does not depend on, without waiting for the server's replies.

    The commit waits only for what makes the copy whole and durable (every byte written,
    the fsync, the attributes).  Closing the source's handle, or a download's extra channels,
    costs a round trip or two (0.1-0.2 s on a 100 ms link) that the rename does not need:
    they finish in the background (a move waits for them before deleting the source).
    """
    task = asyncio.ensure_future(asyncio.gather(*closing, return_exceptions=True))
    transfer.closing.add(task)
    task.add_done_callback(transfer.closing.discard)


async def _copy_whole(transfer: "Transfer", item: TransferItem, part: Rel, final: Rel, resume: bool,
                      fresh: bool) -> str | None:
    """One channel, in order: the partial is always a prefix of the source."""
    source, dest, stat = transfer.source, transfer.dest, item.stat
    journal, job_id = transfer.journal, transfer.job_id
    writer, length = await dest.open_part(part, resume=resume, fresh=fresh and not resume)
    try:
        if length > stat.size:
            await writer.close()
            writer, length = await dest.open_part(part, resume=False)
        if journal is not None and job_id is not None:
            journal.item_started(job_id, final, part, stat.size, stat.mtime)
        item.resume_ok = True
        item.ranges_done = None
        item.resumed_from = length or None
        item.bytes_done = length
        transfer.meter.start_item(item.id, item.name, stat.size, length)

        def landed(count: int) -> None:
            item.bytes_done += count
            item.bytes_copied += count
            transfer.meter.add(item.id, count)

        reader = await source.open_read(item.src, follow=item.follow, checked=True)
        try:
            await pump(
                reader,
                writer,
                rel=item.src,
                start=length,
                size=stat.size,
                block=min(source.block_size, dest.block_size),
                read_window=source.window,
                write_window=dest.window,
                budget=transfer.budget,
                gate=transfer.gate,
                on_bytes=landed,
                limit=transfer.limit,
            )
        except BaseException:
            await reader.close()
            raise
        # The source's handle closes while the copy is made durable; the commit does not wait for it.
        close_later(transfer, reader.close())
        note = await writer.finish(stat.mtime, stat.mode)
    except BaseException:
        await writer.close()
        raise
    return note


def _prior_ranges(transfer: "Transfer", item: TransferItem, final: Rel, attempt: int,
                  resume: bool) -> list[tuple[int, int]] | None:
    """The ranges a ranged partial already holds; None when the partial (if any) is a plain prefix."""
    if not resume:
        return None
    if attempt > 0:
        return item.ranges_done
    if transfer.journal is None or transfer.job_id is None:
        return None
    return transfer.journal.ranges(transfer.job_id, final)


async def _copy_in_ranges(transfer: "Transfer", item: TransferItem, part: Rel, final: Rel, resume: bool,
                          prior: list[tuple[int, int]] | None, channels: int, far: bool) -> str | None:
    """Several channels at once, each range recorded when written (see ranges.py)."""
    source, dest, stat = transfer.source, transfer.dest, item.stat
    journal, job_id = transfer.journal, transfer.job_id
    writer, length = await dest.open_part(part, resume=resume)
    try:
        if length > stat.size:
            await writer.close()
            writer, length = await dest.open_part(part, resume=False)
        if hasattr(writer, "threaded"):
            writer.threaded = True  # several channels feed one local file: write it off the event loop
        done = (clip(prior, length) if prior is not None else [(0, length)] if length else []) if resume else []
        if journal is not None and job_id is not None:
            journal.item_started(job_id, final, part, stat.size, stat.mtime, ranges=done)
        already = sum(b - a for a, b in done)
        item.resume_ok, item.ranges_done = True, done
        item.resumed_from = already or None
        item.bytes_done = already
        transfer.meter.start_item(item.id, item.name, stat.size, already)
        ranged = RangedCopy(transfer, item, part, final, stat, done, far)
        ranged.open_early(writer, channels)  # a download's extra channels open while this one opens the file
        try:
            reader = await source.open_read(item.src, follow=item.follow, checked=True)
        except BaseException:
            await ranged.drop_early()
            raise
        try:
            await ranged.run(reader, writer, channels)
            # The range that ends the file proves the end as it is copied (one byte more is asked for).
            # If an earlier run copied it, prove the end here.
            if (stat.size == 0 or any(end >= stat.size for _, end in done)) and await reader.read(stat.size, 1):
                raise SourceChangedError(
                    f"{item.name}: the source has more than its listed {stat.size} bytes "
                    "(it changed, or the server misreports sizes)"
                )
        except BaseException:
            await asyncio.gather(reader.close(), ranged.closed())
            raise
        # The source's handle and the extra channels close while the copy is made durable.  A download's
        # commit (a local rename) waits for neither; an upload's waits for its extra write handles.
        close_later(transfer, reader.close())
        if dest.is_remote:
            _, note = await asyncio.gather(ranged.closed(), writer.finish(stat.mtime, stat.mode))
        else:
            close_later(transfer, ranged.closed())
            note = await writer.finish(stat.mtime, stat.mode)
    except BaseException:
        await writer.close()
        raise
    return note


async def _drop_empty_part(dest, part: Rel) -> None:
    """Remove a partial file this attempt left empty; it holds nothing to resume."""
    try:
        info = await dest.lstat(part)
        if info is not None and info.is_file and info.size == 0:
            await dest.unlink(part)
    except Exception:  # noqa: BLE001 - best effort: the copy's own error is the one to report
        pass


def _journal_allows_resume(transfer: "Transfer", final: Rel, stat: Stat) -> bool:
    if transfer.journal is None or transfer.job_id is None:
        return False
    if not transfer.resuming and not transfer.retried:
        return False  # a job started by this run has no record yet: no look-up per file
    record = transfer.journal.record(transfer.job_id, final)
    return record is not None and record[1] == stat.size and same_mtime(record[2], stat.mtime)


async def _settle_conflict(
    transfer: "Transfer", item: TransferItem, stat: Stat, existing: Stat, final: Rel
) -> tuple[Rel, bool] | None:
    """(where to write, whether to start from the existing file), or None when the item is settled."""
    if existing.is_dir:
        raise TransferError(f"{item.name}: a folder of that name is at the destination")
    if transfer.resuming and existing.is_file and existing.size == stat.size and same_mtime(existing.mtime, stat.mtime):
        # A killed run had already committed this file.
        item.state, item.bytes_done = ItemState.DONE, 0
        item.notes.append("already complete at the destination")
        return None
    choice = resolve(await _ask(transfer, item, stat, existing), stat, existing)
    if choice is ConflictChoice.SKIP:
        item.state, item.error = ItemState.SKIPPED, f"{item.name}: exists at the destination (skipped)"
        return None
    if choice is ConflictChoice.CANCEL:
        transfer.cancel()
        raise asyncio.CancelledError
    if choice is ConflictChoice.RENAME:
        return await _free_name(transfer, final), False
    if choice is ConflictChoice.RESUME:
        if not existing.is_file:
            raise TransferError(f"{item.name}: the existing entry is not a regular file; cannot resume onto it")
        if existing.size > stat.size:
            raise TransferError(f"{item.name}: the existing file is longer than the source; cannot resume")
        return final, True
    return final, False  # overwrite: the rename replaces it (a link is replaced, never followed)


async def _ask(transfer: "Transfer", item: TransferItem, stat: Stat, existing: Stat) -> ConflictChoice:
    if transfer.sticky_choice is not None:
        return transfer.sticky_choice
    if transfer.options.conflict is not None:
        return transfer.options.conflict
    if transfer.on_conflict is None:
        raise TransferError(f"{item.name}: exists at the destination (no conflict choice given)")
    # One question at a time: the dialog is modal, and "for all" must reach the next worker.
    async with transfer.ask_lock:
        if transfer.sticky_choice is not None:
            return transfer.sticky_choice
        decision = await transfer.on_conflict(Conflict(item.id, item.name, stat, existing))
        if decision.apply_to_all:
            transfer.sticky_choice = decision.choice
        return decision.choice


async def _free_name(transfer: "Transfer", final: Rel) -> Rel:
    for number in range(1, 10000):
        candidate = numbered(final, number)
        if await transfer.dest.lstat(candidate) is None and await transfer.dest.lstat(part_of(candidate)) is None:
            return candidate
    raise TransferError(f"{show(final)}: no free name to keep both")
