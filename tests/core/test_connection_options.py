"""Connection options that decide bulk speed, against OpenSSH's sshd."""

from __future__ import annotations

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


async def test_aes_gcm_is_negotiated_first_with_openssh(openssh_server, trust_store) -> None:
    async with Session(sshd_spec(openssh_server), ConnectCallbacks(decide_host_key=_once), trust=trust_store) as session:
        conn: asyncssh.SSHClientConnection = session.connection
        assert conn.get_extra_info("recv_cipher") == "aes128-gcm@openssh.com"
        assert conn.get_extra_info("send_cipher") == "aes128-gcm@openssh.com"
