"""Making written files durable: fsync in threads, and a group commit by syncfs(2) for many small files.

A download is renamed onto its final name only after its data is on disk;
`_fsync` runs each fsync in a thread of its own pool, and `SyncGroup` lets
many small files share a few syncfs calls of their file system instead.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import sys
from concurrent.futures import ThreadPoolExecutor

_FSYNC_THREADS = 32
_fsync_threads: ThreadPoolExecutor | None = None


def fsync_pool() -> ThreadPoolExecutor:
    """Threads for fsync: many small files' fsyncs in flight at once share the file system's journal commits
    (ext4: 2,000 x 4 KiB with 6 threads ~450 us a file, with 32 ~240 us)."""
    global _fsync_threads
    if _fsync_threads is None:
        _fsync_threads = ThreadPoolExecutor(_FSYNC_THREADS, thread_name_prefix="sshdeck-fsync")
    return _fsync_threads



def _load_syncfs():
    """libc's syncfs(2) (Linux), or None where there is none.

    Looked up among the symbols the interpreter has already loaded (its libc), not by
    `ctypes.util.find_library("c")`: that runs `ldconfig -p` in a child process, ~5-30 ms
    of every `sshdeck cp` start.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.syncfs
    except (OSError, AttributeError):
        return None
    call.argtypes, call.restype = [ctypes.c_int], ctypes.c_int

    def syncfs(fd: int) -> None:
        if call(fd) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))

    return syncfs


# None: no syncfs here (each file is fsynced).  Tests replace it to count calls or to make it fail.
_syncfs = _load_syncfs()


class SyncGroup:
    """Many small files made durable by a few syncfs(2) of their file system, not one fsync each.

    A group commit: a file whose data and attributes are written asks `sync(fd)`
    and is answered when a syncfs that *began after its request* has returned;
    the files that ask while the syncfs calls in flight run share the next one.
    Each file is renamed onto its final name only after that answer, so the
    promise holds: durable before the final name.  Up to `AT_ONCE` calls run at
    once (the file system merges them into its journal commits), so a slow one
    does not hold every file behind it.  Where syncfs is missing, or one fails
    (since Linux 5.8 it reports writeback errors), every file of that round is
    fsynced on its own, and so is every later file.  So is every file after a
    syncfs that took longer than `SLOW`: syncfs writes back *everything* dirty on
    the file system, and while another program writes a lot, that is slower than
    one fsync per file (measured on a shared machine: a loaded disk made the
    shared syncfs rounds the slower way).
    """

    AT_ONCE = 4
    SLOW = 0.05  # seconds (a quiet ext4 disk: 5-30 ms a call)

    def __init__(self) -> None:
        self.usable = _syncfs is not None
        self._next: dict[int, tuple[asyncio.Future[bool], int]] = {}  # device -> (answer, a descriptor on it)
        self._running: dict[int, int] = {}  # device -> calls in flight

    async def sync(self, fd: int) -> None:
        if not self.usable:
            await fsync_in_thread(fd)
            return
        device = os.fstat(fd).st_dev
        waiting = self._next.get(device)
        if waiting is None:
            waiting = self._next[device] = (asyncio.get_running_loop().create_future(), os.dup(fd))
            if self._running.get(device, 0) < self.AT_ONCE:
                self._running[device] = self._running.get(device, 0) + 1
                asyncio.ensure_future(self._rounds(device))
        # Shielded: one file's cancellation must not cancel the answer the others wait for.
        if not await asyncio.shield(waiting[0]):
            await fsync_in_thread(fd)  # syncfs failed or is missing: this file is fsynced on its own

    async def _rounds(self, device: int) -> None:
        loop = asyncio.get_running_loop()
        try:
            while device in self._next:
                answer, fd = self._next.pop(device)
                ok = False
                try:
                    if self.usable and _syncfs is not None:
                        began = loop.time()
                        await loop.run_in_executor(fsync_pool(), _syncfs, fd)
                        ok = True
                        if loop.time() - began > self.SLOW:
                            self.usable = False  # this round's files are durable; later ones fsync alone
                except OSError:
                    self.usable = False
                finally:
                    os.close(fd)
                    if not answer.done():
                        answer.set_result(ok)
        finally:
            self._running[device] -= 1


async def fsync_in_thread(fd: int) -> None:
    await asyncio.get_running_loop().run_in_executor(fsync_pool(), os.fsync, fd)
