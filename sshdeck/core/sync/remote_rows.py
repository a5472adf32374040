"""A remote folder's listing for a sync: the pipelined READDIR of core/fs, parsed into plain rows.

The panes' listing (core/fs/sftp_listing.py) builds an `Entry` per name, with
its display name and owner, and the transfer endpoint then a `Stat`: three
objects per entry that a sync plan throws away.  A sync needs only the raw
name, kind, size, mtime and mode, so here each reply becomes names and
rows straight from the packet bytes (tree.py's `Row`, through the listing's
own parse loop with a row sink: core/fs/sftp_names.py), the READDIR requests
kept in flight by the panes' listing code, on the same asyncssh internals
(`fast_path_available` says when they are there; otherwise the endpoint's
own `scandir`).  The rules are the endpoint's `scandir`: '.' and '..'
dropped, every other name passed on for the tree to check (tree.py refuses
'/' and NUL), the folder capped by the listing limits, errors turned into
the same transfer errors.
"""

from __future__ import annotations

import contextlib

from sshdeck.core.fs.limits import ListingTally
from sshdeck.core.fs.sftp_listing import FIRST_READ_AHEAD, fast_path_available, listing_errors, name_replies
from sshdeck.core.fs.sftp_names import RowSink, parse_names
from sshdeck.core.sync.tree import DIR, FILE, LINK, OTHER, Listing
from sshdeck.core.transfer.endpoints import Rel
from sshdeck.core.transfer.sftp import SftpEndpoint, listing_failures_as_transfer_errors

_CODES = {0o040000: DIR, 0o100000: FILE, 0o120000: LINK}


def lean_listing(endpoint: object) -> bool:
    """Whether `endpoint` is an SFTP folder whose session this module can list."""
    return isinstance(endpoint, SftpEndpoint) and fast_path_available(endpoint.sftp)


async def remote_rows(endpoint: SftpEndpoint, rel: Rel) -> Listing:
    """Every entry of a remote folder as raw names and their rows, capped by the endpoint's listing limits."""
    path = endpoint.path(rel).decode("utf-8", "surrogateescape")
    with listing_failures_as_transfer_errors():
        return await _list(endpoint, path)


async def _list(endpoint: SftpEndpoint, path: str) -> Listing:
    handler = endpoint.sftp._handler  # noqa: SLF001 -- see core/fs/sftp_listing.py
    limits = endpoint.limits
    tally = ListingTally(path, limits)
    sink = RowSink(_CODES, OTHER)
    # Many folders are listed at once: each keeps the first depth of requests, it does not grow.
    with listing_errors(path):
        async with contextlib.aclosing(name_replies(handler, path, read_ahead=FIRST_READ_AHEAD)) as replies:
            async for payload in replies:
                before = len(sink.names)
                parse_names(payload, sink)
                if len(sink.names) <= limits.entries and sink.name_bytes <= limits.name_bytes:
                    tally.entries, tally.name_bytes = len(sink.names), sink.name_bytes
                else:
                    tally.add(sink.names[before:])  # this reply crosses a limit: the tally says where
    return sink.names, sink.rows
