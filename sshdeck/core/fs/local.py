"""This machine's file system; blocking calls run in worker threads, off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import grp
import os
import pwd
import secrets
import stat
import threading
from typing import AsyncIterator, Callable, TypeVar

from sshdeck.core.fs.base import (
    Entry,
    EntryKind,
    FileSystemError,
    RemoveProgress,
    basename,
    encode_path,
)
from sshdeck.core.fs.errors import from_os_error, name_exists, not_found
from sshdeck.core.fs.limits import ListingLimits, capped, configured_limits
from sshdeck.core.fs.local_remove import remove_tree
from sshdeck.core.fs.names import display_name

_BATCH = 2000
_AHEAD = 4  # batches the scan thread may read ahead of the consumer


class _Stopped(Exception):
    """The consumer went away while the scan waited for room."""
_T = TypeVar("_T")

_KINDS = {stat.S_IFDIR: EntryKind.DIR, stat.S_IFREG: EntryKind.FILE, stat.S_IFLNK: EntryKind.LINK}


def _owner(uid: int, cache: dict[int, str]) -> str:
    name = cache.get(uid)
    if name is None:
        try:
            name = pwd.getpwuid(uid).pw_name
        except KeyError:
            name = str(uid)
        cache[uid] = name
    return name


def _group(gid: int, cache: dict[int, str]) -> str:
    name = cache.get(gid)
    if name is None:
        try:
            name = grp.getgrgid(gid).gr_name
        except KeyError:
            name = str(gid)
        cache[gid] = name
    return name


def _entry(path: bytes, name: bytes, st: os.stat_result, owners: dict[int, str], groups: dict[int, str]) -> Entry:
    kind = _KINDS.get(stat.S_IFMT(st.st_mode), EntryKind.OTHER)
    entry = Entry(
        name, kind, st.st_size, st.st_mtime, stat.S_IMODE(st.st_mode),
        _owner(st.st_uid, owners), _group(st.st_gid, groups), None, False,
        display_name(name), st.st_uid, st.st_gid,
    )
    if kind is EntryKind.LINK:
        try:
            entry.link_target = os.fsdecode(os.readlink(path))
            entry.target_is_dir = os.path.isdir(path)
        except OSError:
            entry.link_target = "?"
    return entry


def _scan(folder: str, emit: Callable[[list[Entry]], None], stop: threading.Event) -> None:
    owners: dict[int, str] = {}
    groups: dict[int, str] = {}
    raw_folder = encode_path(folder)
    batch: list[Entry] = []
    try:
        with os.scandir(raw_folder) as items:
            for item in items:
                if stop.is_set():
                    return
                try:
                    st = item.stat(follow_symlinks=False)
                except OSError:  # vanished between readdir and lstat
                    continue
                batch.append(_entry(item.path, item.name, st, owners, groups))
                if len(batch) >= _BATCH:
                    emit(batch)
                    batch = []
    except OSError as exc:
        raise from_os_error(folder, exc) from None
    emit(batch)


class LocalFS:
    """The local file system."""

    label = "local"
    can_replace = True

    def __init__(self, *, limits: ListingLimits | None = None) -> None:
        """`limits`: None reads them from settings.toml at each listing."""
        self.limits = limits

    def list(self, path: str) -> AsyncIterator[list[Entry]]:
        return capped(path, self._list(path), self.limits or configured_limits())

    async def _list(self, path: str) -> AsyncIterator[list[Entry]]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[list[Entry] | BaseException | None] = asyncio.Queue()
        stop = threading.Event()
        # Back-pressure: the scan runs at most this many batches ahead of the
        # consumer, so a folder bigger than the listing limit is not read in full.
        room = threading.Semaphore(_AHEAD)

        def emit(batch: list[Entry]) -> None:
            while not room.acquire(timeout=0.1):
                if stop.is_set():
                    raise _Stopped
            loop.call_soon_threadsafe(queue.put_nowait, batch)

        def run() -> None:
            try:
                _scan(path, emit, stop)
            except _Stopped:
                pass
            except BaseException as exc:  # handed to the consumer, raised there
                loop.call_soon_threadsafe(queue.put_nowait, exc)
            else:
                loop.call_soon_threadsafe(queue.put_nowait, None)

        worker = asyncio.ensure_future(asyncio.to_thread(run))
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                room.release()
                yield item
        finally:
            stop.set()
            await asyncio.shield(worker)

    async def realpath(self, path: str) -> str:
        return os.path.realpath(os.path.expanduser(path))

    async def home(self) -> str:
        return os.path.expanduser("~")

    async def stat(self, path: str) -> Entry:
        return await self._describe(path, follow=True)

    async def lstat(self, path: str) -> Entry:
        return await self._describe(path, follow=False)

    async def _describe(self, path: str, follow: bool) -> Entry:
        raw = encode_path(path)

        def describe() -> Entry:
            st = os.stat(raw) if follow else os.lstat(raw)
            return _entry(raw, basename(path), st, {}, {})

        return await _call(path, describe)

    async def exists(self, path: str) -> bool:
        return await asyncio.to_thread(os.path.lexists, encode_path(path))

    async def mkdir(self, path: str) -> None:
        await _call(path, os.mkdir, encode_path(path))

    async def rename(self, old: str, new: str, *, overwrite: bool = False) -> None:
        raw_old, raw_new = encode_path(old), encode_path(new)

        def move() -> None:
            if not os.path.lexists(raw_old):
                raise not_found(old)
            if overwrite:
                os.replace(raw_old, raw_new)
                return
            try:
                # A hard link fails when the name exists, with no window in
                # which another process could create it; folders cannot be
                # hard-linked, so they fall back to check-then-rename.
                os.link(raw_old, raw_new, follow_symlinks=False)
            except FileExistsError:
                raise name_exists(new) from None
            except OSError:
                if os.path.lexists(raw_new):
                    raise name_exists(new) from None
                os.rename(raw_old, raw_new)
            else:
                os.unlink(raw_old)

        await _call(old, move)

    async def remove(self, path: str, *, progress: RemoveProgress | None = None) -> int:
        return await remove_tree(path, progress, self.limits or configured_limits())

    async def chmod(self, path: str, mode: int) -> None:
        await _call(path, os.chmod, encode_path(path), mode)

    async def read_bytes(self, path: str, limit: int) -> bytes:
        def read() -> bytes:
            with open(encode_path(path), "rb") as handle:
                return handle.read(limit)

        return await _call(path, read)

    async def write_bytes_atomic(self, path: str, data: bytes) -> None:
        # Saving through a symlink updates its target; the link stays a link.
        raw = os.path.realpath(encode_path(path))
        folder, name = os.path.split(raw)
        temp = os.path.join(folder, b"." + name + f".sshdeck-{secrets.token_hex(4)}.tmp".encode())

        def write() -> None:
            try:
                mode = stat.S_IMODE(os.stat(raw).st_mode)
            except FileNotFoundError:
                mode = 0o666 & ~_umask()
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(temp, mode)
                os.replace(temp, raw)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise

        await _call(path, write)

    @contextlib.asynccontextmanager
    async def open_read(self, path: str) -> AsyncIterator["LocalStream"]:
        handle = await _call(path, open, encode_path(path), "rb")
        stream = LocalStream(path, handle)
        try:
            yield stream
        finally:
            await stream.close()

    @contextlib.asynccontextmanager
    async def open_write(self, path: str, *, exclusive: bool = False) -> AsyncIterator["LocalStream"]:
        handle = await _call(path, open, encode_path(path), "xb" if exclusive else "wb")
        stream = LocalStream(path, handle)
        try:
            yield stream
        finally:
            await stream.close()


class LocalStream:
    """An open local file; reads and writes run in a worker thread."""

    def __init__(self, path: str, handle) -> None:
        self.path = path
        self._handle = handle

    async def read(self, size: int = -1) -> bytes:
        return await _call(self.path, self._handle.read, size)

    async def write(self, data: bytes) -> None:
        await _call(self.path, self._handle.write, data)

    async def close(self) -> None:
        if not self._handle.closed:
            await _call(self.path, self._handle.close)


def _umask() -> int:
    # Read without a window where another thread sees a different umask:
    # /proc has it on Linux; elsewhere fall back to the usual 022.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


async def _call(path: str, func: Callable[..., _T], *args: object) -> _T:
    try:
        return await asyncio.to_thread(func, *args)
    except FileSystemError:
        raise
    except OSError as exc:
        raise from_os_error(path, exc) from None
