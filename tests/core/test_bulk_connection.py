"""The bulk connection: a second login to the same account for transfers, with no second question, or a clean fallback."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import asyncssh

from sshdeck.core.ssh.auth import ConnectCallbacks, KbdIntChallenge, PasswordRequest
from sshdeck.core.ssh.bulk import BulkLink
from sshdeck.core.ssh.bulk_routes import BulkRecipe, BulkRoutes, shared_reconnector
from sshdeck.core.ssh.login_secrets import LoginSecrets
from sshdeck.core.ssh.session import ConnectSpec, Session
from sshdeck.core.transfer import LocalEndpoint, SftpEndpoint, Transfer, TransferOptions
from sshdeck.core.trust import HostKeyDecision
from tests.core.conftest import OTP, PASSWORD


def sshd_spec(server, **kwargs) -> ConnectSpec:
    return ConnectSpec(host=server.host, port=server.port, user=server.username, ssh_config=None, use_agent=False,
                       identity_files=(str(server.client_key),), **kwargs)


def plain_spec(server) -> ConnectSpec:
    return ConnectSpec(host=server.host, port=server.port, user="tester", ssh_config=None, use_agent=False)


class Asked:
    """Counts every question the user would have seen."""

    def __init__(self) -> None:
        self.host_keys = 0
        self.passwords = 0
        self.kbdint = 0

    async def decide(self, _check) -> HostKeyDecision:
        self.host_keys += 1
        return HostKeyDecision.ONCE

    async def password(self, _request: PasswordRequest) -> str:
        self.passwords += 1
        return PASSWORD

    async def answers(self, _challenge: KbdIntChallenge) -> list[str]:
        self.kbdint += 1
        return [PASSWORD, OTP]

    def callbacks(self, **kwargs) -> ConnectCallbacks:
        return ConnectCallbacks(decide_host_key=self.decide, **kwargs)


def accepted_logins(server) -> int:
    return server.log.read_text().count("Accepted publickey")


async def eventually(check, what: str, tries: int = 400) -> None:
    for _ in range(tries):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


async def test_bulk_connection_logs_in_with_the_key_and_asks_nothing_more(openssh_server, trust_store) -> None:
    asked = Asked()
    before = accepted_logins(openssh_server)
    async with Session(sshd_spec(openssh_server), asked.callbacks(), trust=trust_store) as session:
        link = BulkLink(session)
        sftp = await link.sftp()
        assert sftp is not None and link.is_open and link.opened == 1
        assert link.connection is not session.connection
        assert await sftp.exists(str(openssh_server.workdir))
        assert await link.sftp() is sftp  # shared by every transfer to the host
        await link.close()
        assert not link.is_open
    assert asked.host_keys == 1
    assert accepted_logins(openssh_server) - before == 2


async def test_password_only_account_logs_the_bulk_connection_in_without_a_second_prompt(
    make_asyncssh_server, trust_store, tmp_path: Path, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=tmp_path)
    asked, secrets = Asked(), LoginSecrets()
    callbacks = secrets.remembering(asked.callbacks(password=asked.password))
    async with Session(plain_spec(server), callbacks, trust=trust_store) as session:
        first = server.connections  # the unknown key's first try was one
        link = BulkLink(session, secrets)
        assert await link.sftp() is not None
        await link.close()
    assert (asked.host_keys, asked.passwords) == (1, 1)
    assert server.connections == first + 1 and server.log.passwords == [PASSWORD, PASSWORD]
    assert PASSWORD not in caplog.text and PASSWORD not in repr(secrets)
    secrets.forget()
    assert secrets.empty


async def test_keyboard_interactive_answers_are_replayed_for_the_bulk_connection(make_asyncssh_server, trust_store, tmp_path) -> None:
    server = await make_asyncssh_server(kbdint=True, sftp_root=tmp_path)
    asked, secrets = Asked(), LoginSecrets()
    async with Session(plain_spec(server), secrets.remembering(asked.callbacks(keyboard_interactive=asked.answers)),
                       trust=trust_store) as session:
        link = BulkLink(session, secrets)
        assert await link.sftp() is not None
        await link.close()
    assert asked.kbdint == 1
    assert server.log.kbdint_answers == [[PASSWORD, OTP], [PASSWORD, OTP]]


async def test_a_password_that_was_not_kept_means_the_shared_connection_and_no_login_attempt(
    make_asyncssh_server, trust_store, tmp_path
) -> None:
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=tmp_path)
    asked = Asked()
    async with Session(plain_spec(server), asked.callbacks(password=asked.password), trust=trust_store) as session:
        first = server.connections
        link = BulkLink(session)  # no LoginSecrets: nothing to replay
        assert await link.sftp() is None
        assert "password" in (link.unavailable or "")
        assert await link.start_sftp_client() is not None  # extra channels go to the shared connection
    assert asked.passwords == 1 and server.connections == first


async def test_a_different_host_key_on_the_second_connection_is_refused_without_a_question(
    make_asyncssh_server, trust_store, tmp_path
) -> None:
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=tmp_path)
    asked, secrets = Asked(), LoginSecrets()
    async with Session(plain_spec(server), secrets.remembering(asked.callbacks(password=asked.password)),
                       trust=trust_store) as session:
        # Another machine answers on the same port now (the first connection stays up).
        await server.close()
        server.host_key = asyncssh.generate_private_key("ssh-ed25519")
        impostor = await asyncssh.create_server(
            lambda: __import__("tests.core.conftest", fromlist=["_TestSSHServer"])._TestSSHServer(server),
            server.host, server.port, server_host_keys=[server.host_key], config=None,
        )
        try:
            link = BulkLink(session, secrets)
            assert await link.sftp() is None
            assert "host key" in (link.unavailable or "")
        finally:
            impostor.close()
    assert asked.host_keys == 1 and asked.passwords == 1
    assert server.log.passwords == [PASSWORD]  # the password never went to the other key


class Refusing(list):
    """The server's list of new connections: it hangs up on each at once (as sshd does past MaxStartups)."""

    def append(self, conn) -> None:
        super().append(conn)
        conn.close()


