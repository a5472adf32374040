"""When the bulk connection cannot be opened, transfers share the host's connection and say why, once per link."""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh

from sshdeck.core.inert import Inert
from sshdeck.core.ssh.bulk import BulkLink
from sshdeck.core.ssh.bulk_routes import BulkRecipe, BulkRoutes
from sshdeck.core.ssh.login_secrets import LoginSecrets
from sshdeck.core.ssh.session import Session
from sshdeck.core.transfer import LocalEndpoint, SftpEndpoint, Transfer
from tests.core.conftest import PASSWORD
from tests.core.test_bulk_connection import Asked, plain_spec, sshd_spec

HOSTILE_REASON = "too many logins\x1b]0;owned\x07\x1b[2J for you"


def refuse_new_logins(server, monkeypatch) -> None:
    """From now on `server` disconnects every new login (after the key exchange) with a reason full of escape sequences."""
    from tests.core.conftest import _TestSSHServer

    begin_auth = _TestSSHServer.begin_auth

    def refusing(self, username: str) -> bool:
        if self._server is server:
            raise asyncssh.DisconnectError(asyncssh.DISC_TOO_MANY_CONNECTIONS, HOSTILE_REASON)
        return begin_auth(self, username)

    monkeypatch.setattr(_TestSSHServer, "begin_auth", refusing)


async def copy_down(routes: BulkRoutes, link: BulkLink, session: Session, local: Path, name: bytes) -> list:
    shared = SftpEndpoint(await session.sftp(), "/", label="server")
    routes.remember(shared, BulkRecipe(link, "/", "server", "sftp://server"))
    transfer = Transfer(shared, LocalEndpoint(str(local)), [((b"big.bin",), (name,))])
    async with routes.route(transfer) as links:
        report = await transfer.run()
    assert not report.failed
    return links


async def test_a_refused_second_connection_is_said_once_with_the_servers_reason_escaped(
    make_asyncssh_server, trust_store, tmp_path, monkeypatch
) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "big.bin").write_bytes(os.urandom(256 * 1024 + 5))
    local = tmp_path / "local"
    local.mkdir()
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=served)
    told: list[tuple[str, Inert]] = []
    asked, secrets = Asked(), LoginSecrets()
    async with Session(plain_spec(server), secrets.remembering(asked.callbacks(password=asked.password)),
                       trust=trust_store) as session:
        first = server.connections
        refuse_new_logins(server, monkeypatch)
        link, routes = BulkLink(session, secrets), BulkRoutes(on_shared=lambda label, why: told.append((label, why)))
        assert await copy_down(routes, link, session, local, b"one.bin") == []
        assert await copy_down(routes, link, session, local, b"two.bin") == []  # tried again, not said again
        assert server.connections == first + 2 and session.connection_count == 1
    assert len(told) == 1, told
    label, reason = told[0]
    assert label == "server" and isinstance(reason, Inert)
    assert "too many logins" in reason and "for you" in reason
    assert "\x1b" not in reason and "\x07" not in reason and "\\x1b]0;owned\\x07" in reason
    assert (local / "one.bin").read_bytes() == (local / "two.bin").read_bytes() == (served / "big.bin").read_bytes()


async def test_a_working_bulk_connection_says_nothing(openssh_server, trust_store, tmp_path) -> None:
    remote = tmp_path / "remote"
    remote.mkdir()
    (remote / "big.bin").write_bytes(os.urandom(64 * 1024))
    told: list = []
    async with Session(sshd_spec(openssh_server), Asked().callbacks(), trust=trust_store) as session:
        link, routes = BulkLink(session), BulkRoutes(on_shared=lambda label, why: told.append(why))
        shared = SftpEndpoint(await session.sftp(), str(remote), label="sshd")
        routes.remember(shared, BulkRecipe(link, str(remote), "sshd", "sftp://sshd"))
        transfer = Transfer(shared, LocalEndpoint(str(tmp_path)), [((b"big.bin",), (b"copy.bin",))])
        async with routes.route(transfer) as links:
            assert links == [link]
            assert not (await transfer.run()).failed
        await link.close()
    assert told == [] and link.shared_reason is None


async def test_a_password_that_was_not_kept_is_the_reason_given(make_asyncssh_server, trust_store, tmp_path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "big.bin").write_bytes(b"x" * 1000)
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=served)
    told: list = []
    asked = Asked()
    async with Session(plain_spec(server), asked.callbacks(password=asked.password), trust=trust_store) as session:
        link, routes = BulkLink(session, None), BulkRoutes(on_shared=lambda label, why: told.append(why))
        await copy_down(routes, link, session, tmp_path, b"copy.bin")
    assert told == ["the login needs a password that was not kept"]
