"""Worker processes helping with one big file's ranges when this process's one thread is the limit.

asyncssh does every packet's decryption, parsing and copying in the event
loop's thread: on a fast link a big transfer keeps that one core busy while
the machine's other cores idle.  For a file of at least `workers_from` bytes
between this machine and one server, `WorkerHelp` watches this process's CPU
use per second while the ranges are copied (ranges.py); when it reaches
`workers_when_busy` and the machine's idle cores (/proc/stat) show one to
spare, it starts up to `workers_max` worker processes
(procpool.py / procworker.py), each with its own connection to the same
host, and lets them take ranges from the same queue as the parent's
channels.  The parent records a range in the journal when a worker says all
its bytes are written, exactly as for its own channels.

A worker that cannot log in, is refused, dies or is killed gives its ranges
back to the queue (each copied again from its start by the parent's
channels): the file completes on the parent, nothing lost or counted twice.
Pause is passed on to the workers; cancel, an error or the end of the file
stops them.  No worker runs under a bandwidth limit (it would not obey it),
between two servers, or when the endpoint has no way to make a ticket.

While the app has a shell tab open (procpool.SHELLS) a worker starts at once,
whatever the CPU use, and copies the file alone: the parent's channels take
no range while it is ready, so the app's event loop stays free for the
shell's echo.  One such worker at a time (each takes a core, as `sftp` copies
one file at a time): another big file waits for it, its channels idle.  A
worker that cannot start or is lost leaves the ranges to the parent as above.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from sshdeck.core.transfer.procpool import SHELLS, LIVE, ProcWorker, WorkerLost, cpu_share, idle_seconds, process_cpu
from sshdeck.core.transfer.pump import LATENCY_THRESHOLD

if TYPE_CHECKING:
    from sshdeck.core.transfer.ranges import RangedCopy

log = logging.getLogger(__name__)

wall_clock = time.monotonic
# Seconds between two looks at this process's CPU use.
WATCH = 0.25
# Ranges one worker copies at once: the next one's first reads overlap the last one's tail.
SLOTS = 2
# Idle cores (from /proc/stat) a worker needs besides this process's own.
SPARE = 0.4
# Worker processes at once while a shell tab is open: the other big files wait for it.
ALONE_MAX = 1
# How much lower a worker's scheduling priority is while a shell tab is open: when the two cores are taken
# (the worker, sshd, writeback), the kernel runs the app first the moment a key or its echo arrives.
# In the app during a 1 GiB upload (echo_app.py, alternating): echo median 9.1 -> 5.8 and 8.7 -> 5.6 ms, p99
# 28.0 -> 21.6 and 32.1 -> 30.6 ms, the copy no slower; 19 did no better than 10.
SHELL_NICE = 10
# Files whose worker is starting while a shell tab is open (counted with LIVE's running ones).
STARTING: set["WorkerHelp"] = set()
# Not worth a process (its start and login cost ~0.3 s of a core) for less than this share of `workers_from` left.
WORTH = 0.5


def far_link(remote) -> bool:
    """A link of 10 ms or more: there the relay or the network, not this thread's crypto, is the limit, and
    a worker's second connection only added CPU (benchmarks/shipped.py, 256 MiB at 20 ms: slower with one)."""
    rtt = getattr(remote, "measured_round_trip", None)
    return rtt is not None and rtt >= LATENCY_THRESHOLD


