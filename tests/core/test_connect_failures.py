"""Each way connecting can fail ends in one plain line, never a traceback or a secret."""

from __future__ import annotations

import asyncio
import socket

import pytest

from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.connect_errors import ConnectError
from sshdeck.core.ssh.session import ConnectSpec, Session
from sshdeck.core.trust import HostKeyDecision
from tests.core.conftest import PASSWORD, keygen


async def _once(_check) -> HostKeyDecision:
    return HostKeyDecision.ONCE


def spec(port: int, host: str = "127.0.0.1", **kwargs) -> ConnectSpec:
    return ConnectSpec(host=host, port=port, user="tester", ssh_config=None, use_agent=False, **kwargs)


async def _fail(session_spec: ConnectSpec, trust_store, callbacks: ConnectCallbacks | None = None) -> ConnectError:
    with pytest.raises(ConnectError) as caught:
        await Session(session_spec, callbacks or ConnectCallbacks(decide_host_key=_once), trust=trust_store).connect()
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return caught.value


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _serve(handler) -> tuple[asyncio.AbstractServer, int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_unknown_host_name(trust_store) -> None:
    error = await _fail(spec(22, host="no-such-host.invalid"), trust_store)
    assert error.kind == "unknown-host" and str(error) == "unknown host name: no-such-host.invalid"


async def test_connection_refused(trust_store) -> None:
    port = _free_port()
    error = await _fail(spec(port), trust_store)
    assert error.kind == "refused" and str(error) == f"connection refused by 127.0.0.1 port {port}"


async def test_timeout_when_the_server_never_speaks(trust_store) -> None:
    async def silent(reader, writer):
        await asyncio.sleep(10)

    server, port = await _serve(silent)
    try:
        error = await _fail(spec(port, connect_timeout=0.3), trust_store)
    finally:
        server.close()
    assert error.kind == "timeout" and str(error) == f"timed out connecting to 127.0.0.1 port {port}"


async def test_time_spent_answering_a_prompt_does_not_count_towards_the_timeout(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password=PASSWORD)

    async def slow_password(_request):
        await asyncio.sleep(0.6)
        return PASSWORD

    async with Session(spec(server.port, connect_timeout=0.3), ConnectCallbacks(decide_host_key=_once, password=slow_password), trust=trust_store) as session:
        assert session.connected


async def test_connection_lost_during_the_handshake(trust_store) -> None:
    async def hang_up(reader, writer):
        writer.write(b"SSH-2.0-Gone\r\n")
        await writer.drain()
        writer.close()

    server, port = await _serve(hang_up)
    try:
        error = await _fail(spec(port), trust_store)
    finally:
        server.close()
    assert error.kind == "lost" and str(error).startswith(f"connection lost to 127.0.0.1 port {port}")


async def test_host_key_rejected(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password=PASSWORD)

    async def reject(_check):
        return HostKeyDecision.REJECT

    error = await _fail(spec(server.port), trust_store, ConnectCallbacks(decide_host_key=reject))
    assert error.kind == "host-key" and str(error).startswith("host key rejected by the user")
    assert server.fingerprint() in str(error)


async def test_authentication_failed_lists_the_methods_tried(openssh_server, trust_store, tmp_path) -> None:
    stranger = keygen(tmp_path / "id_ed25519")
    session_spec = ConnectSpec(
        host="127.0.0.1", port=openssh_server.port, user=openssh_server.username, ssh_config=None,
        use_agent=False, identity_files=(str(stranger),),
    )
    error = await _fail(session_spec, trust_store)
    assert error.kind == "auth"
    assert str(error).startswith(f"authentication failed for {openssh_server.username}@127.0.0.1 (tried: publickey); ")


async def test_authentication_with_nothing_to_offer_says_so(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password=PASSWORD)
    error = await _fail(spec(server.port), trust_store)  # no password callback: batch mode
    assert str(error) == "authentication failed for tester@127.0.0.1 (tried: none (no usable key, password or prompt))"
    assert server.log.passwords == []
