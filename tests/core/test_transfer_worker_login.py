"""Who a worker process may be: the parent's verified host key only, its login (key, kept password), a server taking one connection."""

from __future__ import annotations

import os
from pathlib import Path

from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.login_secrets import LoginSecrets
from sshdeck.core.ssh.session import ConnectSpec, Session
from sshdeck.core.ssh.worker_ticket import ticket_for
from sshdeck.core.transfer import LocalEndpoint, SftpEndpoint, Transfer
from tests.core.conftest import PASSWORD
from tests.core.worker_support import REQUEST, SIZE, Workers, copy_through_workers, options, sha, trust_once


async def test_a_worker_is_never_trusted_with_another_host_key(openssh_server, trust_store, tmp_path: Path,
                                                               monkeypatch) -> None:
    from tests.support.openssh import keygen

    other = keygen(tmp_path / "other_host_key")
    other_line = " ".join(Path(str(other) + ".pub").read_text().split()[:2])
    logins_before = openssh_server.log.read_text().count("Accepted publickey")

    def forged(session) -> dict:
        ticket = ticket_for(session)
        ticket["host_key"] = other_line  # as if the parent had verified another key
        return ticket

    workers = Workers(monkeypatch)
    report, data, arrived = await copy_through_workers(openssh_server, trust_store, tmp_path, "get", options(),
                                                       ticket=forged)
    assert report.ok, [i.error for i in report.failed]
    assert workers.refused == ["host-key"] and workers.ranges == 0
    assert workers.all_ended()
    assert sha(arrived.read_bytes()) == sha(data)  # the parent copied it all
    # The worker stopped at the host key, before logging in: only the parent's login was accepted.
    assert openssh_server.log.read_text().count("Accepted publickey") - logins_before == 1


class Refusing(list):
    """The server's list of new connections: it hangs up on each at once (as sshd does past MaxStartups)."""

    def append(self, conn) -> None:
        super().append(conn)
        conn.close()


async def password_session_copy(make_asyncssh_server, trust_store, tmp_path: Path, monkeypatch, *, refuse: bool):
    served = tmp_path / "served"
    served.mkdir()
    data = os.urandom(SIZE)
    (served / "big.bin").write_bytes(data)
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=served)
    asked: list[int] = []

    async def password(_request) -> str:
        asked.append(1)
        return PASSWORD

    secrets = LoginSecrets()
    callbacks = secrets.remembering(ConnectCallbacks(decide_host_key=trust_once, password=password))
    spec = ConnectSpec(host=server.host, port=server.port, user="tester", ssh_config=None, use_agent=False)
    local = tmp_path / "local"
    local.mkdir()
    workers = Workers(monkeypatch)
    async with Session(spec, callbacks, trust=trust_store) as session:
        if refuse:
            server.server_connections = Refusing()  # from now on
        remote = SftpEndpoint(await session.sftp(), "/", label="server")
        remote.worker_ticket = lambda: ticket_for(session, secrets)
        report = await Transfer(remote, LocalEndpoint(local), REQUEST, options()).run()
    assert report.ok, [i.error for i in report.failed]
    assert (local / "big.bin").read_bytes() == data
    assert asked == [1]  # the user typed the password once
    assert workers.all_ended()
    return server, workers


async def test_a_worker_logs_in_with_the_password_typed_once_passed_over_its_pipe(
        make_asyncssh_server, trust_store, tmp_path: Path, monkeypatch) -> None:
    server, workers = await password_session_copy(make_asyncssh_server, trust_store, tmp_path, monkeypatch, refuse=False)
    assert workers.refused == [] and workers.ranges >= 1
    assert server.log.passwords == [PASSWORD, PASSWORD]  # the parent's login and the worker's
    assert len(workers.seen) == 1 and PASSWORD.encode() not in workers.seen[0]  # it came over the pipe


async def test_a_server_that_hangs_up_on_a_second_connection_gets_the_whole_file_from_the_parent(
        make_asyncssh_server, trust_store, tmp_path: Path, monkeypatch) -> None:
    server, workers = await password_session_copy(make_asyncssh_server, trust_store, tmp_path, monkeypatch, refuse=True)
    assert len(workers.started) == 1 and len(workers.refused) == 1 and workers.ranges == 0
    assert server.log.passwords == [PASSWORD]  # the worker never got as far as logging in


async def test_a_worker_that_cannot_log_in_leaves_the_file_to_the_parent(openssh_server, trust_store, tmp_path: Path,
                                                                         monkeypatch) -> None:
    def keyless(session) -> dict:
        ticket = ticket_for(session)
        ticket["spec"]["identity_files"] = []  # as if the key had gone: sshd takes keys only
        ticket["keys"] = []
        return ticket

    workers = Workers(monkeypatch)
    report, data, arrived = await copy_through_workers(openssh_server, trust_store, tmp_path, "put", options(),
                                                       ticket=keyless)
    assert report.ok, [i.error for i in report.failed]
    assert workers.refused == ["auth"] and workers.ranges == 0 and workers.all_ended()
    assert sha(arrived.read_bytes()) == sha(data)