class WorkerHelp:
    """The worker processes of one RangedCopy (none until the parent's CPU is the limit)."""

    def __init__(self, copy: "RangedCopy") -> None:
        self.copy = copy
        self.workers: list[ProcWorker] = []
        self.gave_back = False  # a worker returned ranges to the queue
        self.ranges = 0  # ranges the workers copied (tests count them)
        self.copied = 0  # their bytes
        self._task: asyncio.Task[None] | None = None
        self._slots: list[asyncio.Task[None]] = []
        self.exclusive = False  # started for a shell tab: the worker copies alone while one is open
        self.waiting = False  # for another file's worker to end (one at a time while a shell is open)

    def copies_alone(self) -> bool:
        """Whether the parent's channels leave the ranges to a worker: a shell tab is open and the worker is
        ready, or this file waits for one."""
        return self.exclusive and bool(SHELLS) and (self.waiting or any(worker.ready for worker in self.workers))

    def begin(self) -> None:
        if self._setup() is not None:
            # With a shell open, from the start: the parent's channels (not running yet) take no first range.
            self.exclusive = self.waiting = bool(SHELLS)
            self._task = asyncio.ensure_future(self._run())

    def _setup(self):
        """(remote endpoint, direction, local descriptor, remote path) when workers may help, else None."""
        copy = self.copy
        transfer = copy.transfer
        options = transfer.options
        if options.workers_max <= 0 or copy.stat.size < options.workers_from or transfer.limit.active:
            return None
        source, dest = transfer.source, transfer.dest
        if source.is_remote == dest.is_remote:
            return None
        remote = source if source.is_remote else dest
        if getattr(remote, "worker_ticket", None) is None or far_link(remote):
            return None
        local_file = copy.main_writer if source.is_remote else copy.main_reader
        fd = getattr(local_file, "fd", -1)
        if not isinstance(fd, int) or fd < 0:
            return None
        path = remote.path(copy.item.src) if source.is_remote else remote.path(copy.part)
        return remote, "get" if source.is_remote else "put", fd, path

    def _left(self) -> int:
        return sum(end - start for start, end in self.copy.pending.spans)

    async def _run(self) -> None:
        options = self.copy.transfer.options
        began = (process_cpu(), wall_clock(), idle_seconds())
        while options.workers_when_busy > 0:  # 0: at once (tests)
            if SHELLS:
                break  # a shell tab is open: a worker copies alone, at once, and this loop stays free for its echo
            await asyncio.sleep(WATCH)
            if self._left() < options.workers_from * WORTH:
                return
            now = (process_cpu(), wall_clock(), idle_seconds())
            busy = cpu_share(began[0], began[1], now[0], now[1]) >= options.workers_when_busy
            # ... and a core to spare: on a machine busy with other work a worker only adds contention
            # (measured: a forced worker made a loopback get 35-50 % slower with both cores taken).
            spare = now[2] is None or began[2] is None or (now[2] - began[2]) / (now[1] - began[1]) >= SPARE
            if busy and spare:
                break
            began = now
        self.exclusive = bool(SHELLS)
        # With a shell open this file's channels copy nothing from here until its worker is ready, or failed.
        self.waiting = self.exclusive
        try:
            await self._start_workers()
        finally:
            self.waiting = False
            STARTING.discard(self)

    async def _start_workers(self) -> None:
        copy = self.copy
        transfer, options = copy.transfer, copy.transfer.options
        setup = self._setup()
        if setup is None:
            return
        remote, direction, fd, path = setup
        try:
            ticket = remote.worker_ticket()
        except Exception:  # noqa: BLE001 - no worker then; the parent copies alone
            log.exception("no ticket for a worker process")
            return
        if ticket is None:
            return
        block = max(min(transfer.source.block_size, transfer.dest.block_size), 1)
        if self.exclusive:
            # One worker at a time while a shell is open (each takes a core, as `sftp` copies one file at a
            # time): this file waits for the running one to end, its own channels idle meanwhile.
            while len(LIVE) + len(STARTING) >= ALONE_MAX and SHELLS:
                await asyncio.sleep(WATCH)
            STARTING.add(self)  # no await since the check: two waiting files cannot both take the one place
        for _ in range(1 if self.exclusive else options.workers_max):
            if not self.exclusive and len(LIVE) >= options.workers_max:
                return  # other files' workers already use the cores this machine can spare (a shell's file has its place)
            worker = ProcWorker()
            self.workers.append(worker)
            try:
                await worker.start(ticket, direction=direction, remote=path, fd=fd, size=copy.stat.size, block=block,
                                   read_window=transfer.source.window, write_window=transfer.dest.window, deep=copy.deep,
                                   gate=transfer.gate, nice=SHELL_NICE if self.exclusive else 0)
            except (WorkerLost, OSError) as exc:
                log.info("a worker process for %s did not start (%s); copying here", copy.item.name, exc)
                return
            log.info("worker process %s copies ranges of %s", worker.pid, copy.item.name)
            for _ in range(SLOTS):
                task = asyncio.ensure_future(self._slot(worker))
                copy.tasks.append(task)

    async def _slot(self, worker: ProcWorker) -> None:
        copy = self.copy
        transfer, item = copy.transfer, copy.item
        while copy.pending and worker.ready:
            gate = transfer.gate
            if gate is not None and not gate.is_set():
                await gate.wait()
                continue
            span = copy.pending.take()
            got = 0

            def landed(count: int) -> None:
                nonlocal got
                got += count
                item.bytes_done += count
                item.bytes_copied += count
                transfer.meter.add(item.id, count)

            try:
                await worker.copy(span, landed)
            except WorkerLost as exc:
                # Copied again from its start by the parent's channels: its bytes are not counted twice.
                item.bytes_done -= got
                copy.pending.give_back(span)
                self.gave_back = True
                log.info("worker process %s gave up (%s); the parent copies its ranges", worker.pid, exc)
                await worker.stop()
                return
            except BaseException:
                item.bytes_done -= got
                copy.pending.give_back(span)
                raise
            copy._record(span)  # noqa: SLF001 - the parent records every range, whoever copied it
            self.ranges += 1
            self.copied += span[1] - span[0]

    async def stop(self) -> None:
        """End every worker (the file is done, failed or cancelled)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await asyncio.gather(*(worker.stop() for worker in self.workers), return_exceptions=True)
        if self.workers:
            log.info("worker processes copied %d of %d bytes of %s", self.copied, self.copy.stat.size, self.copy.item.name)