async def test_a_server_that_refuses_a_second_connection_still_gets_the_transfer_on_the_shared_one(
    make_asyncssh_server, trust_store, tmp_path
) -> None:
    served = tmp_path / "served"
    served.mkdir()
    data = os.urandom(3 * 1024 * 1024 + 11)
    (served / "big.bin").write_bytes(data)
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=served)
    asked, secrets = Asked(), LoginSecrets()
    local = tmp_path / "local"
    local.mkdir()
    async with Session(plain_spec(server), secrets.remembering(asked.callbacks(password=asked.password)),
                       trust=trust_store) as session:
        first = server.connections
        server.server_connections = Refusing()  # from now on
        link, routes = BulkLink(session, secrets), BulkRoutes()
        shared = SftpEndpoint(await session.sftp(), "/", label="server")
        routes.remember(shared, BulkRecipe(link, "/", "server", "sftp://server"))
        transfer = Transfer(shared, LocalEndpoint(str(local)), [((b"big.bin",), (b"big.bin",))])
        async with routes.route(transfer) as links:
            assert links == [] and transfer.source is shared
            report = await transfer.run()
        assert not report.failed
        assert session.connected and session.connection_count == 1
    assert (local / "big.bin").read_bytes() == data
    assert server.connections == first + 1 and asked.passwords == 1


async def test_a_routed_transfer_runs_on_the_bulk_connection_and_the_link_closes_when_idle(openssh_server, trust_store, tmp_path) -> None:
    data = os.urandom(2 * 1024 * 1024 + 5)
    (tmp_path / "up.bin").write_bytes(data)
    remote = tmp_path / "remote"
    remote.mkdir()
    asked = Asked()
    async with Session(sshd_spec(openssh_server), asked.callbacks(), trust=trust_store) as session:
        link, routes = BulkLink(session, idle_seconds=0), BulkRoutes()
        shared = SftpEndpoint(await session.sftp(), str(remote), label="sshd")
        routes.remember(shared, BulkRecipe(link, str(remote), "sshd", "sftp://sshd"))
        transfer = Transfer(LocalEndpoint(str(tmp_path)), shared, [((b"up.bin",), (b"up.bin",))])
        async with routes.route(transfer) as links:
            assert links == [link] and transfer.dest is not shared
            assert transfer.dest.sftp is not await session.sftp()
            report = await transfer.run()
        assert transfer.dest is shared  # put back, so a retry routes again
        assert not report.failed and (remote / "up.bin").read_bytes() == data
        await eventually(lambda: not link.is_open, "the idle bulk connection to close")
        assert session.connected and link.opened == 1
        # The next transfer opens it again.
        async with routes.route(Transfer(LocalEndpoint(str(tmp_path)), shared, [((b"up.bin",), (b"again.bin",))])) as links:
            assert links == [link] and link.opened == 2
    assert asked.host_keys == 1


