"""The parent's side of a worker process (procworker.py): start it, hand it ranges, hear its progress, stop it.

A worker is started with `python -m sshdeck.core.transfer.procworker`
(a fresh interpreter, never a fork of this event loop), gets the open
partial (get) or source (put) file as an inherited descriptor, and its
connection ticket (secrets included) on its stdin, never argv or the
environment.  Its stderr goes nowhere.

`copy(span, landed)` returns when the worker says the whole range is
written; `landed(count)` is called as its blocks land.  Any trouble (the
worker refused to connect, died, was killed, failed a range) raises
`WorkerLost`: the caller gives the range back to the parent's own channels,
which copy it again from its start (bytes the worker wrote there are
overwritten with the same bytes), so nothing is lost or counted twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from typing import Any, Callable

log = logging.getLogger(__name__)

# How long a worker may take to start and log in before the parent stops waiting for it.
START_TIMEOUT = 30.0
# How often the parent's pause state is passed on to the worker.
GATE_POLL = 0.1


# Every worker process running in this process, whatever file it helps: `workers_max` caps them all together.
LIVE: set["ProcWorker"] = set()

# Interactive sessions open in this process (the app's shell tabs).  While any is, a big file goes to one
# worker process that copies it alone (procranges.py): copied in the app's event loop, a 1 GiB transfer kept
# that loop ~95 % busy and a shell's echo waited behind it (p99 45-67 ms in a real terminal,
# benchmarks/echo_app.py); in another process the kernel runs the app as soon as a key arrives.
SHELLS: set[int] = set()


def shell_opened(holder: object) -> None:
    """`holder` (a shell tab) is open: big files are copied by a worker process alone until it is closed."""
    SHELLS.add(id(holder))


def shell_closed(holder: object) -> None:
    SHELLS.discard(id(holder))


class WorkerLost(Exception):
    """The worker cannot (or can no longer) copy: the parent copies the range itself."""


class ProcWorker:
    """One worker process copying ranges of one file."""

    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.ready = False
        self.reason: str | None = None  # why it stopped being usable
        self._next = 0
        self._ranges: dict[int, tuple[asyncio.Future[None], Callable[[int], None]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._gate_task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    async def start(self, ticket: dict[str, Any], *, direction: str, remote: bytes, fd: int, size: int, block: int,
                    read_window: int, write_window: int, deep: int, gate: asyncio.Event | None = None,
                    nice: int = 0) -> None:
        """Start the process and wait until it is connected; WorkerLost when it is refused or fails.

        `nice`: how much lower the worker's scheduling priority is than this process's (`nice(1)`)."""
        LIVE.add(self)
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "sshdeck.core.transfer.procworker",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
                pass_fds=(fd,), limit=1024 * 1024,
            )
        except OSError as exc:
            LIVE.discard(self)
            self.reason = f"cannot start ({exc.strerror or exc})"
            raise WorkerLost(self.reason) from None
        if nice:
            try:  # before its interpreter starts a thread (they inherit it)
                os.setpriority(os.PRIO_PROCESS, self.process.pid, os.getpriority(os.PRIO_PROCESS, 0) + nice)
            except OSError:
                pass
        hello = {"ticket": ticket, "direction": direction, "remote": remote.decode("utf-8", "surrogateescape"),
                 "fd": fd, "size": size, "block": block, "read_window": read_window, "write_window": write_window, "deep": deep}
        self._send(hello)
        del hello, ticket
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), START_TIMEOUT)  # type: ignore[union-attr]
            answer = json.loads(line) if line else {"refused": "ended"}
        except (asyncio.TimeoutError, ValueError):
            answer = {"refused": "no answer"}
        if not answer.get("ready"):
            self.reason = str(answer.get("refused", "refused"))[:80]
            await self.stop()
            raise WorkerLost(self.reason)
        self.ready = True
        self._reader = asyncio.ensure_future(self._read())
        if gate is not None:
            self._gate_task = asyncio.ensure_future(self._follow(gate))

    async def copy(self, span: tuple[int, int], landed: Callable[[int], None]) -> None:
        if not self.ready:
            raise WorkerLost(self.reason or "not running")
        self._next += 1
        ident = self._next
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._ranges[ident] = (done, landed)
        try:
            self._send({"op": "copy", "id": ident, "start": span[0], "end": span[1]})
            await done
        finally:
            self._ranges.pop(ident, None)

    def _send(self, message: dict[str, Any]) -> None:
        process = self.process
        if process is None or process.stdin is None or process.stdin.is_closing():
            raise WorkerLost("not running")
        process.stdin.write((json.dumps(message, separators=(",", ":")) + "\n").encode())

    async def _read(self) -> None:
        stdout = self.process.stdout  # type: ignore[union-attr]
        try:
            while True:
                line = await stdout.readline()
                if not line:
                    break
                message = json.loads(line)
                entry = self._ranges.get(message.get("id"))
                if entry is None:
                    continue
                future, landed = entry
                if "bytes" in message:
                    landed(int(message["bytes"]))
                elif message.get("done"):
                    future.done() or future.set_result(None)
                elif "failed" in message:
                    future.done() or future.set_exception(WorkerLost(f"a range failed ({message['failed']})"))
        except (ValueError, OSError, asyncio.LimitOverrunError) as exc:
            log.info("worker %s: unreadable message (%s)", self.pid, type(exc).__name__)
        finally:
            self._lost("the worker ended")

    def _lost(self, reason: str) -> None:
        self.ready = False
        self.reason = self.reason or reason
        for future, _ in list(self._ranges.values()):
            if not future.done():
                future.set_exception(WorkerLost(reason))

    async def _follow(self, gate: asyncio.Event) -> None:
        """Pass the transfer's pause on: the worker stops reading at once, as the parent's channels do."""
        paused = False
        try:
            while self.ready:
                if paused != (not gate.is_set()):
                    paused = not paused
                    self._send({"op": "pause" if paused else "resume"})
                await asyncio.sleep(GATE_POLL)
        except WorkerLost:
            pass

    async def stop(self) -> None:
        """End the process (cancel, pause-then-cancel, done, failure): it is killed, never left behind."""
        self.ready = False
        LIVE.discard(self)
        if self._gate_task is not None:
            self._gate_task.cancel()
        process = self.process
        if process is None:
            return
        if process.returncode is None:
            try:
                process.kill()
            except ProcessLookupError:
                pass
        try:
            await process.wait()
        except asyncio.CancelledError:
            raise
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        self._lost("stopped")


def cpu_share(began_cpu: float, began_wall: float, now_cpu: float, now_wall: float) -> float:
    """CPU seconds this process used per wall second over an interval (1.0: one core kept busy)."""
    wall = now_wall - began_wall
    return (now_cpu - began_cpu) / wall if wall > 0 else 0.0


def process_cpu() -> float:
    times = os.times()
    return times.user + times.system


def idle_seconds() -> float | None:
    """Seconds all cores of the machine have been idle since boot (Linux /proc/stat), None where unknown."""
    try:
        with open("/proc/stat", "rb") as handle:
            fields = handle.readline().split()
        return (int(fields[4]) + int(fields[5])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
