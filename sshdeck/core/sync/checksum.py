"""`--checksum`: compare both sides' files by digest.

A server whose account may run commands hashes its own files
(`server_hash.py`: `sha256sum`, else `md5sum`), so only digests cross the
link; otherwise the file is read and hashed here, with `window` requests in
flight (as the transfer pump does) and `parallel` files at once, so hashing
a remote tree costs about what downloading it costs, not one round trip per
block.  Both sides of a pair always use the same algorithm.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from typing import Iterable

from sshdeck.core.sync.server_hash import ServerHasher, hasher_for
from sshdeck.core.transfer.endpoints import Endpoint, Rel

PARALLEL_FILES = 8


async def file_digest(endpoint: Endpoint, rel: Rel, size: int, algorithm: str = "sha256") -> bytes | None:
    """The digest of the file read here, or None when its length is not `size` any more (it changed)."""
    reader = await endpoint.open_read(rel, checked=True)
    try:
        digest = hashlib.new(algorithm)
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
    pairs = list(pairs)
    if not pairs:
        return set()
    hashers = await asyncio.gather(hasher_for(a), hasher_for(b))
    algorithm = _common_algorithm(*hashers)
    left, right = await asyncio.gather(
        _server_digests(a, hashers[0], algorithm, pairs), _server_digests(b, hashers[1], algorithm, pairs)
    )
    gate = asyncio.Semaphore(parallel)
    same: set[Rel] = set()

    async def digest(endpoint: Endpoint, known: dict[Rel, bytes], rel: Rel, size: int) -> bytes | None:
        if rel in known:
            return known[rel]
        return await file_digest(endpoint, rel, size, algorithm)

    async def check(rel: Rel, size: int) -> None:
        async with gate:
            try:
                ours, theirs = await asyncio.gather(digest(a, left, rel, size), digest(b, right, rel, size))
            except Exception:  # noqa: BLE001 - unreadable: treat as changed, the copy will report why
                return
            if ours is not None and ours == theirs:
                same.add(rel)

    await asyncio.gather(*(check(rel, size) for rel, size in pairs))
    return same


def _common_algorithm(left: ServerHasher | None, right: ServerHasher | None) -> str:
    """SHA-256 unless a side that hashes on its server offers only MD5 (then both sides use MD5)."""
    offered = [h.algorithm for h in (left, right) if h is not None]
    return offered[0] if len(set(offered)) == 1 else "sha256"


async def _server_digests(endpoint: Endpoint, hasher: ServerHasher | None, algorithm: str,
                          pairs: list[tuple[Rel, int]]) -> dict[Rel, bytes]:
    """Digests the endpoint's server computed (none when it cannot, or its algorithm differs)."""
    if hasher is None or hasher.algorithm != algorithm:
        return {}
    paths = {endpoint.path(rel): rel for rel, _ in pairs}
    return {paths[path]: digest for path, digest in (await hasher.digests(paths)).items()}