async def test_the_bulk_connection_goes_through_the_same_jump_host_checked_at_every_hop(make_openssh_server, trust_store) -> None:
    jump = make_openssh_server("AllowTcpForwarding yes")
    target = make_openssh_server()
    with open(target.authorized_keys, "a") as handle:
        handle.write(Path(str(jump.client_key) + ".pub").read_text())
    asked = Asked()
    spec = ConnectSpec(host=target.host, port=target.port, user=target.username, ssh_config=None, use_agent=False,
                       identity_files=(str(jump.client_key),), jump=f"{jump.username}@127.0.0.1:{jump.port}")
    async with Session(spec, asked.callbacks(), trust=trust_store) as session:
        link = BulkLink(session)
        sftp = await link.sftp()
        assert sftp is not None and await sftp.exists(str(target.workdir))
        await link.close()
    assert asked.host_keys == 2  # one question per hop, at the first connection only
    assert accepted_logins(jump) == 2 and accepted_logins(target) == 2


async def test_the_bulk_connection_is_carried_by_the_profiles_proxy_command(openssh_server, trust_store, tmp_path) -> None:
    from tests.core.test_proxy_command import relay_command

    relay_log = tmp_path / "relay.log"
    asked = Asked()
    spec = sshd_spec(openssh_server, proxy_command=relay_command(relay_log))
    async with Session(spec, asked.callbacks(), trust=trust_store) as session:
        link = BulkLink(session)
        assert await link.sftp() is not None
        await link.close()
    assert asked.host_keys == 1
    # The relay ran for the key's first look, the login, and the bulk connection: every one through the command.
    assert relay_log.read_text().splitlines() == [f"127.0.0.1 {openssh_server.port}"] * 3


async def _get_with_the_bulk_link_cut(server, session, link, served: Path, local: Path, *, refuse_after_cut: bool):
    routes = BulkRoutes()
    shared_calls: list[int] = []
    first_connection = session.connection

    async def reconnect_session():
        raise AssertionError("the shared connection is up: it must not be reconnected (a shell runs on it)")

    fallback = shared_reconnector(session, reconnect_session)

    async def shared_reconnect():
        shared_calls.append(1)
        return await fallback()

    shared = SftpEndpoint(await session.sftp(), "/", label="server", reconnect=shared_reconnect)
    routes.remember(shared, BulkRecipe(link, "/", "server", "sftp://server", shared_reconnect))
    cut: list[int] = []

    def progress(p) -> None:
        if p.bytes_done > 0 and not cut:
            cut.append(p.bytes_done)
            if refuse_after_cut:
                server.server_connections = Refusing()
            bulk_conn.abort()  # the server drops the bulk connection mid-file

    transfer = Transfer(shared, LocalEndpoint(str(local)), [((b"big.bin",), (b"big.bin",))],
                        TransferOptions(backoff_initial=0.05), on_progress=progress)
    async with routes.route(transfer) as links:
        assert links == [link]
        bulk_conn = server.server_connections[-1]
        report = await transfer.run()
    assert cut and not report.failed
    assert session.connection is first_connection
    return shared_calls


async def test_a_cut_bulk_connection_is_opened_again_and_the_copy_completes(make_asyncssh_server, trust_store, tmp_path) -> None:
    served, local = tmp_path / "served", tmp_path / "local"
    served.mkdir()
    local.mkdir()
    data = os.urandom(8 * 1024 * 1024 + 1)
    (served / "big.bin").write_bytes(data)
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=served)
    asked, secrets = Asked(), LoginSecrets()
    async with Session(plain_spec(server), secrets.remembering(asked.callbacks(password=asked.password)),
                       trust=trust_store) as session:
        link = BulkLink(session, secrets)
        shared_calls = await _get_with_the_bulk_link_cut(server, session, link, served, local, refuse_after_cut=False)
        assert link.opened == 2 and shared_calls == [] and session.connected
    assert (local / "big.bin").read_bytes() == data
    assert asked.passwords == 1


