"""The session manager: shared connections, a second one when the server is full, life cycle, account detection."""

from __future__ import annotations

import asyncio

import pytest

from sshdeck.core.ssh.account import NO_FILE_ACCESS
from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.connect_errors import ConnectError
from sshdeck.core.ssh.session import ConnectSpec, Session, SessionState
from sshdeck.core.trust import HostKeyDecision


async def _once(_check) -> HostKeyDecision:
    return HostKeyDecision.ONCE


def sshd_spec(server, **kwargs) -> ConnectSpec:
    return ConnectSpec(
        host=server.host, port=server.port, user=server.username, ssh_config=None, use_agent=False,
        identity_files=(str(server.client_key),), **kwargs,
    )


async def test_channels_share_one_connection_until_max_sessions_then_open_a_second(make_openssh_server, trust_store) -> None:
    server = make_openssh_server("MaxSessions 2")
    decided = []

    async def decide(check):
        decided.append(check)
        return HostKeyDecision.ONCE

    async with Session(sshd_spec(server), ConnectCallbacks(decide_host_key=decide), trust=trust_store) as session:
        first = await session.create_process("cat")
        second = await session.create_process("cat")
        assert session.connection_count == 1
        third = await session.create_process("cat")
        assert session.connection_count == 2
        for number, process in enumerate((first, second, third)):
            process.stdin.write(f"hello {number}\n")
            assert await asyncio.wait_for(process.stdout.readline(), 5) == f"hello {number}\n"
            process.stdin.write_eof()
        # The second connection reused the decision made for the first.
        assert len(decided) == 1
    assert session.state == SessionState.CLOSED and session.connection_count == 0


async def test_shared_sftp_client_and_start_folder(openssh_server, trust_store, tmp_path) -> None:
    folder = tmp_path / "work folder"
    folder.mkdir()
    (folder / "a.txt").write_text("x")
    spec = sshd_spec(openssh_server, remote_folder=str(folder))
    async with Session(spec, ConnectCallbacks(decide_host_key=_once), trust=trust_store) as session:
        info = await session.detect_account()
        assert info.sftp_available and info.start_folder == str(folder) and info.folder_problem is None
        sftp = await session.sftp()
        assert "a.txt" in await sftp.listdir(info.start_folder)
        assert await session.sftp() is sftp


async def test_unreadable_start_folder_is_said_and_root_offered(openssh_server, trust_store) -> None:
    spec = sshd_spec(openssh_server, remote_folder="/no/such/folder")
    async with Session(spec, ConnectCallbacks(decide_host_key=_once), trust=trust_store) as session:
        info = await session.detect_account()
    assert info.sftp_available and info.offer_root
    assert info.folder_problem.startswith("cannot open /no/such/folder: ")
    assert info.start_folder == info.home  # the home folder still works


async def test_asyncssh_server_without_sftp_is_shell_only(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password="pw")

    async def password(_request):
        return "pw"

    spec = ConnectSpec(host=server.host, port=server.port, user="tester", ssh_config=None, use_agent=False)
    async with Session(spec, ConnectCallbacks(decide_host_key=_once, password=password), trust=trust_store) as session:
        info = await session.detect_account()
        assert not info.sftp_available and info.message == NO_FILE_ACCESS == "This host offers no file access (shell only)"
        assert (await session.run("whoami")).stdout == "ran whoami\n"


async def test_sshd_without_sftp_subsystem_is_shell_only(shell_only_sshd, trust_store) -> None:
    async with Session(sshd_spec(shell_only_sshd), ConnectCallbacks(decide_host_key=_once), trust=trust_store) as session:
        info = await session.detect_account()
        assert not info.sftp_available and info.message == NO_FILE_ACCESS
        assert (await session.run("echo shell")).stdout == "shell\n"


async def test_cancel_while_connecting_stops_promptly(trust_store) -> None:
    async def silent(reader, writer):
        await asyncio.sleep(30)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        session = Session(ConnectSpec(host="127.0.0.1", port=port, ssh_config=None, use_agent=False), trust=trust_store)
        task = asyncio.ensure_future(session.connect())
        await asyncio.sleep(0.2)
        session.cancel()
        with pytest.raises(ConnectError) as caught:
            await asyncio.wait_for(task, 2)
        assert caught.value.kind == "cancelled" and session.state == SessionState.IDLE
    finally:
        server.close()


async def test_connection_lost_is_reported_once_with_a_reason(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password="pw")
    lost: list[str] = []

    async def password(_request):
        return "pw"

    spec = ConnectSpec(host=server.host, port=server.port, user="tester", ssh_config=None, use_agent=False)
    session = Session(spec, ConnectCallbacks(decide_host_key=_once, password=password, connection_lost=lost.append), trust=trust_store)
    await session.connect()
    server.server_connections[-1].abort()
    for _ in range(100):
        if lost:
            break
        await asyncio.sleep(0.02)
    assert lost and lost[0].startswith("connection lost to 127.0.0.1 port")
    assert session.state == SessionState.DISCONNECTED and not session.connected
    await session.reconnect()
    assert session.connected
    await session.close()
    assert len(lost) == 1  # a close we asked for is not "lost"


async def test_keepalive_notices_a_server_that_stopped_answering(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password="pw")
    lost: list[str] = []

    async def password(_request):
        return "pw"

    session_spec = ConnectSpec(
        host=server.host, port=server.port, user="tester", ssh_config=None, use_agent=False,
        keepalive_interval=0.2, keepalive_count_max=1,
    )
    callbacks = ConnectCallbacks(decide_host_key=_once, password=password, connection_lost=lost.append)
    async with Session(session_spec, callbacks, trust=trust_store) as session:
        # The server stops reading (a frozen host): only keepalive can tell.
        server.server_connections[-1]._transport.pause_reading()
        for _ in range(100):
            if lost:
                break
            await asyncio.sleep(0.05)
        assert lost and session.state == SessionState.DISCONNECTED


async def test_profile_remote_command_and_forced_pty_apply_to_new_shells(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password="pw")

    async def password(_request):
        return "pw"

    session_spec = ConnectSpec(
        host=server.host, port=server.port, user="tester", ssh_config=None, use_agent=False,
        remote_command="tmux attach", force_pty=True,
    )
    async with Session(session_spec, ConnectCallbacks(decide_host_key=_once, password=password), trust=trust_store) as session:
        process = await session.create_process()
        assert (await process.stdout.read()).strip() == "ran tmux attach on xterm-256color"


async def test_cancelling_the_caller_while_the_host_key_prompt_is_open_stops_the_connect(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password="pw")
    prompt_open = asyncio.Event()
    prompt_cancelled = asyncio.Event()

    async def decide(_check):
        prompt_open.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            prompt_cancelled.set()
            raise
        return HostKeyDecision.ONCE

    session_spec = ConnectSpec(host=server.host, port=server.port, user="tester", ssh_config=None, use_agent=False)
    session = Session(session_spec, ConnectCallbacks(decide_host_key=decide), trust=trust_store)
    caller = asyncio.ensure_future(session.connect())
    await asyncio.wait_for(prompt_open.wait(), 5)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    await asyncio.wait_for(prompt_cancelled.wait(), 2)
    assert session.state == SessionState.IDLE and server.log.auth_attempts == []
