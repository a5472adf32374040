"""A folder on this machine as a transfer endpoint.

Every path is opened component by component from the root's descriptor with
O_NOFOLLOW (openat-style `dir_fd=`), so neither a hostile name nor a symlink
planted in the destination can redirect a write outside the chosen folder.
Small calls run inline (they are page-cache fast); fsync runs in a thread.
"""

from __future__ import annotations

import asyncio
import errno
import os
import stat as st
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Hashable

from sshdeck.core.fs.base import EntryKind
from sshdeck.core.fs.limits import ListingLimits, ListingTally, configured_limits, lowered
from sshdeck.core.transfer.durable import SyncGroup, fsync_in_thread, fsync_pool
from sshdeck.core.transfer.endpoints import Rel, Stat
from sshdeck.core.transfer.errors import TransferError
from sshdeck.core.transfer.names import POSIX, WINDOWS, NameRules, show

_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _kind(mode: int) -> EntryKind:
    if st.S_ISREG(mode):
        return EntryKind.FILE
    if st.S_ISDIR(mode):
        return EntryKind.DIR
    if st.S_ISLNK(mode):
        return EntryKind.LINK
    return EntryKind.OTHER


def _stat(result: os.stat_result) -> Stat:
    return Stat(_kind(result.st_mode), result.st_size, result.st_mtime, st.S_IMODE(result.st_mode))


