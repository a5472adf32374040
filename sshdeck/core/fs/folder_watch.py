"""Noticing that a local folder changed outside sshdeck, so its pane can reload.

Linux's inotify (through ctypes: no dependency) reports changes at once;
elsewhere, or when inotify is unavailable (out of watches), the folder is
polled: its own mtime every second, and a cheap signature of its entries
(names, sizes, mtimes) for folders of up to a few thousand entries, which
also catches a file that grew in place.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import os
import sys
from typing import Callable

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
SIGNATURE_LIMIT = 5000  # entries; bigger folders are watched by their mtime only
SETTLE_SECONDS = 0.3  # a burst of events (an unpacked archive) gives one reload

# inotify event masks (linux/inotify.h)
_IN_MODIFY = 0x002
_IN_ATTRIB = 0x004
_IN_CLOSE_WRITE = 0x008
_IN_MOVED_FROM = 0x040
_IN_MOVED_TO = 0x080
_IN_CREATE = 0x100
_IN_DELETE = 0x200
_IN_DELETE_SELF = 0x400
_IN_MOVE_SELF = 0x800
_MASK = (_IN_MODIFY | _IN_ATTRIB | _IN_CLOSE_WRITE | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE
         | _IN_DELETE_SELF | _IN_MOVE_SELF)
_IN_NONBLOCK = os.O_NONBLOCK
_IN_CLOEXEC = os.O_CLOEXEC


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.inotify_init1.argtypes = [ctypes.c_int]
        libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        return libc
    except (OSError, AttributeError):
        return None


def signature(folder: str) -> tuple:
    """What a listing of `folder` would show, cheaply: its mtime, and its entries when there are few."""
    info = os.stat(folder)
    entries: list[tuple] = []
    try:
        with os.scandir(folder) as it:
            for count, entry in enumerate(it):
                if count >= SIGNATURE_LIMIT:
                    entries = []
                    break
                try:
                    st = entry.stat(follow_symlinks=False)
                    entries.append((entry.name, st.st_size, st.st_mtime_ns, st.st_mode))
                except OSError:
                    entries.append((entry.name,))
    except OSError:
        pass
    return (info.st_ino, info.st_mtime_ns, tuple(sorted(entries)))


class FolderWatch:
    """Calls `changed()` (on the event loop) when `folder` changes; `close()` stops watching."""

    def __init__(self, folder: str, changed: Callable[[], None], *, use_inotify: bool = True) -> None:
        self.folder = folder
        self.changed = changed
        self.mode = "poll"
        self._fd: int | None = None
        self._task: asyncio.Task | None = None
        self._pending: asyncio.TimerHandle | None = None
        self._loop = asyncio.get_running_loop()
        libc = _libc() if use_inotify else None
        if libc is not None:
            fd = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
            if fd >= 0 and libc.inotify_add_watch(fd, os.fsencode(folder), _MASK) >= 0:
                self._fd = fd
                self.mode = "inotify"
                self._loop.add_reader(fd, self._on_events)
            elif fd >= 0:
                os.close(fd)
        if self._fd is None:
            self._task = self._loop.create_task(self._poll())

    def _on_events(self) -> None:
        try:
            while os.read(self._fd, 65536):  # type: ignore[arg-type]
                pass
        except BlockingIOError:
            pass
        except OSError:
            return
        self._soon()

    def _soon(self) -> None:
        if self._pending is None:
            self._pending = self._loop.call_later(SETTLE_SECONDS, self._fire)

    def _fire(self) -> None:
        self._pending = None
        try:
            self.changed()
        except Exception:  # noqa: BLE001 - a watcher must never take the app down
            log.exception("reacting to a change in %s failed", self.folder)

    async def _poll(self) -> None:
        try:
            before = await asyncio.to_thread(signature, self.folder)
        except OSError:
            return
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                now = await asyncio.to_thread(signature, self.folder)
            except OSError:  # the folder went away: the pane finds out when it reloads
                self._fire()
                return
            if now != before:
                before = now
                self._fire()

    def close(self) -> None:
        if self._fd is not None:
            self._loop.remove_reader(self._fd)
            os.close(self._fd)
            self._fd = None
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None


