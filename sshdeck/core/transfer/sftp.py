"""A folder on an SFTP server (one asyncssh session) as a transfer endpoint.

Files are opened with asyncssh's block size set to 0 so each `read`/`write`
is exactly one SFTP request; the engine keeps many of them in flight itself
and checks every reply (a server that answers a read with more bytes than
asked is caught here).  Request size stays asyncssh's default: the server's
`limits@openssh.com` values.
"""

from __future__ import annotations

import asyncio
import contextlib
import stat as st
from typing import Awaitable, Callable, Hashable, Iterator

import asyncssh
from asyncssh import FXF_CREAT, FXF_EXCL, FXF_READ, FXF_WRITE, SFTPAttrs

from sshdeck.core.fs.base import EntryKind
from sshdeck.core.fs.errors import ConnectionLostError as FsConnectionLost
from sshdeck.core.fs.errors import FileSystemError
from sshdeck.core.fs.limits import ListingLimitError, ListingLimits, capped, configured_limits, lowered
from sshdeck.core.fs.sftp_listing import list_folder
from sshdeck.core.inert import inert
from sshdeck.core.transfer.coalesce import coalesce_writes, quiet_request_logs
from sshdeck.core.transfer.endpoints import Rel, Stat
from sshdeck.core.transfer.errors import ConnectionLostError, TransferError
from sshdeck.core.transfer.names import POSIX, NameRules, show

Reconnect = Callable[[], Awaitable[asyncssh.SFTPClient]]

_TYPES = {
    asyncssh.FILEXFER_TYPE_DIRECTORY: EntryKind.DIR,
    asyncssh.FILEXFER_TYPE_REGULAR: EntryKind.FILE,
    asyncssh.FILEXFER_TYPE_SYMLINK: EntryKind.LINK,
}


def _stat(attrs: SFTPAttrs) -> Stat:
    kind = _TYPES.get(attrs.type, EntryKind.OTHER)
    if attrs.permissions is not None and st.S_IFMT(attrs.permissions):
        mode = attrs.permissions
        kind = (
            EntryKind.FILE if st.S_ISREG(mode)
            else EntryKind.DIR if st.S_ISDIR(mode)
            else EntryKind.LINK if st.S_ISLNK(mode)
            else EntryKind.OTHER
        )
    mode = st.S_IMODE(attrs.permissions) if attrs.permissions is not None else None
    mtime = attrs.mtime if attrs.mtime is not None else None
    return Stat(kind, attrs.size or 0, mtime, mode)


class SftpReadFile:
    """A remote file; every read is one SFTP request whose reply is checked."""

    def __init__(self, handle: asyncssh.SFTPClientFile, rel: Rel) -> None:
        self.handle = handle
        self.rel = rel

    async def read(self, offset: int, size: int) -> bytes:
        data = await self.handle.read(size, offset)
        if len(data) > size:
            raise TransferError(
                f"{show(self.rel)}: the server sent {len(data)} bytes for a {size}-byte read (refused)"
            )
        return data

    async def close(self) -> None:
        try:
            await self.handle.close()
        except (asyncssh.Error, OSError):
            pass


class SftpWriteFile:
    """A remote temporary file; writes are single requests, pipelined by the engine."""

    def __init__(self, handle: asyncssh.SFTPClientFile, durable: bool) -> None:
        self.handle = handle
        self.durable = durable

    async def write(self, offset: int, data: bytes) -> None:
        await self.handle.write(data, offset)

    async def finish(self, mtime: float | None, mode: int | None) -> str | None:
        attrs = SFTPAttrs()
        if mode is not None:
            attrs.permissions = mode & 0o777
        if mtime is not None:
            attrs.atime = attrs.mtime = int(mtime)
        # setstat, fsync and close go out at once: the server answers them in order, one round trip.
        calls = []
        if mode is not None or mtime is not None:
            calls.append(self.handle.setstat(attrs))
        if self.durable:
            calls.append(self._fsync())
        results = await asyncio.gather(*calls, self.handle.close())
        return next((r for r in results if r), None)

    async def _fsync(self) -> str | None:
        try:
            await self.handle.fsync()
        except asyncssh.SFTPOpUnsupported:
            return "the server does not offer fsync@openssh.com: data not forced to disk"
        return None

    async def close(self) -> None:
        try:
            await self.handle.close()
        except (asyncssh.Error, OSError):
            pass


