"""Port forwards that run: -L, -R and -D carry real TCP over OpenSSH's sshd, and come back after a drop."""

from __future__ import annotations

import pytest

from sshdeck.core.hosts.profiles import Tunnel
from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.connect_spec import ConnectSpec
from sshdeck.core.ssh.session import Session
from sshdeck.core.trust import HostKeyDecision
from sshdeck.core.tunnels import TunnelSet, TunnelState, parse_forward
from sshdeck.core.tunnels.spec import ForwardSpecError
from tests.support.tunnel_tools import (
    EchoServer,
    busy_port,
    echo_through,
    eventually,
    free_port,
    kill_sshd_sessions,
    socks4a_through,
    socks5_through,
)


async def _once(_check) -> HostKeyDecision:
    return HostKeyDecision.ONCE


def sshd_spec(server) -> ConnectSpec:
    return ConnectSpec(
        host=server.host, port=server.port, user=server.username, ssh_config=None, use_agent=False,
        identity_files=(str(server.client_key),),
    )


def session_for(server, trust_store) -> Session:
    return Session(sshd_spec(server), ConnectCallbacks(decide_host_key=_once), trust=trust_store)


async def test_local_forward_carries_traffic_and_counts_it(openssh_server, trust_store) -> None:
    async with EchoServer() as echo:
        port = free_port()
        async with session_for(openssh_server, trust_store) as session:
            tunnels = TunnelSet(session, [parse_forward("local", f"{port}:127.0.0.1:{echo.port}")])
            await tunnels.start()
            status = tunnels.statuses[0]
            assert status.state == TunnelState.LISTENING
            assert await echo_through(port, b"hello database") == b"hello database"
            await eventually(lambda: status.active == 0, "the forwarded connection ends")
            assert (status.total, status.bytes_sent, status.bytes_received) == (1, 14, 14)
            assert status.summary() == "listening, 0 active, 28B"
            await tunnels.close()
            assert status.state == TunnelState.STOPPED


async def test_remote_forward_carries_traffic_back_to_this_machine(openssh_server, trust_store) -> None:
    async with EchoServer() as echo:
        port = free_port()
        async with session_for(openssh_server, trust_store) as session:
            tunnels = TunnelSet(session, [parse_forward("remote", f"{port}:127.0.0.1:{echo.port}")])
            await tunnels.start()
            assert tunnels.statuses[0].state == TunnelState.LISTENING, tunnels.statuses[0].reason
            # sshd listens on the server (here: the same loopback) and sends connections back to us.
            assert await echo_through(port, b"from the server side") == b"from the server side"
            await tunnels.close()


async def test_dynamic_forward_speaks_socks5_and_socks4a(openssh_server, trust_store) -> None:
    async with EchoServer() as echo:
        port = free_port()
        async with session_for(openssh_server, trust_store) as session:
            tunnels = TunnelSet(session, [parse_forward("dynamic", str(port))])
            await tunnels.start()
            assert tunnels.statuses[0].state == TunnelState.LISTENING
            assert await socks5_through(port, "localhost", echo.port, b"socks five") == b"socks five"
            assert await socks4a_through(port, "localhost", echo.port, b"socks 4a") == b"socks 4a"
            assert tunnels.statuses[0].total == 2
            await tunnels.close()


async def test_port_in_use_is_an_error_naming_the_port(openssh_server, trust_store) -> None:
    with busy_port() as taken:
        port = taken.getsockname()[1]
        async with session_for(openssh_server, trust_store) as session:
            tunnels = TunnelSet(session, [parse_forward("local", f"{port}:127.0.0.1:22")])
            await tunnels.start()
            status = tunnels.statuses[0]
            assert status.state == TunnelState.ERROR
            assert status.reason == f"port {port} already in use"
            assert status.summary() == f"error: port {port} already in use"
            await tunnels.close()


