"""Many small SFTP requests leave in one socket write, not one write each.

asyncssh hands every SSH packet to the socket as soon as it is made: a
small file costs three to six requests (open, read or write, setstat, fsync,
close, rename), each a `send(2)` that on loopback also runs the receiving
side's TCP path and wakes sshd.  Profiled on 2,000 x 4 KiB: ~16% of the
client's event-loop time was those writes.  Here the packets made during one
turn of the event loop are joined and written once, at the start of the next
turn: no request waits for anything but the loop's own callbacks.  Big
packets (a big file's data) are written at once, as before.

The packets go to the transport they were meant for, in their order, and
before anything the connection schedules after them (asyncssh aborts a
closing connection with `call_soon`, which runs after the flush that was
already scheduled: a disconnect message still leaves first).

Also here, the other per-request cost asyncssh adds: `quiet_request_logs`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

# Packets this big are written at once (after any joined ones before them): a big file's data packets
# (32 KiB each from OpenSSH's window) fill a write on their own, and joining them would copy them again.
DIRECT_FROM = 16 * 1024


def coalesce_writes(sftp: Any) -> bool:
    """Join the packets of `sftp`'s whole SSH connection per event-loop turn; False where that is not possible.

    Done once per connection (every channel of it shares the socket).
    """
    try:
        conn = sftp._handler._writer.channel.get_connection()  # noqa: SLF001 - asyncssh keeps no public path
        original = conn._send  # noqa: SLF001
    except AttributeError:
        return False
    if getattr(conn, "_sshdeck_coalesced", False):
        return True
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    pending: list[bytes] = []
    target: list[Any] = [None]

    def flush() -> None:
        transport, target[0] = target[0], None
        data = b"".join(pending)
        pending.clear()
        if transport is None:
            return
        try:
            transport.write(data)
        except (ConnectionError, RuntimeError):  # closed meanwhile: asyncssh ignores these too
            pass

    def send(data: bytes) -> None:
        transport = conn._transport  # noqa: SLF001
        if transport is None:
            return
        if target[0] is not None and target[0] is not transport:
            flush()  # a new transport (never seen in practice): the old one's packets go first
        if len(data) >= DIRECT_FROM:
            # Bulk data: joining would copy it once more for a write it fills anyway.
            if target[0] is not None:
                flush()  # what was made before it leaves before it
            try:
                transport.write(data)
            except (ConnectionError, RuntimeError):
                pass
            return
        if target[0] is None:
            target[0] = transport
            loop.call_soon(flush)
        pending.append(data)

    del original
    conn._send = send  # noqa: SLF001
    conn._sshdeck_coalesced = True  # noqa: SLF001
    return True


def _nothing(*_args: object, **_kwargs: object) -> None:
    return None


def quiet_request_logs(sftp: Any) -> bool:
    """Skip asyncssh's per-request debug lines of `sftp` while its logger is below DEBUG.

    asyncssh formats each request's debug line (paths, handles in hex, attributes
    as text) before its logger asks whether DEBUG is on: ~5% of the event loop of
    a small-file upload, for lines that sshdeck's log (WARNING for asyncssh, logs.py)
    never keeps.  False (nothing changed) where DEBUG is on or the logger is not found.

    Also every SSH packet's log call, of the SFTP channel, its connection and the SFTP
    handler: asyncssh names the packet type and counts its bytes into a message before
    its logger drops it (~8,000 packets for 256 MiB, ~4% of the client's CPU per byte).
    """
    handler = getattr(sftp, "_handler", None)
    logger = getattr(handler, "_logger", None)
    if logger is None or not hasattr(logger, "debug1") or logger.isEnabledFor(logging.DEBUG):
        return False
    logger.debug1 = _nothing
    channel = getattr(getattr(handler, "_writer", None), "channel", None)
    connection = channel.get_connection() if channel is not None and hasattr(channel, "get_connection") else None
    for owner in (handler, channel, connection):
        if owner is not None and hasattr(owner, "log_received_packet") and hasattr(owner, "log_sent_packet"):
            owner.log_received_packet = _nothing
            owner.log_sent_packet = _nothing
    return True