# Requests in flight per file.  16 blocks of ~255 KiB (OpenSSH's limit) keep
# 4 MiB on the wire: enough for 200 MB/s at 20 ms, and well inside the 16 MiB
# channel window.  64 blocks filled the window and stalled the channel
# (measured: a 256 MiB get took 2-4x longer on loopback).
DEFAULT_WINDOW = 16
# Small requests whose time is taken as a sample of the round trip (the smallest counts).
ROUND_TRIP_SAMPLES = 4

@contextlib.contextmanager
def listing_failures_as_transfer_errors() -> Iterator[None]:
    """A remote folder listing's failures as a transfer's: a lost link stays "connection lost" (it may be
    resumed), any other failure is the transfer's error; a listing limit passes through as it is."""
    try:
        yield
    except ListingLimitError:
        raise
    except FsConnectionLost as exc:
        raise ConnectionLostError(str(exc)) from None
    except FileSystemError as exc:
        raise TransferError(str(exc)) from None


class SftpEndpoint:
    """A folder on one SFTP session; `reconnect` returns a fresh SFTPClient after a lost link."""

    is_remote = True
    # Makes the ticket a worker process connects with (core/ssh/worker_ticket.py), or None: no workers.
    worker_ticket: Callable[[], dict | None] | None = None

    def __init__(
        self,
        sftp: asyncssh.SFTPClient,
        root: str | bytes,
        *,
        label: str = "remote",
        descriptor: str | None = None,
        reconnect: Reconnect | None = None,
        rules: NameRules = POSIX,
        window: int = DEFAULT_WINDOW,
        durable: bool = True,
        limits: ListingLimits | None = None,
        channels: Reconnect | None = None,
        commands: Callable[..., Awaitable[asyncssh.SSHClientProcess]] | None = None,
    ) -> None:
        self.sftp = sftp
        # Opens a command channel on the connection (server-side checksums); None when the account's shell is unknown.
        self.commands = commands
        # Opens one more SFTP channel on the current connection (big files are copied over several).
        self._channels = channels
        self._channel_cap: int | None = None  # extra channels the server accepted before it refused one
        self._round_trip: float | None = None
        self._round_trip_samples = 0
        self.root = root if isinstance(root, bytes) else root.encode("utf-8", "surrogateescape")
        # How much of one folder a listing takes in (settings.toml [limits]).
        self.limits = limits or configured_limits()
        self.label = label
        self._descriptor = descriptor or f"sftp://{label}"
        self._reconnect = reconnect
        self.rules = rules
        self.window = window
        self.durable = durable
        self.block_size = self._block_size()
        coalesce_writes(sftp)  # a turn's requests leave in one socket write (coalesce.py)
        quiet_request_logs(sftp)

    def _block_size(self) -> int:
        limits = self.sftp.limits
        sizes = [n for n in (limits.max_read_len, limits.max_write_len) if n]
        return min(sizes) if sizes else 16 * 1024

    def describe(self) -> str:
        return f"{self._descriptor}{self.root.decode('utf-8', 'surrogateescape')}"

    def path(self, rel: Rel) -> bytes:
        if not rel:
            return self.root
        return self.root.rstrip(b"/") + b"/" + b"/".join(rel)

    async def lstat(self, rel: Rel) -> Stat | None:
        try:
            return _stat(await self._timed(self.sftp.lstat(self.path(rel))))
        except asyncssh.SFTPNoSuchFile:
            return None

    async def stat(self, rel: Rel) -> Stat | None:
        try:
            return _stat(await self._timed(self.sftp.stat(self.path(rel))))
        except asyncssh.SFTPNoSuchFile:
            return None

    async def _timed(self, request: Awaitable[SFTPAttrs]) -> SFTPAttrs:
        """Await a small request, and take its time as a sample of the round trip (the first few only).

        A big file asks for the round trip before it picks one channel or several; the walker's
        lstat of that file has just measured it, which saves a round trip of its own (100 ms on a
        100 ms link).  The smallest of a few samples is kept: one sent among many may have queued.
        """
        if self._round_trip_samples >= ROUND_TRIP_SAMPLES:
            return await request
        loop = asyncio.get_running_loop()
        began = loop.time()
        try:
            result = await request
        except asyncssh.SFTPNoSuchFile:
            self._sample_round_trip(loop.time() - began)
            raise
        self._sample_round_trip(loop.time() - began)
        return result

    def _sample_round_trip(self, seconds: float) -> None:
        self._round_trip_samples += 1
        self._round_trip = seconds if self._round_trip is None else min(self._round_trip, seconds)

    async def scandir(self, rel: Rel, follow: bool = False, max_entries: int | None = None) -> list[tuple[bytes, Stat]]:
        """The pipelined listing the panes use (core/fs), capped by `limits` (and `max_entries`, if lower).

        A folder past the limit raises `ListingLimitError` (its message names
        the folder); other failures become transfer errors.
        """
        path = self.path(rel).decode("utf-8", "surrogateescape")
        out = []
        with listing_failures_as_transfer_errors():
            limits = lowered(self.limits, max_entries)
            async for batch in capped(path, list_folder(self.sftp, path, resolve_links=False, keep_unsafe=True), limits):
                out.extend((entry.name, Stat(entry.kind, entry.size, entry.mtime, entry.mode)) for entry in batch)
        return out

    async def identity(self, rel: Rel) -> Hashable:
        # SFTPv3 has no inode numbers; the server's canonical path names the folder.
        return await self.sftp.realpath(self.path(rel))

    async def open_read(self, rel: Rel, follow: bool = False, checked: bool = False) -> SftpReadFile:
        # `checked`: the caller's listing already showed a regular file (saves a round trip).
        if not follow and not checked:
            found = await self.lstat(rel)
            if found is None:
                raise TransferError(f"{show(rel)}: no such file")
            if not found.is_file:
                raise TransferError(f"{show(rel)}: not a regular file")
        handle = await self.sftp.open(self.path(rel), FXF_READ, encoding=None, block_size=0)
        return SftpReadFile(handle, rel)

    async def make_dir(self, rel: Rel) -> bool:
        if not rel:
            return False
        try:
            await self.sftp.mkdir(self.path(rel))
            return True
        except asyncssh.SFTPError as exc:
            if exc.code in (asyncssh.sftp.FX_CONNECTION_LOST, asyncssh.sftp.FX_NO_CONNECTION):
                raise
            found = await self.lstat(rel)
            if found is None or not found.is_dir:
                raise TransferError(f"{show(rel)}: cannot create folder ({inert(exc.reason) or 'refused'})") from None
            return False

    async def open_part(self, rel: Rel, resume: bool, fresh: bool = False) -> tuple[SftpWriteFile, int]:
        path = self.path(rel)
        if resume:
            found = await self.lstat(rel)
            if found is not None and found.is_file:
                handle = await self.sftp.open(path, FXF_WRITE, encoding=None, block_size=0)
                return SftpWriteFile(handle, self.durable), found.size
        attrs = SFTPAttrs(permissions=0o600)
        flags = FXF_WRITE | FXF_CREAT | FXF_EXCL
        try:
            # Optimistic: a stale temporary file is rare, so try first and clean up on refusal.
            handle = await self.sftp.open(path, flags, attrs, encoding=None, block_size=0)
        except asyncssh.SFTPError as exc:
            if exc.code in (asyncssh.sftp.FX_CONNECTION_LOST, asyncssh.sftp.FX_NO_CONNECTION):
                raise
            if await self.lstat(rel) is None:
                raise
            await self.sftp.remove(path)
            handle = await self.sftp.open(path, flags, attrs, encoding=None, block_size=0)
        return SftpWriteFile(handle, self.durable), 0

    async def clone(self, src: Rel, dst: Rel) -> None:
        if not self.sftp.supports_remote_copy:
            raise TransferError(f"{show(src)}: the server cannot copy data in place; choose overwrite")
        target, _ = await self.open_part(dst, resume=False)
        await target.close()
        await self.sftp.remote_copy(self.path(src), self.path(dst))

    async def commit(self, part: Rel, final: Rel) -> str | None:
        try:
            await self.sftp.posix_rename(self.path(part), self.path(final))
            return None
        except asyncssh.SFTPOpUnsupported:
            pass
        # SFTPv3 rename refuses an existing target: remove it first (not atomic, so say so).
        if await self.lstat(final) is not None:
            await self.sftp.remove(self.path(final))
        await self.sftp.rename(self.path(part), self.path(final))
        return "the server lacks posix-rename@openssh.com: replaced by remove + rename (not atomic)"

    async def unlink(self, rel: Rel) -> None:
        await self.sftp.remove(self.path(rel))

    async def rmdir(self, rel: Rel) -> None:
        await self.sftp.rmdir(self.path(rel))

    async def alive(self) -> bool:
        try:
            await self.sftp.lstat(self.root)
            return True
        except asyncssh.SFTPError as exc:
            return exc.code not in (asyncssh.sftp.FX_CONNECTION_LOST, asyncssh.sftp.FX_NO_CONNECTION)
        except (asyncssh.Error, OSError, EOFError):
            return False

    async def reconnect(self) -> None:
        if self._reconnect is None:
            raise ConnectionLostError(f"{self.label}: connection lost and no way to reconnect was given")
        self.sftp = await self._reconnect()
        coalesce_writes(self.sftp)
        quiet_request_logs(self.sftp)
        self.block_size = self._block_size()
        self._channel_cap = None  # a new connection: the server may accept more channels again
        self._round_trip, self._round_trip_samples = None, 0

    async def flush(self) -> None:
        return None

    async def close(self) -> None:
        return None

    # -- extra channels (a big file in ranges) --------------------------------------------

    @property
    def measured_round_trip(self) -> float | None:
        """The round trip measured so far on this connection, or None before any request."""
        return self._round_trip

    async def round_trip(self) -> float:
        """Seconds one small request takes, measured once per connection (loopback: well under 10 ms)."""
        if self._round_trip is None:
            await self.lstat(())
        assert self._round_trip is not None
        return self._round_trip

    def can_open_channels(self, already: int) -> bool:
        return self._channels is not None and (self._channel_cap is None or already < self._channel_cap)

    async def open_channel(self, already: int) -> "SftpEndpoint | None":
        """This folder over one more SFTP channel, or None when there is no way or the server refuses.

        `already`: extra channels open now; a refusal caps later attempts at that many
        (OpenSSH's MaxSessions counts every channel of the connection, shells included).
        """
        if not self.can_open_channels(already):
            return None
        try:
            sftp = await self._channels()  # type: ignore[misc]
        except (asyncssh.ChannelOpenError, asyncssh.SFTPError, asyncssh.ProcessError) as exc:
            self._channel_cap = already
            del exc
            return None
        channel = SftpEndpoint(sftp, self.root, label=self.label, descriptor=self._descriptor, rules=self.rules,
                               window=self.window, durable=self.durable, limits=self.limits)
        channel.block_size = self.block_size
        return channel

    async def close_channel(self) -> None:
        """End an extra channel opened by `open_channel` (the connection stays)."""
        try:
            self.sftp.exit()
            await self.sftp.wait_closed()
        except (asyncssh.Error, OSError):
            pass