async def test_a_cut_bulk_connection_that_cannot_be_opened_again_finishes_on_the_shared_one(
    make_asyncssh_server, trust_store, tmp_path
) -> None:
    served, local = tmp_path / "served", tmp_path / "local"
    served.mkdir()
    local.mkdir()
    data = os.urandom(8 * 1024 * 1024 + 1)
    (served / "big.bin").write_bytes(data)
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=served)
    asked, secrets = Asked(), LoginSecrets()
    async with Session(plain_spec(server), secrets.remembering(asked.callbacks(password=asked.password)),
                       trust=trust_store) as session:
        link = BulkLink(session, secrets)
        shared_calls = await _get_with_the_bulk_link_cut(server, session, link, served, local, refuse_after_cut=True)
        assert link.opened == 1 and shared_calls and session.connected and not link.is_open
    assert (local / "big.bin").read_bytes() == data
    assert asked.passwords == 1


# -- every way of logging in by key is reused as it is --------------------------------------------------

from tests.core.conftest import keygen, sign_user_key  # noqa: E402
from tests.core.test_session_auth import ssh_agent  # noqa: E402,F401  (a fixture)


def _authorize(server, key: Path) -> None:
    with open(server.authorized_keys, "a") as handle:
        handle.write(Path(str(key) + ".pub").read_text())


async def test_an_encrypted_key_is_not_asked_for_again_by_the_bulk_connection(openssh_server, trust_store, tmp_path) -> None:
    key = keygen(tmp_path / "locked", passphrase="open sesame")
    _authorize(openssh_server, key)
    asked_passphrase: list[object] = []

    async def passphrase(request):
        asked_passphrase.append(request)
        return "open sesame"

    asked = Asked()
    spec = ConnectSpec(host=openssh_server.host, port=openssh_server.port, user=openssh_server.username,
                       ssh_config=None, use_agent=False, identity_files=(str(key),))
    async with Session(spec, asked.callbacks(passphrase=passphrase), trust=trust_store) as session:
        link = BulkLink(session)
        assert await link.sftp() is not None
        await link.close()
    assert len(asked_passphrase) == 1 and asked.host_keys == 1


async def test_the_agent_logs_the_bulk_connection_in(openssh_server, trust_store, ssh_agent, tmp_path) -> None:
    import subprocess

    key = keygen(tmp_path / "agent_key")
    _authorize(openssh_server, key)
    subprocess.run(["ssh-add", "-q", str(key)], env={**os.environ, "SSH_AUTH_SOCK": str(ssh_agent)}, check=True,
                   capture_output=True)
    key.unlink()  # only the agent holds it now
    spec = ConnectSpec(host=openssh_server.host, port=openssh_server.port, user=openssh_server.username,
                       ssh_config=None, use_agent=True, agent_path=str(ssh_agent))
    async with Session(spec, Asked().callbacks(), trust=trust_store) as session:
        link = BulkLink(session)
        assert await link.sftp() is not None
        assert link.opened == 1
        await link.close()


async def test_a_user_certificate_logs_the_bulk_connection_in_and_its_expiry_is_said_once(
    make_openssh_server, trust_store, tmp_path
) -> None:
    ca = keygen(tmp_path / "user_ca")
    server = make_openssh_server(f"TrustedUserCAKeys {ca}.pub")
    key = keygen(tmp_path / "id_ed25519")  # not in authorized_keys: only the certificate lets it in
    sign_user_key(ca, key, validity="-5m:+30m")
    notices: list[str] = []
    spec = ConnectSpec(host=server.host, port=server.port, user=server.username, ssh_config=None, use_agent=False,
                       identity_files=(str(key),))
    async with Session(spec, Asked().callbacks(notice=notices.append), trust=trust_store) as session:
        link = BulkLink(session)
        assert await link.sftp() is not None
        await link.close()
    assert accepted_logins(server) == 2
    assert sum("within the hour" in n for n in notices) == 1
