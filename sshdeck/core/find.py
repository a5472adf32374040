"""Finding files under a folder of any file system, by name and by content.

`find(fs, folder, query)` walks the tree below `folder` and yields
`(path, entry)` for every match as soon as it is known.  Over SFTP the walk
is pipelined: up to `FindQuery.folders_in_flight` folders are listed at
once through the file system's own (capped, batched) listing, and up to
`FindQuery.files_in_flight` files are read at once for a content search,
each in fixed-size chunks (memory stays bounded whatever the file size).

Symlinks are reported when their name matches but never followed, so a
link loop cannot trap the walk; a server that invents an endless tree is
stopped by `DEPTH_LIMIT`.  A folder that cannot be listed (permissions, a
listing limit) or a file that cannot be read is passed to `on_problem` and
skipped; only a lost connection, or a start folder that cannot be listed,
ends the search with a `FileSystemError`.  Cancel the consuming task, or
close the iterator (`contextlib.aclosing`), to stop: no work goes on after.
"""

from __future__ import annotations

import asyncio
import fnmatch
import re
from dataclasses import dataclass
from typing import AsyncGenerator, AsyncIterator, Callable

from sshdeck.core.fs.base import Entry, EntryKind, FileSystem, join
from sshdeck.core.fs.errors import ConnectionLostError, FileSystemError
from sshdeck.core.fs.names import display_path

CONTENT_SIZE_CAP = 64 << 20  # files bigger than this are not read for a content search
CHUNK_SIZE = 256 << 10
DEPTH_LIMIT = 256  # a hostile server could nest folders forever


@dataclass(frozen=True)
class FindQuery:
    """What to look for.

    `name`: a glob (`*.log`, `report-??.txt`) matched against each name;
    empty matches every name.  `content`: text a file must contain (files
    only; folders and links never match a content search); matched
    case-insensitively for ASCII letters when `ignore_case` is set.
    `max_depth`: 1 searches the folder's own entries only, 2 one level
    below, and so on; None goes all the way down (to `DEPTH_LIMIT`).
    """

    name: str = ""
    content: str = ""
    ignore_case: bool = True
    max_depth: int | None = None
    size_cap: int = CONTENT_SIZE_CAP
    skip_binary: bool = True
    folders_in_flight: int = 16
    files_in_flight: int = 4

    def name_matcher(self) -> Callable[[bytes], bool]:
        if not self.name or self.name == "*":
            return lambda _name: True
        flags = re.IGNORECASE if self.ignore_case else 0
        pattern = re.compile(fnmatch.translate(self.name).encode("utf-8", "surrogateescape"), flags | re.DOTALL)
        return lambda name: pattern.match(name) is not None

    @property
    def needle(self) -> bytes:
        raw = self.content.encode("utf-8", "surrogateescape")
        return raw.lower() if self.ignore_case else raw


@dataclass(frozen=True)
class FindProblem:
    """Something the search had to skip, with a one-line reason fit to show."""

    path: str
    message: str
    # False for a file left out on purpose (too big to read): a note, not a failure.
    error: bool = True


ProblemCallback = Callable[[FindProblem], None]

_DONE = object()


def find(
    fs: FileSystem, folder: str, query: FindQuery, *, on_problem: ProblemCallback | None = None
) -> AsyncGenerator[tuple[str, Entry], None]:
    """Yield `(path, entry)` for each match below `folder`, in the order they are found.

    An async generator: close it (`contextlib.aclosing`) or cancel its consumer to stop.
    """
    return _Search(fs, query, on_problem or (lambda _problem: None)).run(folder)


