"""`--checksum`: read both sides' files and compare SHA-256 digests.

Each file is read with `window` requests in flight (as the transfer pump
does), and `parallel` files at once, so hashing a remote tree costs about
what downloading it costs, not one round trip per block.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from typing import Iterable

from sshdeck.core.transfer.endpoints import Endpoint, Rel

PARALLEL_FILES = 8


async def file_digest(endpoint: Endpoint, rel: Rel, size: int) -> bytes | None:
    """The SHA-256 of the file, or None when its length is not `size` any more (it changed)."""
    reader = await endpoint.open_read(rel, checked=True)
    try:
        digest = hashlib.sha256()
        block = max(1, endpoint.block_size)
        offsets = iter(range(0, size, block))
        pending: deque[tuple[int, asyncio.Future[bytes]]] = deque()

        def issue() -> None:
            offset = next(offsets, None)
            if offset is not None:
                pending.append((offset, asyncio.ensure_future(reader.read(offset, min(block, size - offset)))))

        for _ in range(max(1, endpoint.window)):
            issue()
        total = 0
        try:
            while pending:
                offset, future = pending.popleft()
                data = await future
                want = min(block, size - offset)
                # A short read mid-file: fetch the rest of this block before going on.
                while len(data) < want:
                    more = await reader.read(offset + len(data), want - len(data))
                    if not more:
                        return None
                    data += more
                digest.update(data)
                total += len(data)
                issue()
        finally:
            for _, future in pending:
                future.cancel()
        if total != size or await reader.read(size, 1):
            return None
        return digest.digest()
    finally:
        await reader.close()


async def same_content(a: Endpoint, b: Endpoint, pairs: Iterable[tuple[Rel, int]], parallel: int = PARALLEL_FILES) -> set[Rel]:
    """Which of the (path, size) pairs hold the same bytes on both sides (a read failure counts as different)."""
    gate = asyncio.Semaphore(parallel)
    same: set[Rel] = set()

    async def check(rel: Rel, size: int) -> None:
        async with gate:
            try:
                left, right = await asyncio.gather(file_digest(a, rel, size), file_digest(b, rel, size))
            except Exception:  # noqa: BLE001 - unreadable: treat as changed, the copy will report why
                return
            if left is not None and left == right:
                same.add(rel)

    await asyncio.gather(*(check(rel, size) for rel, size in pairs))
    return same
