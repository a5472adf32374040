"""A remote folder's listing for a sync: the pipelined READDIR of core/fs, parsed into plain rows.

The panes' listing (core/fs/sftp_listing.py) builds an `Entry` per name, with
its display name and owner, and the transfer endpoint then a `Stat`: three
objects per entry that a sync plan throws away.  A sync needs only the raw
name, kind, size, mtime and mode, so here each reply becomes names and
rows straight from the packet bytes (tree.py's `Row`), the READDIR requests
kept in flight as the panes' listing does, on the same asyncssh internals
(`fast_path_available` says when they are there; otherwise the endpoint's
own `scandir`).  The rules are the endpoint's `scandir`: '.' and '..'
dropped, every other name passed on for the tree to check (tree.py refuses
'/' and NUL), the folder capped by the listing limits, errors turned into
the same transfer errors.
"""

from __future__ import annotations

import asyncio
import collections
import struct

import asyncssh
from asyncssh.packet import String

from sshdeck.core.fs.base import encode_path
from sshdeck.core.fs.errors import ConnectionLostError as FsConnectionLost
from sshdeck.core.fs.errors import FileSystemError, from_sftp_error
from sshdeck.core.fs.limits import ListingLimitError, ListingTally
from sshdeck.core.fs.sftp_listing import FIRST_READ_AHEAD, _close_quietly, _forget, _parse_attrs, _request, fast_path_available
from sshdeck.core.sync.tree import DIR, FILE, LINK, OTHER, Listing, Row
from sshdeck.core.transfer.endpoints import Rel
from sshdeck.core.transfer.errors import ConnectionLostError, TransferError
from sshdeck.core.transfer.sftp import SftpEndpoint

_FXP_READDIR, _FXP_STATUS, _FXP_NAME = 12, 101, 104
_ATTR_COMMON = 0x1 | 0x2 | 0x4 | 0x8  # size, uid/gid, permissions, times
_U32 = struct.Struct(">I").unpack_from
_COMMON = struct.Struct(">IQIIIII").unpack_from  # flags, size, uid, gid, mode, atime, mtime
_CODES = {0o040000: DIR, 0o100000: FILE, 0o120000: LINK}


def lean_listing(endpoint: object) -> bool:
    """Whether `endpoint` is an SFTP folder whose session this module can list."""
    return isinstance(endpoint, SftpEndpoint) and fast_path_available(endpoint.sftp)


def parse_rows(data: bytes, names: list[bytes], rows: list[Row]) -> int:
    """The names and rows of one SSH_FXP_NAME payload appended to `names` and `rows`; the bytes of the names."""
    u32, common, codes_get, struct_error = _U32, _COMMON, _CODES.get, struct.error
    add_name, add_row = names.append, rows.append
    name_bytes = 0
    offset = 4
    for _ in range(u32(data, 0)[0]):
        length = u32(data, offset)[0]
        offset += 4
        name = data[offset : offset + length]
        offset += length
        offset += 4 + u32(data, offset)[0]  # the `ls -l` long name: not needed
        try:
            flags, size, _uid, _gid, mode, _atime, mtime = common(data, offset)
        except struct_error:  # fewer attributes, at the end of the packet
            flags = -1
        if flags == _ATTR_COMMON:
            offset += 32
        else:
            size, _uid, _gid, mode, mtime, offset = _parse_attrs(data, offset)
        if length < 3 and (name == b"." or name == b".."):
            continue
        add_name(name)
        name_bytes += length
        if mode is None:
            add_row((OTHER, size, mtime, None))
        else:
            add_row((codes_get(mode & 0o170000, OTHER), size, mtime, mode & 0o7777))
    return name_bytes


async def remote_rows(endpoint: SftpEndpoint, rel: Rel) -> Listing:
    """Every entry of a remote folder as raw names and their rows, capped by the endpoint's listing limits."""
    path = endpoint.path(rel).decode("utf-8", "surrogateescape")
    try:
        return await _list(endpoint, path)
    except ListingLimitError:
        raise
    except FsConnectionLost as exc:
        raise ConnectionLostError(str(exc)) from None
    except FileSystemError as exc:
        raise TransferError(str(exc)) from None


async def _list(endpoint: SftpEndpoint, path: str) -> Listing:
    handler = endpoint.sftp._handler  # noqa: SLF001 -- see core/fs/sftp_listing.py
    tally = ListingTally(path, endpoint.limits)
    try:
        handle = await handler.opendir(encode_path(path))
    except (asyncssh.Error, OSError) as exc:
        raise from_sftp_error(path, exc) from None
    names: list[bytes] = []
    rows: list[Row] = []
    limits = endpoint.limits
    inflight: collections.deque[asyncio.Future] = collections.deque()
    readdir = String(handle)
    at_end = False
    try:
        for _ in range(FIRST_READ_AHEAD):
            inflight.append(_request(handler, _FXP_READDIR, readdir))
        while inflight:
            resptype, packet = await inflight.popleft()
            if resptype == _FXP_NAME:
                if not at_end:
                    inflight.append(_request(handler, _FXP_READDIR, readdir))
                before = len(names)
                size = parse_rows(packet.get_remaining_payload(), names, rows)
                if tally.entries + len(names) - before <= limits.entries and tally.name_bytes + size <= limits.name_bytes:
                    tally.entries += len(names) - before
                    tally.name_bytes += size
                else:
                    tally.add(names[before:])  # this reply crosses a limit: the tally says where
            elif resptype == _FXP_STATUS:
                at_end = True
                try:
                    handler._process_status(packet)  # noqa: SLF001 -- raises the status's error
                except asyncssh.SFTPEOFError:
                    continue
            else:
                raise asyncssh.SFTPBadMessage(f"unexpected reply type {resptype} to READDIR")
    except (asyncssh.Error, OSError) as exc:
        raise from_sftp_error(path, exc) from None
    except (struct.error, IndexError):
        raise from_sftp_error(path, asyncssh.SFTPBadMessage("a malformed folder listing")) from None
    finally:
        for waiter in inflight:
            _forget(waiter)
        _close_quietly(handler, handle)
    return names, rows
