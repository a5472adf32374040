"""The first channels after the login are opened with quick TCP acknowledgements (core/ssh/quick_ack.py).

Against OpenSSH's sshd: the SFTP channel's and a command channel's open requests
are on the wire before the socket is switched to quick acknowledgements (set
earlier, sending the request would switch it back); a connection carried by a
ProxyCommand has no socket of ours and is left alone.  Counted, never timed.
"""

from __future__ import annotations

import asyncssh
import pytest

from sshdeck.core.ssh import quick_ack
from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.session import Session
from tests.core.test_proxy_command import relay_command
from tests.core.test_session_auth import sshd_spec

MSG_CHANNEL_OPEN = 90


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The channel opens sent and the quick-ack switches made, in order (with whether each switch took)."""
    seen: list[object] = []
    real_send, real_quick_ack = asyncssh.connection.SSHConnection.send_packet, quick_ack.quick_ack

    def send_packet(self, pkttype, *args, **kwargs):
        if pkttype == MSG_CHANNEL_OPEN:
            seen.append("channel open")
        return real_send(self, pkttype, *args, **kwargs)

    def recording_quick_ack(conn) -> bool:
        done = real_quick_ack(conn)
        seen.append(("quick ack", done))
        return done

    monkeypatch.setattr(asyncssh.connection.SSHConnection, "send_packet", send_packet)
    monkeypatch.setattr(quick_ack, "quick_ack", recording_quick_ack)
    return seen


@pytest.mark.skipif(quick_ack.TCP_QUICKACK is None, reason="TCP_QUICKACK is Linux's")
async def test_the_sftp_and_command_channels_are_opened_before_acknowledgements_are_made_quick(
    openssh_server, trust_store, events
) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    spec = sshd_spec(openssh_server, openssh_server.client_key)
    async with Session(spec, ConnectCallbacks(), trust=trust_store) as session:
        sftp = await session.sftp()
        assert await sftp.exists("/")
        assert (await session.run("echo quick")).stdout == "quick\n"
    assert events == ["channel open", ("quick ack", True), "channel open", ("quick ack", True)]


async def test_a_proxy_command_connection_is_not_touched(openssh_server, trust_store, tmp_path, events) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    spec = sshd_spec(openssh_server, openssh_server.client_key, proxy_command=relay_command(tmp_path / "relay.log"))
    async with Session(spec, ConnectCallbacks(), trust=trust_store) as session:
        assert await (await session.sftp()).exists("/")
    assert events == ["channel open", ("quick ack", False)]


@pytest.mark.skipif(quick_ack.TCP_QUICKACK is None, reason="TCP_QUICKACK is Linux's")
async def test_the_bulk_connections_first_channel_is_opened_the_same_way(openssh_server, trust_store, events) -> None:
    from sshdeck.core.ssh.bulk import BulkLink

    openssh_server.write_known_hosts(trust_store.read_files[0])
    async with Session(sshd_spec(openssh_server, openssh_server.client_key), ConnectCallbacks(),
                       trust=trust_store) as session:
        await session.sftp()
        link = BulkLink(session)
        try:
            assert await link.sftp() is not None and link.opened == 1
        finally:
            await link.close()
    assert events == ["channel open", ("quick ack", True)] * 2