class LocalReadFile:
    """A local regular file read with pread."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    async def read(self, offset: int, size: int) -> bytes:
        return os.pread(self.fd, size, offset)

    async def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


_scan_thread: ThreadPoolExecutor | None = None


def _scan_pool() -> ThreadPoolExecutor:
    """One thread for folder listings: a walk asks for many folders at once, and a thread per folder
    spends its time handing the interpreter lock around (a sync plan of 2 x 100,000 local files:
    1.6 s with a thread per folder, 0.95 s with this one)."""
    global _scan_thread
    if _scan_thread is None:
        _scan_thread = ThreadPoolExecutor(1, thread_name_prefix="sshdeck-scan")
    return _scan_thread


class LocalWriteFile:
    """A local temporary file written with pwrite, fsynced before it is committed."""

    # Start writeback every so often in a thread, so the final fsync of a big
    # file has little left to do instead of stalling for seconds at the end.
    SYNC_EVERY = 32 * 1024 * 1024
    THREADED_FROM = 64 * 1024

    # Files up to this size share a syncfs (SyncGroup); bigger ones are fsynced on their own.
    GROUP_SYNC_UP_TO = 1024 * 1024

    def __init__(self, fd: int, durable: bool, group: SyncGroup | None = None) -> None:
        self.fd = fd
        self.durable = durable
        self.group = group
        self.written = 0
        # Write big blocks in worker threads (a ranged copy turns this on).  Off for the one-channel copy:
        # on loopback the thread hand-off cost more than it saved (256 MiB get: 0.73 s vs 0.60 s, 2 cores).
        self.threaded = False
        self._unsynced = 0
        self._syncing: asyncio.Future[None] | None = None

    async def write(self, offset: int, data: bytes) -> None:
        if self.threaded and len(data) >= self.THREADED_FROM:
            # A big block is written in a worker thread: decrypting the next block overlaps with this write.
            await asyncio.to_thread(_pwrite_all, self.fd, data, offset)
        else:
            _pwrite_all(self.fd, data, offset)
        self._unsynced += len(data)
        self.written += len(data)
        if self.durable and self._unsynced >= self.SYNC_EVERY and (self._syncing is None or self._syncing.done()):
            if self._syncing is not None:
                self._syncing.result()
            self._unsynced = 0
            self._syncing = asyncio.ensure_future(asyncio.to_thread(os.fdatasync, self.fd))

    async def _settle(self) -> None:
        if self._syncing is not None:
            syncing, self._syncing = self._syncing, None
            await syncing

    async def finish(self, mtime: float | None, mode: int | None) -> str | None:
        await self._settle()
        if mode is not None:
            os.fchmod(self.fd, mode & 0o777)
        if mtime is not None:
            os.utime(self.fd, (mtime, mtime))
        if self.durable:
            if self.group is not None and self.written <= self.GROUP_SYNC_UP_TO:
                await self.group.sync(self.fd)
            else:
                await fsync_in_thread(self.fd)
        await self.close()
        return None

    async def close(self) -> None:
        try:
            await self._settle()
        except OSError:
            pass
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class LocalEndpoint:
    """A local folder; `windows`/`case_insensitive` None means detect."""

    is_remote = False
    block_size = 256 * 1024
    window = 8

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        windows: bool | None = None,
        case_insensitive: bool | None = None,
        durable: bool = True,
        limits: ListingLimits | None = None,
        group_sync: bool = True,
    ) -> None:
        """`group_sync` False: each file is fsynced on its own, for a copy of one file (`sshdeck cp` without -r),
        where a shared syncfs has nothing to share and writes back every dirty page of the file system
        (measured: 145 ms on the shared machine for a 1-byte get, against ~1 ms for its fsync)."""
        self.root = os.fsencode(os.path.abspath(os.fspath(root)))
        # How much of one folder a listing takes in (settings.toml [limits]).
        self.limits = limits or configured_limits()
        self.label = "local"
        self.durable = durable
        self._touched: set[Rel] = set()
        self._sync_group = SyncGroup()
        self._group_sync = group_sync
        windows = sys.platform == "win32" if windows is None else windows
        if case_insensitive is None:
            case_insensitive = windows or self._probe_case_insensitive()
        self.rules = NameRules(windows=windows, case_insensitive=case_insensitive) if windows or case_insensitive else POSIX
        if windows and case_insensitive:
            self.rules = WINDOWS

    def describe(self) -> str:
        return "local:" + os.fsdecode(self.root)

    def _probe_case_insensitive(self) -> bool:
        """Create a lower-case probe file and look for it under its upper-case name."""
        if not os.path.isdir(self.root):
            return False
        probe = os.path.join(self.root, b".sshdeck-case-probe-%d" % os.getpid())
        try:
            fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY | _NOFOLLOW, 0o600)
        except OSError:
            return False
        os.close(fd)
        try:
            return os.path.lexists(os.path.join(self.root, os.path.basename(probe).upper()))
        finally:
            os.unlink(probe)

    # -- descriptors ---------------------------------------------------------------

    def _open_dir(self, rel: Rel, follow: bool = False) -> int:
        fd = os.open(self.root, _DIR)
        try:
            for name in rel:
                try:
                    child = os.open(name, _DIR | (0 if follow else _NOFOLLOW), dir_fd=fd)
                except OSError as exc:
                    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                        raise TransferError(f"{show(rel)}: {name!r} is not a real folder (a link or a file)") from None
                    raise
                os.close(fd)
                fd = child
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _in_parent(self, rel: Rel, call, follow: bool = False):
        """Run `call(parent_fd, name)` for the last component of `rel`."""
        if not rel:
            raise TransferError("the folder itself is not a file")
        fd = self._open_dir(rel[:-1], follow)
        try:
            return call(fd, rel[-1])
        finally:
            os.close(fd)

    # -- Endpoint ------------------------------------------------------------------

    async def lstat(self, rel: Rel) -> Stat | None:
        try:
            if not rel:
                return _stat(os.stat(self.root))
            return _stat(self._in_parent(rel, lambda fd, n: os.stat(n, dir_fd=fd, follow_symlinks=False)))
        except FileNotFoundError:
            return None

    async def stat(self, rel: Rel) -> Stat | None:
        try:
            if not rel:
                return _stat(os.stat(self.root))
            return _stat(self._in_parent(rel, lambda fd, n: os.stat(n, dir_fd=fd), follow=True))
        except FileNotFoundError:
            return None

    async def scandir(self, rel: Rel, follow: bool = False, max_entries: int | None = None) -> list[tuple[bytes, Stat]]:
        limits = lowered(self.limits, max_entries)

        def read() -> list[tuple[bytes, Stat]]:
            fd = self._open_dir(rel, follow)
            tally = ListingTally(os.fsdecode(b"/".join((self.root.rstrip(b"/") or b"", *rel)) or b"/"), limits)
            try:
                out = []
                # Streamed (scandir, not listdir): the limit stops a huge folder early.
                names = []
                with os.scandir(fd) as items:
                    for item in items:
                        names.append(os.fsencode(item.name))
                        tally.add_one(names[-1])
                for name in names:
                    try:
                        out.append((name, _stat(os.stat(name, dir_fd=fd, follow_symlinks=False))))
                    except FileNotFoundError:
                        continue
                return out
            finally:
                os.close(fd)

        return await asyncio.get_running_loop().run_in_executor(_scan_pool(), read)

    async def identity(self, rel: Rel) -> Hashable:
        fd = self._open_dir(rel, follow=True)
        try:
            result = os.fstat(fd)
            return (result.st_dev, result.st_ino)
        finally:
            os.close(fd)

    async def open_read(self, rel: Rel, follow: bool = False, checked: bool = False) -> LocalReadFile:
        # Always checked here: fstat on the opened descriptor is free locally.
        del checked
        flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | (0 if follow else _NOFOLLOW) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = self._in_parent(rel, lambda d, n: os.open(n, flags, dir_fd=d), follow=follow)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise TransferError(f"{show(rel)}: is a symbolic link (not followed)") from None
            raise
        if not st.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise TransferError(f"{show(rel)}: not a regular file")
        return LocalReadFile(fd)

    async def make_dir(self, rel: Rel) -> bool:
        def make(fd: int, name: bytes) -> bool:
            try:
                os.mkdir(name, 0o777, dir_fd=fd)
                return True
            except FileExistsError:
                existing = os.stat(name, dir_fd=fd, follow_symlinks=False)
                if not st.S_ISDIR(existing.st_mode):
                    raise TransferError(f"{show((name,))}: exists and is not a folder") from None
                return False

        return bool(rel) and self._in_parent(rel, make)

    async def open_part(self, rel: Rel, resume: bool, fresh: bool = False) -> tuple[LocalWriteFile, int]:
        cloexec = getattr(os, "O_CLOEXEC", 0)

        def open_part(fd: int, name: bytes) -> tuple[int, int]:
            if resume:
                try:
                    part = os.open(name, os.O_WRONLY | _NOFOLLOW | cloexec, dir_fd=fd)
                    info = os.fstat(part)
                    if st.S_ISREG(info.st_mode):
                        return part, info.st_size
                    os.close(part)
                except (FileNotFoundError, OSError):
                    pass
            try:
                os.unlink(name, dir_fd=fd)
            except FileNotFoundError:
                pass
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | cloexec
            return os.open(name, flags, 0o600, dir_fd=fd), 0

        if self._sync_group.usable and not resume:
            # Inline: with no fsyncs of their own in flight, creating a file is page-cache fast, and the
            # thread hand-off per file was most of its cost (2,000 x 4 KiB get).
            part_fd, length = self._in_parent(rel, open_part)
        else:
            # In a thread: creating a file waits for the file system's journal while other files' fsyncs run.
            part_fd, length = await asyncio.get_running_loop().run_in_executor(
                fsync_pool(), self._in_parent, rel, open_part)
        return LocalWriteFile(part_fd, self.durable, self._sync_group if self._group_sync else None), length

    async def clone(self, src: Rel, dst: Rel) -> None:
        source = await self.open_read(src)
        target, _ = await self.open_part(dst, resume=False)
        try:
            await asyncio.to_thread(_copy_fd, source.fd, target.fd)
        finally:
            await source.close()
            await target.close()

    async def commit(self, part: Rel, final: Rel) -> str | None:
        if part[:-1] != final[:-1]:
            raise TransferError("temporary and final name must share a folder")

        def replace(fd: int, name: bytes) -> None:
            # rename(2) replaces a symlink at the final name itself, never its target.
            os.replace(part[-1], name, src_dir_fd=fd, dst_dir_fd=fd)

        self._in_parent(final, replace)
        # The folder is fsynced once at the end (flush): until then a crash can only
        # bring back the old file, never lose both.
        self._touched.add(final[:-1])
        return None

    async def flush(self) -> None:
        if not self.durable:
            return
        folders, self._touched = self._touched, set()

        def sync_all() -> None:
            for rel in folders:
                try:
                    fd = self._open_dir(rel)
                except (OSError, TransferError):
                    continue
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)

        await asyncio.to_thread(sync_all)

    async def unlink(self, rel: Rel) -> None:
        self._in_parent(rel, lambda fd, n: os.unlink(n, dir_fd=fd))

    async def rmdir(self, rel: Rel) -> None:
        self._in_parent(rel, lambda fd, n: os.rmdir(n, dir_fd=fd))

    async def alive(self) -> bool:
        return True

    async def reconnect(self) -> None:
        return None

    async def close(self) -> None:
        return None


def _copy_fd(src: int, dst: int) -> None:
    while True:
        chunk = os.read(src, 1 << 20)
        if not chunk:
            return
        os.write(dst, chunk)
