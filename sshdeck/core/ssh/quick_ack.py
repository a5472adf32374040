"""Opening a channel without waiting ~40 ms for a delayed TCP acknowledgement.

Right after the login, sshd (OpenSSH 9.2) sends a few small messages of its
own (its auth-options debug lines, its host keys) before it answers the first
channel open, and it has not turned Nagle's algorithm off yet (it does when the
first session starts).  Linux on the client side, seeing a request-and-answer
exchange, delays its acknowledgement of those messages (up to 40 ms), and
Nagle holds sshd's next small write — the open's confirmation — until that
acknowledgement comes: the first SFTP channel took ~50 ms on loopback where
~5 ms is its real work (strace of sshd: the confirmation written 48 ms after
the client's open arrived; asyncssh's debug log: both received together).

`TCP_QUICKACK` switches the client's socket out of that delayed mode, so the
server's messages are acknowledged as they arrive.  It has to be set after the
open request is sent (sending right after receiving puts the socket back in
delayed mode), hence `opened_promptly`: start the open, let it write its
request, then set the flag.  Only a TCP socket of our own is touched (not a
jump host's tunnel or a ProxyCommand's pipe), and a platform without the
option is left as it is.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any, Awaitable, TypeVar

T = TypeVar("T")

TCP_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


async def opened_promptly(conn: Any, opening: Awaitable[T]) -> T:
    """Await `opening` (a channel open on `conn`), acknowledging the server's messages without delay."""
    task = asyncio.ensure_future(opening)
    try:
        await asyncio.sleep(0)  # the task's first step writes the open request (asyncssh's create_session)
    except BaseException:
        task.cancel()
        raise
    quick_ack(conn)
    return await task


def quick_ack(conn: Any) -> bool:
    """Put `conn`'s socket in quick-acknowledgement mode; True when it could be."""
    if TCP_QUICKACK is None:
        return False
    sock = conn.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
        return False
    try:
        sock.setsockopt(socket.IPPROTO_TCP, TCP_QUICKACK, 1)
    except OSError:
        return False
    return True
