"""Connection options that decide bulk speed: the cipher order and the packet size, against OpenSSH's sshd."""

from __future__ import annotations

import asyncio
import fcntl
import os
import socket
import struct
import termios
import time

import asyncssh

from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.session import ConnectSpec, Session
from sshdeck.core.trust import HostKeyDecision


async def _once(_check) -> HostKeyDecision:
    return HostKeyDecision.ONCE


def sshd_spec(server, **kwargs) -> ConnectSpec:
    return ConnectSpec(
        host=server.host, port=server.port, user=server.username, ssh_config=None, use_agent=False,
        identity_files=(str(server.client_key),), **kwargs,
    )


def _block_until_sshd_is_stuck(conn: asyncssh.SSHClientConnection) -> None:
    """Keep the event loop busy until the bytes waiting on our socket stop growing (sshd's send is blocked)."""
    sock = conn.get_extra_info("socket")
    waiting, steady = -1, 0
    for _ in range(200):
        time.sleep(0.02)
        now = struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
        steady = steady + 1 if now == waiting else 0
        waiting = now
        if steady >= 5:
            return


async def test_a_client_slower_than_sshd_gets_bigger_packets(openssh_server, trust_store, tmp_path) -> None:
    # sshd sends what it has buffered for the channel, up to the packet size the client accepts.  When
    # the client is the slow side (its Python work per packet is the bottleneck of a big get), sshd's
    # buffer grows: with asyncssh's default 32 KiB packets each ~255 KiB read reply still costs 8
    # packets, while sshdeck accepts packets big enough for a whole reply.
    data = os.urandom(12 * 1024 * 1024)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    async with Session(sshd_spec(openssh_server), ConnectCallbacks(decide_host_key=_once), trust=trust_store) as session:
        sftp = await session.sftp()
        block = sftp.limits.max_read_len
        conn = session.connection
        # A small receive buffer: what this side has not read yet waits at sshd, not in the kernel.
        conn.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        before = conn._recv_seq  # noqa: SLF001 - SSH packets received so far (the protocol's sequence number)
        async with sftp.open(str(path), "rb", block_size=0) as handle:
            # All in flight at once, as the transfer engine keeps them, and this side busy for a moment.
            reads = [asyncio.ensure_future(handle.read(block, offset)) for offset in range(0, len(data), block)]
            await asyncio.sleep(0)
            _block_until_sshd_is_stuck(conn)
            got = await asyncio.gather(*reads)
        packets = conn._recv_seq - before  # noqa: SLF001
    assert b"".join(got) == data
    replies = len(got)
    assert packets <= 6 * replies, f"{packets} SSH packets for {replies} read replies"


async def test_aes_gcm_is_negotiated_first_with_openssh(openssh_server, trust_store) -> None:
    async with Session(sshd_spec(openssh_server), ConnectCallbacks(decide_host_key=_once), trust=trust_store) as session:
        conn: asyncssh.SSHClientConnection = session.connection
        assert conn.get_extra_info("recv_cipher") == "aes128-gcm@openssh.com"
        assert conn.get_extra_info("send_cipher") == "aes128-gcm@openssh.com"
