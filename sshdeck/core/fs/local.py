"""This machine's file system, listed off the event loop."""

from __future__ import annotations

import asyncio
import os
import stat
from typing import AsyncIterator

from sshdeck.core.fs.base import Entry, EntryKind, FileSystemError

_BATCH = 2000


def _kind(mode: int) -> EntryKind:
    if stat.S_ISDIR(mode):
        return EntryKind.DIR
    if stat.S_ISREG(mode):
        return EntryKind.FILE
    if stat.S_ISLNK(mode):
        return EntryKind.LINK
    return EntryKind.OTHER


def _entry(folder: bytes, name: bytes) -> Entry:
    path = os.path.join(folder, name)
    try:
        st = os.lstat(path)
    except OSError:
        return Entry(name=name, kind=EntryKind.OTHER)
    kind = _kind(st.st_mode)
    target = None
    target_is_dir = False
    if kind is EntryKind.LINK:
        try:
            target = os.fsdecode(os.readlink(path))
            target_is_dir = os.path.isdir(path)
        except OSError:
            target = "?"
    return Entry(
        name=name,
        kind=kind,
        size=st.st_size,
        mtime=st.st_mtime,
        mode=stat.S_IMODE(st.st_mode),
        link_target=target,
        target_is_dir=target_is_dir,
    )


def _read_batches(path: str) -> list[list[Entry]]:
    folder = os.fsencode(path)
    try:
        names = os.listdir(folder)
    except OSError as exc:
        raise FileSystemError(f"{path}: {exc.strerror or exc}") from None
    entries = [_entry(folder, name) for name in names]
    return [entries[i : i + _BATCH] for i in range(0, len(entries), _BATCH)] or [[]]


class LocalFS:
    """The local file system."""

    label = "local"

    async def list(self, path: str) -> AsyncIterator[list[Entry]]:
        for batch in await asyncio.to_thread(_read_batches, path):
            yield batch

    async def realpath(self, path: str) -> str:
        return os.path.realpath(os.path.expanduser(path))

    async def home(self) -> str:
        return os.path.expanduser("~")