async def test_forwards_come_back_on_the_same_ports_after_the_server_drops_the_connection(
    make_openssh_server, trust_store
) -> None:
    server = make_openssh_server()
    events = []
    async with EchoServer() as echo:
        local, remote, socks = free_port(), free_port(), free_port()
        async with session_for(server, trust_store) as session:
            tunnels = TunnelSet(
                session,
                [
                    parse_forward("local", f"{local}:127.0.0.1:{echo.port}"),
                    parse_forward("remote", f"{remote}:127.0.0.1:{echo.port}"),
                    parse_forward("dynamic", str(socks)),
                ],
                events.append,
                backoff=(0.2, 0.4),
            )
            await tunnels.start()
            assert await echo_through(local, b"before") == b"before"
            first = session.connection
            assert kill_sshd_sessions(server) > 0
            await eventually(lambda: tunnels.reconnects == 1, "the tunnels reconnect")
            assert session.connection is not first
            assert [s.state for s in tunnels.statuses] == [TunnelState.LISTENING] * 3
            assert "lost" in [e.kind for e in events]
            assert await echo_through(local, b"after, local") == b"after, local"
            assert await echo_through(remote, b"after, remote") == b"after, remote"
            assert await socks5_through(socks, "127.0.0.1", echo.port, b"after, socks") == b"after, socks"
            await tunnels.close()


def test_reconnect_backoff_doubles_up_to_30_seconds() -> None:
    from sshdeck.core.tunnels.runner import BACKOFF

    assert BACKOFF == (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)


def test_forward_specs_parse_like_openssh() -> None:
    assert parse_forward("local", "30000:db:5432").describe() == "127.0.0.1:30000 -> db:5432"
    assert parse_forward("local", "0.0.0.0:30000:db:5432").bind == "0.0.0.0"
    assert parse_forward("remote", "[::1]:8080:127.0.0.1:3000").describe() == "remote [::1]:8080 -> 127.0.0.1:3000"
    assert parse_forward("dynamic", "1080").describe() == "127.0.0.1:1080 (SOCKS)"
    with pytest.raises(ForwardSpecError, match="expected \\[BIND:\\]PORT:HOST:HOSTPORT"):
        parse_forward("local", "30000")
    with pytest.raises(ForwardSpecError, match="'99999' is not a port number"):
        parse_forward("dynamic", "99999")


def test_old_profiles_without_kind_stay_local_and_kinds_round_trip(tmp_path) -> None:
    from sshdeck.core.hosts.hosts_toml import dumps_profiles
    from sshdeck.core.hosts.profile_store import ProfileStore

    old = tmp_path / "old.toml"
    old.write_text(
        'schema_version = 1\n[[profiles]]\nname = "db"\nhost = "db.example"\n'
        '[[profiles.tunnels]]\nlocal_port = 30000\nremote_host = "127.0.0.1"\nremote_port = 5432\n'
    )
    store = ProfileStore.load(old)
    (tunnel,) = store.profiles[0].tunnels
    assert (tunnel.kind, tunnel.bind, tunnel.autostart) == ("local", "127.0.0.1", True)

    profile = store.profiles[0]
    profile.tunnels = [
        Tunnel(name="db", local_port=30000, remote_host="127.0.0.1", remote_port=5432),
        Tunnel(name="app", kind="remote", bind="127.0.0.1", local_port=8080, remote_host="127.0.0.1", remote_port=3000, autostart=False),
        Tunnel(name="socks", kind="dynamic", bind="::1", local_port=1080),
    ]
    again = tmp_path / "again.toml"
    again.write_text(dumps_profiles([profile]))
    store2 = ProfileStore.load(again)
    assert store2.profiles[0].tunnels == profile.tunnels
    assert not store2.problems


async def test_remote_port_in_use_says_the_server_refused_it(openssh_server, trust_store) -> None:
    with busy_port() as taken:
        port = taken.getsockname()[1]
        async with session_for(openssh_server, trust_store) as session:
            tunnels = TunnelSet(session, [parse_forward("remote", f"{port}:127.0.0.1:3000")])
            await tunnels.start()
            status = tunnels.statuses[0]
            assert (status.state, status.reason) == (TunnelState.ERROR, f"the server refused to listen on remote port {port}")
            await tunnels.close()


async def test_garbage_on_the_socks_port_is_dropped_and_the_proxy_keeps_listening(openssh_server, trust_store) -> None:
    import asyncio

    async with EchoServer() as echo:
        port = free_port()
        async with session_for(openssh_server, trust_store) as session:
            tunnels = TunnelSet(session, [parse_forward("dynamic", str(port))])
            await tunnels.start()
            for junk in (b"\x07not socks", b"\x05\x01\x02", b"\x04\x02\x00\x50\x00\x00\x00\x01u\x00"):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(junk)
                writer.write_eof()
                assert await asyncio.wait_for(reader.read(), 30) in (b"", b"\x05\x00")
                writer.close()
            assert tunnels.statuses[0].state == TunnelState.LISTENING
            assert tunnels.statuses[0].total == 0
            assert await socks4a_through(port, "localhost", echo.port, b"fine") == b"fine"
            await tunnels.close()
