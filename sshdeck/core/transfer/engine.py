"""The transfer engine: a worker pool that copies or moves items between two endpoints.

One `Transfer` is one job: walk the selection safely, create the folders
(a level's folders requested together), then copy files with `parallel_files`
workers (each file itself pipelined, see pump.py), spread over several SFTP
channels when there are many small files (lanes.py).  A lost link is retried with capped exponential backoff and a
reconnect; conflicts go to a fixed policy or the UI's async callback; every
file is journaled so a killed run can be resumed.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Sequence

from sshdeck.core.transfer.conflicts import ConflictCallback, ConflictChoice
from sshdeck.core.transfer.endpoints import Endpoint, Rel
from sshdeck.core.transfer.errors import ConnectionLostError, TransferError, describe, is_connection_lost
from sshdeck.core.transfer.filecopy import copy_file
from sshdeck.core.transfer.journal import Journal, JobRecord, Place
from sshdeck.core.transfer.lanes import Lanes
from sshdeck.core.transfer.model import ItemState, TransferItem, TransferOptions, TransferReport
from sshdeck.core.transfer.progress import ProgressCallback, ProgressMeter
from sshdeck.core.transfer.pump import MemoryBudget
from sshdeck.core.transfer.rate_limit import Throttle
from sshdeck.core.transfer.walker import WalkOptions, walk


# Folders of one level requested at once (their parents exist by then).
MKDIRS_AT_ONCE = 64
# Small files (one read request) are copied this many times `parallel_files` at once: a small file is a
# few round trips of waiting (open, read/write, finish, rename) and next to no memory, so on a long link
# more of them in flight is what makes a folder of them fast (200 x 4 KiB put at 20 ms: 7 files one after
# the other per worker with 32 workers, 2 with 128).
SMALL_FILE = 256 * 1024
SMALL_FILES_FACTOR = 4


class Transfer:
    """Copy (or move) `requests` — (source path, destination path) pairs relative to the endpoints' roots."""

    def __init__(
        self,
        source: Endpoint,
        dest: Endpoint,
        requests: Sequence[tuple[Rel, Rel]],
        options: TransferOptions | None = None,
        *,
        journal: Journal | None = None,
        on_progress: ProgressCallback | None = None,
        on_conflict: ConflictCallback | None = None,
        job_id: int | None = None,
        places: tuple[Place | None, Place | None] = (None, None),
    ) -> None:
        self.source = source
        self.places = places  # journaled so a later start can name both sides and reconnect
        self.dest = dest
        self.requests = [(tuple(s), tuple(d)) for s, d in requests]
        self.options = options or TransferOptions()
        self.journal = journal
        self.on_conflict = on_conflict
        self.job_id = job_id
        self.resuming = job_id is not None
        self.retried = False  # retry() ran: items may have journal records of this run's earlier attempts
        self.items: list[TransferItem] = []
        self.meter = ProgressMeter(on_progress, self.options.progress_interval)
        self.budget = MemoryBudget(self.options.memory_limit, max(source.block_size, dest.block_size))
        self.gate = asyncio.Event()
        self.gate.set()
        self.limit = Throttle(self.options.limit)  # this transfer's bandwidth limit and the process's total
        self.fresh_dirs: set[Rel] = set()
        self.sticky_choice: ConflictChoice | None = None
        self.ask_lock = asyncio.Lock()
        self._recover_lock = asyncio.Lock()
        self._generation = 0
        self._tasks: dict[int, asyncio.Task[None]] = {}
        # Closing what a committed file no longer needs (its source handle, a download's extra channels): the
        # server's replies are not waited for before the commit (filecopy.close_later).
        self.closing: set[asyncio.Task[None]] = set()
        self._cancelled = False
        self._interrupted = False
        self._planned = False
        self._started = 0.0

    @classmethod
    def resume_job(
        cls,
        record: JobRecord,
        source: Endpoint,
        dest: Endpoint,
        *,
        journal: Journal,
        on_progress: ProgressCallback | None = None,
        on_conflict: ConflictCallback | None = None,
        options: TransferOptions | None = None,
    ) -> "Transfer":
        """Continue a job from the journal (after a kill); endpoints must point where the record says."""
        return cls(
            source,
            dest,
            record.requests,
            options or TransferOptions.from_journal(record.options),
            journal=journal,
            on_progress=on_progress,
            on_conflict=on_conflict,
            job_id=record.id,
        )

    # -- controls for the UI ---------------------------------------------------------

    def pause(self) -> None:
        """Stop issuing new requests; requests in flight finish."""
        self.gate.clear()

    def unpause(self) -> None:
        self.gate.set()

    @property
    def paused(self) -> bool:
        return not self.gate.is_set()

    def cancel(self, item_id: int | None = None) -> None:
        """Cancel one item or the whole transfer; temporary files stay for a later retry."""
        if item_id is None:
            self._cancelled = True
            self.gate.set()
            for task in list(self._tasks.values()):
                task.cancel()
            for item in self.items:
                if item.state is ItemState.QUEUED:
                    item.state = ItemState.CANCELLED
            return
        task = self._tasks.get(item_id)
        if task is not None:
            task.cancel()
        for item in self.items:
            if item.id == item_id and item.state is ItemState.QUEUED:
                item.state = ItemState.CANCELLED

    def interrupt(self) -> None:
        """Stop now to continue later (quit, a signal): partial files stay, the journal says "interrupted"."""
        self._interrupted = True
        self.cancel()

    @property
    def interrupted(self) -> bool:
        return self._interrupted

    async def retry(self, item_ids: Sequence[int] | None = None) -> TransferReport:
        """Run failed or cancelled items again (all of them, or those named)."""
        self._cancelled = False
        self.retried = True
        for item in self.items:
            if item.state in (ItemState.FAILED, ItemState.CANCELLED) and item.kind in ("file", "dir"):
                if item_ids is None or item.id in item_ids:
                    item.state, item.error = ItemState.QUEUED, ""
        return await self.run()

    # -- the run -----------------------------------------------------------------------

    async def run(self) -> TransferReport:
        self._started = time.monotonic()
        if self.journal is not None:
            if self.job_id is None:
                self.job_id = self.journal.start_job(
                    self.source.describe(), self.dest.describe(), self.requests, self.options.to_journal(),
                    self.places,
                )
            else:
                self.journal.reopen_job(self.job_id)
        try:
            if not self._planned:
                await self._plan()
            await self._make_dirs()
            await self._copy_files()
            if self.options.move:
                await self._remove_source_dirs()
            await self.dest.flush()
        except asyncio.CancelledError:
            # The task running us was cancelled (Ctrl+C, SIGTERM, the app closing): a later start resumes.
            self._interrupted = True
            raise
        finally:
            report = self.report()
            self.meter.emit(finished=True)
            if self.journal is not None and self.job_id is not None:
                state = "done" if report.ok else "interrupted" if self._interrupted else "failed"
                self.journal.finish_job(self.job_id, state)
                self.journal.flush()
        return report

    def report(self) -> TransferReport:
        copied = sum(item.bytes_copied for item in self.items)
        return TransferReport(list(self.items), time.monotonic() - self._started, copied)

    async def _plan(self) -> None:
        root = await self._with_recovery(lambda: self.dest.lstat(()))
        if root is None or not root.is_dir:
            raise TransferError(f"{self.dest.describe()}: the destination folder does not exist")
        walk_options = WalkOptions(
            recursive=self.options.recursive,
            follow_links=self.options.follow_links,
            dest_rules=self.dest.rules,
        )
        # The walker's items are the plan (numbered, refusals already SKIPPED/FAILED): no second copy of it.
        self.items.extend(await self._with_recovery(lambda: walk(self.source, self.requests, walk_options)))
        files = [item for item in self.items if item.kind == "file"]
        self.meter.items_total = len(files)
        self.meter.bytes_total = sum(item.size for item in files)
        self._planned = True

    async def _make_dirs(self) -> None:
        """Create the folders level by level; a level's folders are requested together (one round trip, not one each)."""
        failed: set[Rel] = set()
        levels: dict[int, list[TransferItem]] = {}
        for item in self.items:
            if item.kind != "dir":
                continue
            if item.state is not ItemState.QUEUED:
                if item.state is not ItemState.DONE:
                    failed.add(item.dst)
                continue
            levels.setdefault(len(item.dst), []).append(item)
        for depth in sorted(levels):
            batch = []
            for item in levels[depth]:
                if item.dst[:-1] in failed:
                    item.state, item.error = ItemState.FAILED, f"{item.name}: its parent folder failed"
                    failed.add(item.dst)
                else:
                    batch.append(item)
            for start in range(0, len(batch), MKDIRS_AT_ONCE):
                chunk = batch[start:start + MKDIRS_AT_ONCE]
                results = await asyncio.gather(
                    *(self._with_recovery(lambda item=item: self.dest.make_dir(item.dst)) for item in chunk),
                    return_exceptions=True,
                )
                for item, result in zip(chunk, results):
                    if isinstance(result, asyncio.CancelledError):
                        raise result
                    if isinstance(result, BaseException):
                        item.state, item.error = ItemState.FAILED, f"{item.name}: {describe(result)}"
                        failed.add(item.dst)
                        continue
                    if result:
                        self.fresh_dirs.add(item.dst)
                    item.state = ItemState.DONE
        for item in self.items:
            if item.kind == "file" and item.state is ItemState.QUEUED and item.dst[:-1] in failed:
                item.state, item.error = ItemState.FAILED, f"{item.name}: its folder could not be created"

    async def _copy_files(self) -> None:
        queue = deque(item for item in self.items if item.kind == "file" and item.state is ItemState.QUEUED)
        lanes = Lanes(self)
        lanes.start(self.options.file_channels, sum(1 for item in queue if item.size < self.options.ranged_from))
        count = min(self.options.parallel_files, len(queue))
        # The extra workers take small files only (the same items: whoever pops one first copies it).
        smalls = deque(item for item in queue if item.size < SMALL_FILE)
        extra = min(self.options.parallel_files * (SMALL_FILES_FACTOR - 1), max(0, len(smalls) - count))
        workers = [asyncio.ensure_future(self._worker(queue, lanes, number)) for number in range(count)]
        workers += [asyncio.ensure_future(self._worker(smalls, lanes, count + number)) for number in range(extra)]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await lanes.close()

    async def _worker(self, queue: deque[TransferItem], lanes: Lanes, number: int) -> None:
        if number >= self.options.parallel_files:
            await lanes.settled.wait()  # an extra small-file worker: over the lanes, once they are open
        while queue and not self._cancelled:
            await self.gate.wait()
            if not queue or self._cancelled:
                return
            item = queue.popleft()
            if item.state is not ItemState.QUEUED:
                continue
            item.state = ItemState.ACTIVE  # taken: a worker of the other queue skips it
            task = asyncio.ensure_future(self._run_item(item, lambda item=item: lanes.pick(number, item)))
            self._tasks[item.id] = task
            try:
                await task
            except asyncio.CancelledError:
                if asyncio.current_task().cancelling():  # type: ignore[union-attr]
                    raise
                item.state, item.error = ItemState.CANCELLED, "cancelled"
            finally:
                self._tasks.pop(item.id, None)

    async def _run_item(self, item: TransferItem, lane=None) -> None:
        """`lane()`: where to copy (a lane of extra channels, lanes.py, or this transfer), asked at each attempt."""
        item.state = ItemState.ACTIVE
        ok = False
        try:
            for attempt in range(self.options.retries + 1):
                generation = self._generation
                item.attempts += 1
                try:
                    await copy_file(lane() if lane is not None else self, item, attempt)
                    ok = item.state in (ItemState.DONE, ItemState.SKIPPED)
                    return
                except asyncio.CancelledError:
                    item.state, item.error = ItemState.CANCELLED, "cancelled"
                    raise
                except Exception as exc:  # noqa: BLE001 - every failure becomes the item's reason
                    self.meter.end_item(item.id, ok=False)
                    if is_connection_lost(exc) and attempt < self.options.retries and not self._cancelled:
                        item.notes.append("connection lost: reconnected and resumed")
                        try:
                            await self._recover(generation)
                        except Exception as rexc:  # noqa: BLE001
                            self._fail(item, f"{item.name}: {describe(rexc)}", keep_record=True)
                            return
                        continue
                    self._fail(item, f"{item.name}: {describe(exc)}", keep_record=not _source_lied(exc))
                    return
        finally:
            self.meter.end_item(item.id, ok=ok)

    def _fail(self, item: TransferItem, reason: str, keep_record: bool) -> None:
        item.state, item.error = ItemState.FAILED, reason
        if self.journal is not None and self.job_id is not None:
            self.journal.item_failed(self.job_id, item.final or item.dst, reason, keep_record)

    # -- lost connections ----------------------------------------------------------------

    async def _with_recovery(self, call):
        """Run a metadata call, reconnecting and retrying when the link drops."""
        for attempt in range(self.options.retries + 1):
            generation = self._generation
            try:
                return await call()
            except Exception as exc:
                if not is_connection_lost(exc) or attempt == self.options.retries:
                    raise
                await self._recover(generation)
        raise AssertionError("unreachable")

    async def _recover(self, seen_generation: int) -> None:
        """Reconnect whichever side dropped; one reconnect serves every waiting worker."""
        async with self._recover_lock:
            if self._generation != seen_generation:
                return
            delay = self.options.backoff_initial
            last: BaseException | None = None
            for _attempt in range(self.options.retries):
                await asyncio.sleep(delay)
                try:
                    for endpoint in (self.source, self.dest):
                        if endpoint.is_remote and not await _alive(endpoint):
                            await endpoint.reconnect()
                    self._generation += 1
                    return
                except ConnectionLostError:
                    raise
                except Exception as exc:  # noqa: BLE001 - try again after a longer pause
                    last = exc
                delay = min(delay * 2, self.options.backoff_cap)
            raise ConnectionLostError(f"connection lost; reconnecting failed ({describe(last) if last else 'no answer'})")

    async def _remove_source_dirs(self) -> None:
        # Deepest first; a folder that still holds a skipped or failed entry stays.
        for item in reversed(self.items):
            if item.kind == "dir" and item.state is ItemState.DONE:
                try:
                    await self.source.rmdir(item.src)
                except Exception:  # noqa: BLE001 - not empty: something in it was kept
                    item.notes.append("source folder kept (not empty)")


async def _alive(endpoint: Endpoint) -> bool:
    try:
        return await asyncio.wait_for(endpoint.alive(), 10)
    except (asyncio.TimeoutError, OSError):
        return False


def _source_lied(exc: BaseException) -> bool:
    from sshdeck.core.transfer.errors import SourceChangedError

    return isinstance(exc, SourceChangedError)
