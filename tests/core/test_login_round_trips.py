"""A key login costs one round trip of user-auth requests, not three (core/ssh/fast_auth.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import asyncssh
import pytest

from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.session import ConnectSpec, Session
from sshdeck.core.trust import HostKeyDecision
from tests.core.conftest import PASSWORD, keygen
from tests.core.test_session_auth import authorize, ssh_agent, sshd_spec  # noqa: F401 - ssh_agent is a fixture


async def _trust_once(_check) -> HostKeyDecision:
    return HostKeyDecision.ONCE


@pytest.fixture
def auth_requests(monkeypatch) -> list[tuple[bytes, bool]]:
    """Every user-auth request the client sends: (method, whether it carries a signature)."""
    sent: list[tuple[bytes, bool]] = []
    real = asyncssh.connection.SSHConnection.send_userauth_request

    async def counted(self, method: bytes, *args: bytes, key=None, trivial: bool = True) -> None:
        sent.append((method, key is not None))
        await real(self, method, *args, key=key, trivial=trivial)

    monkeypatch.setattr(asyncssh.connection.SSHConnection, "send_userauth_request", counted)
    return sent


async def test_key_file_login_sends_one_signed_request_and_no_none_probe(openssh_server, trust_store,
                                                                          auth_requests) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    async with Session(sshd_spec(openssh_server, openssh_server.client_key), trust=trust_store) as session:
        assert (await session.run("echo ok")).stdout == "ok\n"
    # Before: ("none", no signature), ("publickey", query), ("publickey", signed): three round trips.
    assert auth_requests == [(b"publickey", True)]


async def test_refused_key_file_then_the_right_one_logs_in(openssh_server, trust_store, auth_requests,
                                                          tmp_path: Path) -> None:
    stranger = keygen(tmp_path / "id_stranger")  # not authorized: the server refuses its signed request
    openssh_server.write_known_hosts(trust_store.read_files[0])
    spec = sshd_spec(openssh_server, stranger, openssh_server.client_key)
    async with Session(spec, trust=trust_store) as session:
        assert session.auth.methods_tried == ["publickey"]
        assert session.connection_count == 1
    assert auth_requests == [(b"publickey", True), (b"publickey", True)]


async def test_agent_key_is_still_asked_about_before_it_signs(openssh_server, trust_store, ssh_agent,
                                                            tmp_path: Path, auth_requests) -> None:
    # An agent may ask its user to confirm each signature (ssh-add -c): it signs only for a key the server accepts.
    key = keygen(tmp_path / "agent_key")
    authorize(openssh_server, key)
    subprocess.run(["ssh-add", "-q", str(key)], env={**os.environ, "SSH_AUTH_SOCK": str(ssh_agent)}, check=True,
                   capture_output=True)
    key.unlink()
    spec = sshd_spec(openssh_server, use_agent=True, agent_path=str(ssh_agent))
    async with Session(spec, ConnectCallbacks(decide_host_key=_trust_once), trust=trust_store):
        pass
    assert auth_requests == [(b"publickey", False), (b"publickey", True)]


async def test_without_a_key_the_login_probes_with_none_and_uses_a_password(make_asyncssh_server, trust_store,
                                                                           auth_requests) -> None:
    server = await make_asyncssh_server(password=PASSWORD)

    async def password(_request):
        return PASSWORD

    spec = ConnectSpec(host=server.host, port=server.port, user="tester", ssh_config=None, use_agent=False)
    async with Session(spec, ConnectCallbacks(decide_host_key=_trust_once, password=password),
                       trust=trust_store) as session:
        assert session.auth.methods_tried == ["password"]
    assert [method for method, _signed in auth_requests] == [b"none", b"password"]


@pytest.mark.parametrize("key_type", ["rsa", "ecdsa"])
async def test_other_key_types_also_log_in_with_one_signed_request(openssh_server, trust_store, auth_requests,
                                                                   tmp_path: Path, key_type: str) -> None:
    # RSA signs with the SHA-2 algorithm the server named in its server-sig-algs, without asking first.
    key = keygen(tmp_path / f"id_{key_type}", key_type, extra=("-b", "2048") if key_type == "rsa" else ())
    authorize(openssh_server, key)
    openssh_server.write_known_hosts(trust_store.read_files[0])
    async with Session(sshd_spec(openssh_server, key), trust=trust_store) as session:
        assert session.auth.methods_tried == ["publickey"]
    assert auth_requests == [(b"publickey", True)]
