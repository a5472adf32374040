"""A remote file system over one asyncssh SFTP client.

Every path is sent as raw bytes (`encode_path`), so names that are not
UTF-8 round-trip; every asyncssh error becomes a `FileSystemError`.
"""

from __future__ import annotations

import contextlib
import posixpath
import secrets
import stat
from typing import AsyncIterator, Iterator

import asyncssh

from sshdeck.core.fs.base import Entry, EntryKind, RemoveProgress, basename, encode_path, join, parent
from sshdeck.core.fs.errors import FileSystemError, NotFoundError, from_sftp_error, name_exists, not_found
from sshdeck.core.fs.limits import ListingLimits, capped, configured_limits
from sshdeck.core.fs.names import display_name
from sshdeck.core.fs.sftp_listing import list_folder
from sshdeck.core.fs.sftp_remove import remove_tree

_KINDS = {stat.S_IFDIR: EntryKind.DIR, stat.S_IFREG: EntryKind.FILE, stat.S_IFLNK: EntryKind.LINK}


@contextlib.contextmanager
def sftp_errors(path: str) -> Iterator[None]:
    """Turn asyncssh's and the socket's exceptions into `FileSystemError`s about `path`."""
    try:
        yield
    except FileSystemError:
        raise
    except (asyncssh.Error, OSError, EOFError) as exc:
        raise from_sftp_error(path, exc) from None


def _kind(attrs: asyncssh.SFTPAttrs) -> EntryKind:
    if attrs.permissions is not None and stat.S_IFMT(attrs.permissions):
        return _KINDS.get(stat.S_IFMT(attrs.permissions), EntryKind.OTHER)
    return {
        asyncssh.FILEXFER_TYPE_DIRECTORY: EntryKind.DIR,
        asyncssh.FILEXFER_TYPE_REGULAR: EntryKind.FILE,
        asyncssh.FILEXFER_TYPE_SYMLINK: EntryKind.LINK,
    }.get(attrs.type, EntryKind.OTHER)


def _entry(name: bytes, attrs: asyncssh.SFTPAttrs) -> Entry:
    perms = attrs.permissions
    return Entry(
        name=name,
        kind=_kind(attrs),
        size=attrs.size or 0,
        mtime=attrs.mtime,
        mode=stat.S_IMODE(perms) if perms is not None else None,
        owner=display_name(attrs.owner.encode()) if attrs.owner else None,
        group=display_name(attrs.group.encode()) if attrs.group else None,
        uid=attrs.uid,
        gid=attrs.gid,
    )