class _Search:
    def __init__(self, fs: FileSystem, query: FindQuery, on_problem: ProblemCallback) -> None:
        self.fs = fs
        self.query = query
        self.on_problem = on_problem
        self.matches_name = query.name_matcher()
        self.needle = query.needle
        # Last in, first out: the walk goes deep first, so the folders waiting to be
        # listed stay about depth x width of one folder, not a whole level of a wide tree.
        self.folders: asyncio.Queue[tuple[str, int]] = asyncio.LifoQueue()
        self.files: asyncio.Queue[tuple[str, Entry]] = asyncio.Queue(maxsize=1000)
        # Bounded: a consumer that stops reading stops the walk too.
        self.out: asyncio.Queue[object] = asyncio.Queue(maxsize=256)
        self.depth_limit = min(query.max_depth or DEPTH_LIMIT, DEPTH_LIMIT)

    async def run(self, folder: str) -> AsyncIterator[tuple[str, Entry]]:
        tasks = [asyncio.create_task(self._list_worker()) for _ in range(max(1, self.query.folders_in_flight))]
        if self.needle:
            tasks += [asyncio.create_task(self._read_worker()) for _ in range(max(1, self.query.files_in_flight))]
        tasks.append(asyncio.create_task(self._supervise()))
        self.folders.put_nowait((folder, 1))
        try:
            while True:
                item = await self.out.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item  # type: ignore[misc]
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _supervise(self) -> None:
        await self.folders.join()
        await self.files.join()  # files are only queued by folder workers, all idle now
        await self.out.put(_DONE)

    async def _list_worker(self) -> None:
        while True:
            folder, depth = await self.folders.get()
            try:
                await self._list_one(folder, depth)
            except ConnectionLostError as exc:
                await self.out.put(exc)
            except FileSystemError as exc:
                if depth == 1:
                    await self.out.put(exc)  # the start folder itself: nothing can be searched
                else:
                    self.on_problem(FindProblem(folder, str(exc)))
            finally:
                self.folders.task_done()

    async def _list_one(self, folder: str, depth: int) -> None:
        query = self.query
        async for batch in self.fs.list(folder):
            for entry in batch:
                path = join(folder, entry.name)
                if entry.kind is EntryKind.DIR:
                    if depth < self.depth_limit:
                        self.folders.put_nowait((path, depth + 1))
                    elif query.max_depth is None:
                        self.on_problem(FindProblem(path, f"{display_path(path)}: more than {DEPTH_LIMIT} folders deep: not searched"))
                if not self.matches_name(entry.name):
                    continue
                if not self.needle:
                    await self.out.put((path, entry))
                elif entry.kind is EntryKind.FILE:
                    if entry.size > query.size_cap:
                        self.on_problem(FindProblem(
                            path, f"{display_path(path)}: bigger than {_size(query.size_cap)}: content not searched", error=False
                        ))
                    else:
                        await self.files.put((path, entry))

    async def _read_worker(self) -> None:
        while True:
            path, entry = await self.files.get()
            try:
                if await self._contains(path):
                    await self.out.put((path, entry))
            except ConnectionLostError as exc:
                await self.out.put(exc)
            except FileSystemError as exc:
                self.on_problem(FindProblem(path, str(exc)))
            finally:
                self.files.task_done()

    async def _contains(self, path: str) -> bool:
        """Whether the file holds the needle, read chunk by chunk (at most `size_cap` bytes)."""
        needle = self.needle
        keep = len(needle) - 1
        tail = b""
        total = 0
        first = True
        async with self.fs.open_read(path) as stream:
            while total <= self.query.size_cap:
                chunk = await stream.read(CHUNK_SIZE)
                if not chunk:
                    return False
                if first and self.query.skip_binary and b"\0" in chunk[:8192]:
                    return False
                first = False
                total += len(chunk)
                if self.query.ignore_case:
                    chunk = chunk.lower()
                window = tail + chunk
                if needle in window:
                    return True
                tail = window[-keep:] if keep else b""
        return False


def _size(size: int) -> str:
    return f"{size >> 20} MiB" if size >= 1 << 20 else f"{size} bytes"


__all__ = ["CONTENT_SIZE_CAP", "DEPTH_LIMIT", "FindProblem", "FindQuery", "find"]
