"""Deleting a local file or folder tree without ever following a symlink.

The walk holds each folder open and works relative to that descriptor
(`O_NOFOLLOW`, `dir_fd=`), like `shutil.rmtree`'s safe variant: if a
folder is swapped for a symlink while we delete, opening it fails instead of
deleting the link's target.  It runs in a worker thread; cancelling the
awaiting task stops it between two items.
"""

from __future__ import annotations

import asyncio
import os
import posixpath
import stat
import threading

from sshdeck.core.fs.base import FileSystemError, RemoveProgress, encode_path, join
from sshdeck.core.fs.errors import from_os_error, refused, stopped_after
from sshdeck.core.fs.limits import ListingLimitError, ListingLimits, ListingTally
from sshdeck.core.fs.removal_counter import RemovalCounter

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class _Stopped(Exception):
    """The awaiting task was cancelled."""


class _Walk(RemovalCounter):
    """One removal's state, shared between the worker thread and the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, progress: RemoveProgress | None, limits: ListingLimits) -> None:
        super().__init__(progress, deliver=loop.call_soon_threadsafe)
        self.limits = limits
        self.stop = threading.Event()
        self.current = ""

    def check(self) -> None:
        if self.stop.is_set():
            raise _Stopped

    def run(self, path: str) -> None:
        self.current = path
        raw = encode_path(path)
        try:
            st = os.lstat(raw)
            if not stat.S_ISDIR(st.st_mode):
                os.unlink(raw)
                self.removed(path)
                return
            folder, name = posixpath.split(path.rstrip("/"))
            if not name:
                raise refused(path, "will not delete the root folder")
            # The folder the user is in may be reached through a symlink:
            # follow it; below it, nothing is followed.
            parent_fd = os.open(encode_path(folder) if folder else b".", _DIR_FLAGS & ~os.O_NOFOLLOW)
            try:
                self._remove_folder(parent_fd, name, path)
            finally:
                os.close(parent_fd)
        except OSError as exc:
            raise stopped_after(from_os_error(self.current, exc), self.count) from None
        except ListingLimitError as exc:
            raise stopped_after(exc, self.count) from None

    def _remove_folder(self, top_parent: int, top_name: str, top_path: str) -> None:
        # An explicit stack, not recursion: a deep tree must not hit the
        # recursion limit.  Each frame: (parent fd, name, path, fd, children).
        frames: list[tuple[int, str, str, int, object]] = []

        def enter(parent_fd: int, name: str, path: str) -> None:
            self.current = path
            fd = os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
            try:
                tally = ListingTally(path, self.limits)  # capped like every listing
                children = []
                with os.scandir(fd) as items:
                    for item in items:
                        tally.add_one(os.fsencode(item.name))
                        children.append((item.name, item.is_dir(follow_symlinks=False)))
            except BaseException:
                os.close(fd)
                raise
            frames.append((parent_fd, name, path, fd, iter(children)))

        enter(top_parent, top_name, top_path)
        try:
            while frames:
                parent_fd, name, path, fd, children = frames[-1]
                for child, is_dir in children:  # type: ignore[attr-defined]
                    self.check()
                    child_path = join(path, os.fsencode(child))
                    if is_dir:
                        enter(fd, child, child_path)
                        break
                    self.current = child_path
                    os.unlink(child, dir_fd=fd)
                    self.removed(child_path)
                else:
                    frames.pop()
                    os.close(fd)
                    self.current = path
                    os.rmdir(name, dir_fd=parent_fd)
                    self.removed(path)
        finally:
            for frame in frames:
                os.close(frame[3])


async def remove_tree(path: str, progress: RemoveProgress | None, limits: ListingLimits) -> int:
    """Remove `path` (a file, a link or a folder tree); returns how many items went."""
    walk = _Walk(asyncio.get_running_loop(), progress, limits)

    def run() -> None:
        try:
            walk.run(path)
        except _Stopped:
            pass

    worker = asyncio.ensure_future(asyncio.to_thread(run))
    try:
        await asyncio.shield(worker)
    except asyncio.CancelledError:
        walk.stop.set()
        # Wait for the thread to let go of the tree before reporting back.
        try:
            await worker
        except (FileSystemError, asyncio.CancelledError):
            pass
        raise
    finally:
        walk.final_report()
    return walk.count