class SftpFS:
    """A folder tree on an SFTP server."""

    def __init__(self, sftp: asyncssh.SFTPClient, label: str, *, limits: ListingLimits | None = None) -> None:
        """`limits`: None reads them from settings.toml at each listing."""
        self.sftp = sftp
        self.label = label
        self.limits = limits

    @property
    def can_replace(self) -> bool:
        # OpenSSH's posix-rename extension, or SFTP v5's overwrite flag.
        handler = getattr(self.sftp, "_handler", None)
        return bool(getattr(handler, "_supports_posix_rename", False)) or getattr(self.sftp, "version", 3) >= 5

    def list(self, path: str) -> AsyncIterator[list[Entry]]:
        return capped(path, list_folder(self.sftp, path), self.limits or configured_limits())

    async def realpath(self, path: str) -> str:
        with sftp_errors(path):
            result = await self.sftp.realpath(encode_path(path))
        if isinstance(result, bytes):
            result = result.decode("utf-8", errors="surrogateescape")
        return result

    async def home(self) -> str:
        return await self.realpath(".")

    async def stat(self, path: str) -> Entry:
        with sftp_errors(path):
            attrs = await self.sftp.stat(encode_path(path))
        return _entry(basename(path), attrs)

    async def lstat(self, path: str) -> Entry:
        raw = encode_path(path)
        with sftp_errors(path):
            attrs = await self.sftp.lstat(raw)
        entry = _entry(basename(path), attrs)
        if entry.kind is EntryKind.LINK:
            try:
                target = await self.sftp.readlink(raw)
                entry.link_target = display_name(target if isinstance(target, bytes) else encode_path(target))
                entry.target_is_dir = await self.sftp.isdir(raw)
            except (asyncssh.SFTPError, OSError):
                entry.link_target = entry.link_target or "?"
        return entry

    async def exists(self, path: str) -> bool:
        try:
            with sftp_errors(path):
                await self.sftp.lstat(encode_path(path))
        except NotFoundError:
            return False
        return True

    async def mkdir(self, path: str) -> None:
        with sftp_errors(path):
            try:
                await self.sftp.mkdir(encode_path(path))
            except asyncssh.SFTPFailure:
                # SFTP v3 has no "already exists" status: OpenSSH says "Failure".
                if await self.exists(path):
                    raise name_exists(path) from None
                raise

    async def rename(self, old: str, new: str, *, overwrite: bool = False) -> None:
        raw_old, raw_new = encode_path(old), encode_path(new)
        if overwrite and self.can_replace:
            with sftp_errors(old):
                await self.sftp.posix_rename(raw_old, raw_new)
            return
        # A plain SFTP v3 rename refuses an existing file, but OpenSSH's
        # replaces an empty folder: check first so neither happens silently.
        if await self.exists(new):
            if overwrite:
                raise name_exists(new, "this server cannot replace a name in one step; delete it first")
            raise name_exists(new)
        with sftp_errors(old):
            try:
                await self.sftp.rename(raw_old, raw_new)
            except asyncssh.SFTPFailure:
                if not await self.exists(old):
                    raise not_found(old) from None
                if await self.exists(new):
                    raise name_exists(new) from None
                raise

    async def remove(self, path: str, *, progress: RemoveProgress | None = None) -> int:
        return await remove_tree(self.sftp, path, progress, self.limits or configured_limits())

    async def chmod(self, path: str, mode: int) -> None:
        with sftp_errors(path):
            await self.sftp.chmod(encode_path(path), mode)

    async def read_bytes(self, path: str, limit: int) -> bytes:
        with sftp_errors(path):
            async with self.sftp.open(encode_path(path), "rb") as handle:
                return await handle.read(limit)

    async def write_bytes_atomic(self, path: str, data: bytes) -> None:
        # Saving through a symlink updates its target; the link stays a link.
        with contextlib.suppress(FileSystemError):
            if (await self.lstat(path)).kind is EntryKind.LINK:
                path = await self.realpath(path)
        raw = encode_path(path)
        name = posixpath.basename(path.rstrip("/"))
        temp = encode_path(join(parent(path), f".{name}.sshdeck-{secrets.token_hex(4)}.tmp"))
        try:
            with sftp_errors(path):
                mode: int | None = stat.S_IMODE((await self.sftp.stat(raw)).permissions or 0o644)
        except NotFoundError:
            mode = None
        try:
            with sftp_errors(path):
                # Private until complete: the old file may have been private too.
                attrs = asyncssh.SFTPAttrs(permissions=0o600)
                async with self.sftp.open(temp, "xb", attrs) as handle:
                    await handle.write(data)
                await self.sftp.chmod(temp, mode if mode is not None else 0o644)
                await self._replace(temp, raw, exists=mode is not None)
        except BaseException:
            with contextlib.suppress(asyncssh.Error, OSError):
                await self.sftp.remove(temp)
            raise

    async def _replace(self, temp: bytes, raw: bytes, *, exists: bool) -> None:
        if self.can_replace:
            await self.sftp.posix_rename(temp, raw)
        elif not exists:
            await self.sftp.rename(temp, raw)
        else:
            # No atomic replace on this server: move the old file aside and
            # put it back if the new one cannot take its place.
            backup = temp + b".old"
            await self.sftp.rename(raw, backup)
            try:
                await self.sftp.rename(temp, raw)
            except BaseException:
                await self.sftp.rename(backup, raw)
                raise
            await self.sftp.remove(backup)

    @contextlib.asynccontextmanager
    async def open_read(self, path: str) -> AsyncIterator["SftpStream"]:
        with sftp_errors(path):
            handle = await self.sftp.open(encode_path(path), "rb")
        stream = SftpStream(path, handle)
        try:
            yield stream
        finally:
            await stream.close()

    @contextlib.asynccontextmanager
    async def open_write(self, path: str, *, exclusive: bool = False) -> AsyncIterator["SftpStream"]:
        with sftp_errors(path):
            try:
                handle = await self.sftp.open(encode_path(path), "xb" if exclusive else "wb")
            except asyncssh.SFTPFailure:
                if exclusive and await self.exists(path):
                    raise name_exists(path) from None
                raise
        stream = SftpStream(path, handle)
        try:
            yield stream
        finally:
            await stream.close()


class SftpStream:
    """An open remote file; errors come out as `FileSystemError`."""

    def __init__(self, path: str, handle: asyncssh.SFTPClientFile) -> None:
        self.path = path
        self._handle = handle
        self._closed = False

    async def read(self, size: int = -1) -> bytes:
        with sftp_errors(self.path):
            return await self._handle.read(size)

    async def write(self, data: bytes) -> None:
        with sftp_errors(self.path):
            await self._handle.write(data)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            with sftp_errors(self.path):
                await self._handle.close()
