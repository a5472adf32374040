"""Moving one file's bytes: many requests in flight, written in order, memory bounded.

Reads are issued ahead (up to the source's window) at explicit offsets;
their data is written strictly in offset order, so the temporary file is
always a contiguous prefix of the source and its length is a safe place to
resume from.  A shared `MemoryBudget` caps the bytes held by all files at
once, which keeps a multi-GB copy (or 32 parallel ones) in bounded memory.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Callable

from sshdeck.core.transfer.endpoints import ReadFile, Rel, WriteFile
from sshdeck.core.transfer.errors import SourceChangedError, TransferError
from sshdeck.core.transfer.names import show
from sshdeck.core.transfer.rate_limit import Throttle


# On a link with latency, keep this many bytes of reads in flight (below the
# 16 MiB channel window, which must never fill): 12 MiB is 600 MB/s at 20 ms.
LATENCY_IN_FLIGHT = 12 * 1024 * 1024
# A first reply slower than this means a real network, not loopback (a busy
# loopback answers within a few ms; a deeper queue there only slows it down).
LATENCY_THRESHOLD = 0.010


class MemoryBudget:
    """Blocks that may be in memory at once across every file of a transfer."""

    def __init__(self, limit_bytes: int, block_size: int) -> None:
        self._slots = asyncio.Semaphore(max(4, limit_bytes // max(block_size, 1)))

    def available(self) -> bool:
        return not self._slots.locked()

    async def acquire(self) -> None:
        await self._slots.acquire()

    def release(self) -> None:
        self._slots.release()


async def _read_exact(src: ReadFile, rel: Rel, offset: int, size: int, listed: int) -> tuple[int, bytes]:
    """Read [offset, offset+size); the block that ends the file also proves the file ends there.

    The last block asks for one byte more than it needs: getting it means the
    source is longer than listed, and checking costs no extra request.
    """
    last = offset + size == listed
    parts: list[bytes] = []
    got = 0
    while got < size:
        want = size - got + (1 if last else 0)
        data = await src.read(offset + got, want)
        if not data:
            raise SourceChangedError(
                f"{show(rel)}: the source ended at {offset + got} bytes but was listed as {listed} "
                "(it changed, or the server misreports sizes)"
            )
        if len(data) > size - got:
            raise SourceChangedError(
                f"{show(rel)}: the source has more than its listed {listed} bytes "
                "(it changed, or the server misreports sizes)"
            )
        parts.append(data)
        got += len(data)
    return offset, parts[0] if len(parts) == 1 else b"".join(parts)


async def pump(
    src: ReadFile,
    dst: WriteFile,
    *,
    rel: Rel,
    start: int,
    size: int,
    block: int,
    read_window: int,
    write_window: int,
    budget: MemoryBudget,
    gate: asyncio.Event | None = None,
    on_bytes: Callable[[int], None] | None = None,
    end: int | None = None,
    deep: int = LATENCY_IN_FLIGHT,
    limit: Throttle | None = None,
) -> None:
    """Copy bytes [start, end) of `src` into `dst` (`end` defaults to `size`); the range that ends
    the file also proves the source ends at `size`.  `deep`: the bytes kept in flight once the
    first reply shows latency (several copies on one channel share its window)."""
    end = size if end is None else end
    reads: deque[asyncio.Task[tuple[int, bytes]]] = deque()
    writes: deque[asyncio.Task[None]] = deque()
    offset = start
    written = 0
    probe: asyncio.Task[bytes] | None = None
    paid = False  # the next block's turn under the bandwidth limit was already waited for

    async def write(at: int, data: bytes) -> None:
        nonlocal written
        try:
            await dst.write(at, data)
        finally:
            budget.release()
        written += len(data)
        if on_bytes is not None:
            on_bytes(len(data))

    loop = asyncio.get_running_loop()
    first_sent: float | None = None
    try:
        while offset < end or reads:
            while offset < end and len(reads) < read_window:
                if gate is not None and not gate.is_set():
                    if reads:
                        break
                    await gate.wait()
                if limit is not None and limit.active and not paid:  # a bandwidth limit: each block waits its turn
                    if reads and reads[0].done() and limit.short_of(min(block, end - offset)):
                        break  # write the reply in hand first; replies still on the way keep coming meanwhile
                    await limit.take(min(block, end - offset))
                    paid = True
                # Never wait for memory while holding unwritten blocks: that could deadlock files.
                if reads and not budget.available():
                    break
                await budget.acquire()
                paid = False
                count = min(block, end - offset)
                reads.append(asyncio.ensure_future(_read_exact(src, rel, offset, count, size)))
                if first_sent is None:
                    first_sent = loop.time()
                offset += count
            if not reads:
                break
            at, data = await reads.popleft()
            if first_sent is not None and at == start and loop.time() - first_sent > LATENCY_THRESHOLD:
                # Latency, not bandwidth, limits this link: raise the request depth.
                read_window = max(read_window, deep // max(block, 1))
            writes.append(asyncio.ensure_future(write(at, data)))
            while len(writes) >= write_window or (writes and writes[0].done()):
                await writes.popleft()
        if start >= end and end == size:
            # Nothing was read (an empty file, or a partial that is already whole): check the end alone.
            probe = asyncio.ensure_future(src.read(size, 1))
        while writes:
            await writes.popleft()
        if probe is not None and await probe:
            raise SourceChangedError(
                f"{show(rel)}: the source has more than its listed {size} bytes "
                "(it changed, or the server misreports sizes)"
            )
        if written != end - start:
            raise TransferError(f"{show(rel)}: wrote {written} bytes, expected {end - start}")
    finally:
        # Reads are abandoned; writes are left to finish (each returns its memory slot).
        abandoned = [task for task in reads] + ([probe] if probe is not None else [])
        for task in abandoned:
            task.cancel()
        await asyncio.gather(*abandoned, *writes, return_exceptions=True)
        # Blocks read but never handed to a writer still hold memory slots.
        for _ in reads:
            budget.release()
