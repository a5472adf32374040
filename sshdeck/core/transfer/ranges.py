"""One big file in byte ranges over several SFTP channels of the same connection.

A single SFTP channel is capped by the server's channel window on a long link,
so a big file is cut into ranges (16 MiB by default) that several channels copy
at once into the SAME temporary file at their offsets: locally one file
descriptor written with pwrite, remotely one handle per channel.  Each range is
recorded in the journal only after all its bytes were written, so a resume
copies only the missing ranges and never trusts a hole.

How many channels: on loopback (a round trip well under 10 ms) one channel is
fastest, so the plain single-channel copy runs; so does a download below 40 ms
(our own window is big enough there).  Otherwise we start with three channels and add one each time throughput grew with the last one added,
up to `channels_max`; a server that refuses another session (OpenSSH
MaxSessions) just stops the growth, and the channels already open finish the file.

On any link, a file of `workers_from` bytes or more is copied in ranges (one
channel on a near link) so that worker processes can take some of them when
this process's one thread is the limit (procranges.py).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

from sshdeck.core.transfer.endpoints import Rel, Stat
from sshdeck.core.transfer.errors import TransferError
from sshdeck.core.transfer.model import TransferItem
from sshdeck.core.transfer.procranges import WorkerHelp, far_link
from sshdeck.core.transfer.pump import LATENCY_IN_FLIGHT, LATENCY_THRESHOLD, pump

if TYPE_CHECKING:
    from sshdeck.core.transfer.engine import Transfer

Span = tuple[int, int]

# Channels a real (not loopback) link starts with when the options leave it open.
START_CHANNELS = 3
# Round trip from which a download is copied in ranges (a 12 MiB window at 40 ms is ~300 MB/s).
DOWNLOAD_FAR = 0.040
# On a far link each channel copies this many ranges at once: one's idle tail (the last
# replies still on the way) overlaps with the next one's start.  They share the channel's window.
COPIES_PER_CHANNEL = 2
# Throughput must grow by this factor for the channel just added to count as useful.
GROWTH = 1.10
# How often a channel that leaves the ranges to a worker process (a shell tab is open) looks again.
ALONE_POLL = 0.05


def merge(spans: list[Span]) -> list[Span]:
    """Sorted, non-overlapping, adjacent ones joined."""
    out: list[Span] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def gaps(done: list[Span], size: int) -> list[Span]:
    """The parts of [0, size) not in `done` (as few spans as `done` has holes, whatever the size)."""
    out: list[Span] = []
    at = 0
    for start, end in merge(done):
        if start > at:
            out.append((at, min(start, size)))
        at = max(at, end)
    if at < size:
        out.append((at, size))
    return out


def missing(done: list[Span], size: int, piece: int) -> list[Span]:
    """`gaps` cut into pieces of at most `piece` bytes (for a small file; the copy itself cuts lazily)."""
    queue = Pieces(gaps(done, size), piece)
    return [queue.take() for _ in range(queue.count())]


class Pieces:
    """Spans still to copy, handed out a piece at a time: a server listing an absurd size costs no memory."""

    def __init__(self, spans: list[Span], piece: int) -> None:
        self.spans: deque[Span] = deque(spans)
        self.piece = max(piece, 1)

    def __bool__(self) -> bool:
        return bool(self.spans)

    def count(self) -> int:
        return sum(-(-(end - start) // self.piece) for start, end in self.spans)

    def take(self) -> Span:
        start, end = self.spans.popleft()
        if end - start > self.piece:
            self.spans.appendleft((start + self.piece, end))
            end = start + self.piece
        return start, end

    def give_back(self, span: Span) -> None:
        self.spans.appendleft(span)


def clip(done: list[Span], length: int) -> list[Span]:
    """Only what the partial really holds: a range past its end is a hole and is copied again."""
    return merge([(a, min(b, length)) for a, b in done if a < length])


async def channels_to_start(transfer: "Transfer") -> tuple[int, bool]:
    """(channels, whether the link is far): 1 when several cannot help (no way to open them, or loopback)."""
    options = transfer.options
    remote = [e for e in (transfer.source, transfer.dest) if e.is_remote]
    if not remote or not all(getattr(e, "can_open_channels", lambda n: False)(0) for e in remote):
        return 1, False
    rtt = min([await e.round_trip() for e in remote])  # type: ignore[attr-defined]
    far = rtt >= LATENCY_THRESHOLD
    if options.channels_start > 0:
        return max(1, min(options.channels_start, options.channels_max)), far
    # A download's one channel has our own 16 MiB window: only a long round trip caps it below what
    # the CPU can decrypt (measured: at 20 ms one channel was faster).  An upload's channel has the
    # server's window (OpenSSH: 2 MiB), which caps it on any real link.
    if not far or (transfer.source.is_remote and rtt < DOWNLOAD_FAR):
        return 1, False
    return max(1, min(START_CHANNELS, options.channels_max)), True


def workers_may_help(transfer: "Transfer", size: int) -> bool:
    """Whether worker processes may take ranges of a file this big (procranges.py): then it is copied in ranges."""
    options = transfer.options
    if options.workers_max <= 0 or size < options.workers_from or transfer.limit.active:
        return False
    source, dest = transfer.source, transfer.dest
    remote = dest if dest.is_remote else source
    return (source.is_remote != dest.is_remote and getattr(remote, "worker_ticket", None) is not None
            and not far_link(remote))


class RangedCopy:
    """The ranges of one file, the channels copying them, and when to add one more."""

    def __init__(self, transfer: "Transfer", item: TransferItem, part: Rel, final: Rel, stat: Stat,
                 done: list[Span], far: bool = False) -> None:
        # Downloads: our own window is large, so overlap ranges on each channel.  Uploads: the server's window
        # (OpenSSH: 2 MiB) is the limit, and reading ahead locally would only hold memory.
        download = transfer.source.is_remote
        self.copies = COPIES_PER_CHANNEL if far and download else 1
        block = max(min(transfer.source.block_size, transfer.dest.block_size), 1)
        self.deep = LATENCY_IN_FLIGHT // self.copies
        self.read_window = self.deep // block if far and download else transfer.source.window
        if not far:
            # A near link keeps its depth: a range whose first reply is late on a busy machine must not
            # deepen the queue (a full channel window made sshd send small packets: 3x its CPU per byte).
            self.deep = self.read_window * block
        self.channels = 0
        self.far = far
        self.transfer, self.item, self.part, self.final, self.stat = transfer, item, part, final, stat
        self.done = merge(done)
        self.pending = Pieces(gaps(self.done, stat.size), transfer.options.range_size)
        self.tasks: list[asyncio.Task[None]] = []
        self.extra: list = []  # endpoints of extra channels, closed at the end
        self.readers: list = []  # extra read handles
        self.writers: list = []  # extra write handles
        # Throughput per channel count, to decide whether one more channel helps.
        self._level_began = 0.0
        self._level_bytes = 0
        self._level_ranges = 0
        self._last_rate = 0.0
        self._growing = True
        self._adding: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None
        self._early: list[asyncio.Task[bool]] = []  # a download's extra channels, opened with the main file
        self.main_reader = self.main_writer = None  # the main channel's handles (set by `run`)
        self.helpers: WorkerHelp | None = None  # set by `run`

    def _record(self, span: Span) -> None:
        self.done = merge(self.done + [span])
        self.item.ranges_done = list(self.done)
        journal, job_id = self.transfer.journal, self.transfer.job_id
        if journal is not None and job_id is not None:
            journal.ranges_done(job_id, self.final, self.done)

    async def _worker(self, reader, writer) -> None:
        transfer, stat, item = self.transfer, self.stat, self.item
        block = min(transfer.source.block_size, transfer.dest.block_size)
        while self.pending:
            if self.helpers is not None and self.helpers.copies_alone():
                await asyncio.sleep(ALONE_POLL)  # a worker process copies while a shell tab is open (procranges.py)
                continue
            span = self.pending.take()
            got = 0

            def landed(count: int) -> None:
                nonlocal got
                got += count
                item.bytes_done += count
                item.bytes_copied += count
                self._level_bytes += count
                transfer.meter.add(item.id, count)

            try:
                await pump(reader, writer, rel=item.src, start=span[0], end=span[1], size=stat.size,
                           block=block, read_window=self.read_window, write_window=transfer.dest.window,
                           budget=transfer.budget, gate=transfer.gate, on_bytes=landed, deep=self.deep,
                           limit=transfer.limit)
            except BaseException:
                # The whole range is copied again: its bytes are not in the partial as far as a resume knows.
                item.bytes_done -= got
                self.pending.give_back(span)
                raise
            self._record(span)
            self._level_ranges += 1
            self._maybe_grow()

    def _maybe_grow(self) -> None:
        """After a range: add a channel (in the background) if the last one added made it faster."""
        options = self.transfer.options
        channels = self.channels
        if self._adding is not None or not self._growing or channels >= options.channels_max:
            return
        if self.pending.count() <= channels:
            return
        if not self._level_began or self._level_ranges < channels:  # set up, then a range per channel
            return
        loop = asyncio.get_running_loop()
        elapsed = loop.time() - self._level_began
        rate = self._level_bytes / elapsed if elapsed > 0 else 0.0
        if self._last_rate and rate < self._last_rate * GROWTH:
            self._growing = False  # the last channel added did not help: stay here
            return
        self._last_rate = rate
        self._adding = asyncio.ensure_future(self._grow())

    async def _grow(self) -> None:
        try:
            if not await self._add_channel():
                self._growing = False
        finally:
            self._adding = None

    def _new_level(self) -> None:
        self._level_began = asyncio.get_running_loop().time()
        self._level_bytes = 0
        self._level_ranges = 0

    async def _add_channel(self) -> bool:
        """Start one more channel's worker; False when the server (or the setup) allows no more."""
        transfer = self.transfer
        reader, writer = self.main_reader, self.main_writer
        try:
            if transfer.source.is_remote:
                channel = await transfer.source.open_channel(len(self.extra))  # type: ignore[attr-defined]
                if channel is None:
                    return False
                self.extra.append(channel)
                reader = await channel.open_read(self.item.src, follow=self.item.follow, checked=True)
                self.readers.append(reader)
            if transfer.dest.is_remote:
                channel = await transfer.dest.open_channel(len(self.extra))  # type: ignore[attr-defined]
                if channel is None:
                    return False
                self.extra.append(channel)
                writer, _ = await channel.open_part(self.part, resume=True)
                self.writers.append(writer)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The next channel failed to set up: the ones already running finish the file.
            return False
        self._start_channel(reader, writer)
        self._new_level()
        return True

    def _start_channel(self, reader, writer) -> None:
        self.channels += 1
        self.tasks.extend(asyncio.ensure_future(self._worker(reader, writer)) for _ in range(self.copies))

    def open_early(self, main_writer, start_with: int) -> None:
        """A download's extra channels start opening now, while the main channel opens the file.

        A channel costs several round trips (open, subsystem, SFTP version, limits, the file's
        open); begun before the main channel's open instead of after it, the extra channels
        copy one round trip sooner (0.1 s at 100 ms), and each starts on its ranges at once.
        `run` (or `drop_early`, when the main open fails) takes them over.
        """
        if not self.transfer.source.is_remote or self.transfer.dest.is_remote:
            return
        self.main_writer = main_writer
        more = min(start_with, self.pending.count()) - 1
        self._early = [asyncio.ensure_future(self._add_channel()) for _ in range(max(more, 0))]

    async def drop_early(self) -> None:
        """The main channel could not open the file: stop what `open_early` began and close it."""
        for task in self._early + self.tasks:
            task.cancel()
        await asyncio.gather(*self._early, *self.tasks, return_exceptions=True)
        self._early = []
        await self._close_extra()

    async def run(self, main_reader, main_writer, start_with: int) -> None:
        """Copy every missing range; returns when all are written (the caller finishes and commits)."""
        self.main_reader, self.main_writer = main_reader, main_writer
        if start_with <= 1 and not self.far:
            # Ranges only so that worker processes can take some (a near link): one channel, written in
            # the event loop's thread as the plain copy does (a thread per write cost more CPU than it saved).
            self._growing = False
            if getattr(main_writer, "threaded", False):
                main_writer.threaded = False
        self._start_channel(main_reader, main_writer)
        helpers = self.helpers = WorkerHelp(self)  # worker processes, when this thread's CPU is the limit (procranges.py)
        adding: list[asyncio.Task[bool]] = []
        try:
            # The first channel copies while the others open (a channel costs a few round trips): all at once.
            more = min(start_with, self.pending.count()) - 1
            adding = self._early or [asyncio.ensure_future(self._add_channel()) for _ in range(max(more, 0))]
            self._early = []
            if adding and not all(await asyncio.gather(*adding)):
                self._growing = False
            self._new_level()
            helpers.begin()
            while True:  # a worker may add workers while we wait
                running = [t for t in self.tasks if not t.done()]
                if not running and self.pending and helpers.gave_back:
                    # A worker process gave ranges back after our channels had ended: copy them here.
                    helpers.gave_back = False
                    self._start_channel(main_reader, main_writer)
                    continue
                if not running:
                    break
                await asyncio.wait(running, return_when=asyncio.FIRST_EXCEPTION)
                failed = next((t for t in self.tasks if t.done() and not t.cancelled() and t.exception()), None)
                if failed is not None:
                    raise failed.exception()  # type: ignore[misc]
            if self.pending:
                raise TransferError(f"{self.item.name}: some ranges were not copied")
        finally:
            growing = [self._adding] if self._adding is not None else []
            growing += [task for task in adding if not task.done()]
            for task in self.tasks + growing:
                task.cancel()
            await asyncio.gather(*self.tasks, *growing, return_exceptions=True)
            await helpers.stop()
            # Closing overlaps with the caller's finish (fsync, attributes): see `closed`.
            self._closing = asyncio.ensure_future(self._close_extra())

    async def closed(self) -> None:
        """Wait until the extra handles and channels are closed (started when `run` ends)."""
        if self._closing is not None:
            await self._closing

    async def _close_extra(self) -> None:
        # Extra write handles only close: the main handle's fsync makes the whole file durable.
        # Everything at once: one at a time cost two round trips per channel (1 s at 100 ms with 3 channels).
        await asyncio.gather(*(handle.close() for handle in self.readers + self.writers))
        await asyncio.gather(*(channel.close_channel() for channel in self.extra))
