"""A remote file system over one asyncssh SFTP client."""

from __future__ import annotations

import stat
from typing import AsyncIterator

import asyncssh

from sshdeck.core.fs.base import Entry, EntryKind, FileSystemError, join


def _kind(permissions: int | None, file_type: int) -> EntryKind:
    if permissions is not None:
        mode = permissions
        if stat.S_ISDIR(mode):
            return EntryKind.DIR
        if stat.S_ISREG(mode):
            return EntryKind.FILE
        if stat.S_ISLNK(mode):
            return EntryKind.LINK
    return {
        asyncssh.FILEXFER_TYPE_DIRECTORY: EntryKind.DIR,
        asyncssh.FILEXFER_TYPE_REGULAR: EntryKind.FILE,
        asyncssh.FILEXFER_TYPE_SYMLINK: EntryKind.LINK,
    }.get(file_type, EntryKind.OTHER)


def _message(path: str, exc: Exception) -> str:
    if isinstance(exc, asyncssh.SFTPNoSuchFile):
        return f"{path}: no such file or folder"
    if isinstance(exc, asyncssh.SFTPPermissionDenied):
        return f"{path}: permission denied"
    if isinstance(exc, asyncssh.SFTPError):
        return f"{path}: {exc.reason or 'the server refused'}"
    return f"{path}: {exc}"


class SftpFS:
    """A folder tree on an SFTP server."""

    def __init__(self, sftp: asyncssh.SFTPClient, label: str) -> None:
        self.sftp = sftp
        self.label = label

    async def list(self, path: str) -> AsyncIterator[list[Entry]]:
        raw_path = path.encode("utf-8", errors="surrogateescape")
        batch: list[Entry] = []
        links: list[int] = []
        try:
            async for item in self.sftp.scandir(raw_path):
                name = item.filename
                if isinstance(name, str):
                    name = name.encode("utf-8", errors="surrogateescape")
                if name in (b".", b".."):
                    continue
                attrs = item.attrs
                kind = _kind(attrs.permissions, attrs.type)
                if kind is EntryKind.LINK:
                    links.append(len(batch))
                batch.append(
                    Entry(
                        name=name,
                        kind=kind,
                        size=attrs.size or 0,
                        mtime=attrs.mtime,
                        mode=stat.S_IMODE(attrs.permissions) if attrs.permissions is not None else None,
                        owner=attrs.owner,
                        group=attrs.group,
                    )
                )
                if len(batch) >= 2000:
                    yield await self._with_links(path, batch, links)
                    batch, links = [], []
        except (asyncssh.SFTPError, OSError) as exc:
            raise FileSystemError(_message(path, exc)) from None
        yield await self._with_links(path, batch, links)

    async def _with_links(self, folder: str, batch: list[Entry], links: list[int]) -> list[Entry]:
        for index in links:
            batch[index] = await self._resolve_link(folder, batch[index])
        return batch

    async def _resolve_link(self, folder: str, entry: Entry) -> Entry:
        full = join(folder, entry.name).encode("utf-8", errors="surrogateescape")
        try:
            target = await self.sftp.readlink(full)
        except (asyncssh.SFTPError, OSError):
            target = "?"
        if isinstance(target, bytes):
            target = target.decode("utf-8", errors="surrogateescape")
        try:
            target_is_dir = await self.sftp.isdir(full)
        except (asyncssh.SFTPError, OSError):
            target_is_dir = False
        return Entry(
            name=entry.name,
            kind=entry.kind,
            size=entry.size,
            mtime=entry.mtime,
            mode=entry.mode,
            owner=entry.owner,
            group=entry.group,
            link_target=target,
            target_is_dir=target_is_dir,
        )

    async def realpath(self, path: str) -> str:
        try:
            result = await self.sftp.realpath(path.encode("utf-8", errors="surrogateescape"))
        except (asyncssh.SFTPError, OSError) as exc:
            raise FileSystemError(_message(path, exc)) from None
        if isinstance(result, bytes):
            result = result.decode("utf-8", errors="surrogateescape")
        return result

    async def home(self) -> str:
        return await self.realpath(".")
