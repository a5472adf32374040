"""A refused login says what was refused and why it usually is, against OpenSSH's sshd.

A certificate names its principals and validity against the user tried; a
plain key names its type, SHA256 fingerprint and file, and the usual causes,
including a `from=` restriction with the address this machine connected from.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import asyncssh
import pytest

from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.connect_errors import ConnectError
from sshdeck.core.ssh.session import ConnectSpec, Session
from sshdeck.core.trust import HostKeyDecision
from tests.core.conftest import keygen
from tests.core.test_agent_forwarding import agent  # noqa: F401  (a real ssh-agent on a temporary socket)
from tests.support.openssh import sign_user_key, user_ca


async def _once(_check) -> HostKeyDecision:
    return HostKeyDecision.ONCE


def _spec(server, key: Path, user: str | None = None) -> ConnectSpec:
    return ConnectSpec(
        host="127.0.0.1", port=server.port, user=user or server.username, ssh_config=None,
        use_agent=False, identity_files=(str(key),),
    )


async def _refused(spec: ConnectSpec, trust_store) -> str:
    with pytest.raises(ConnectError) as caught:
        await Session(spec, ConnectCallbacks(decide_host_key=_once), trust=trust_store).connect()
    assert caught.value.kind == "auth"
    message = str(caught.value)
    assert "\n" not in message
    return message


def _fingerprint(key: Path) -> str:
    return asyncssh.read_public_key(f"{key}.pub").get_fingerprint("sha256")


async def test_certificate_for_other_principals_names_them_and_the_user(make_openssh_server, trust_store, tmp_path) -> None:
    ca, trust_line = user_ca(tmp_path)
    server = make_openssh_server(trust_line)
    key = keygen(tmp_path / "id_ed25519")
    sign_user_key(ca, key, "web,alice")
    message = await _refused(_spec(server, key), trust_store)
    assert f"certificate for web, alice; logging in as {server.username}" in message


async def test_certificate_for_the_user_logs_in(make_openssh_server, trust_store, tmp_path) -> None:
    ca, trust_line = user_ca(tmp_path)
    server = make_openssh_server(trust_line)
    key = keygen(tmp_path / "id_ed25519")
    sign_user_key(ca, key, f"web,{server.username}")
    async with Session(_spec(server, key), ConnectCallbacks(decide_host_key=_once), trust=trust_store) as session:
        assert session.connected


async def test_expired_certificate_says_when_it_expired(make_openssh_server, trust_store, tmp_path) -> None:
    ca, trust_line = user_ca(tmp_path)
    server = make_openssh_server(trust_line)
    key = keygen(tmp_path / "id_ed25519")
    sign_user_key(ca, key, server.username, "20250101:20250102")
    message = await _refused(_spec(server, key), trust_store)
    assert "certificate expired 2025-01-02 00:00 UTC" in message
    assert "logging in as" not in message


async def test_certificate_not_yet_valid_says_from_when(make_openssh_server, trust_store, tmp_path) -> None:
    ca, trust_line = user_ca(tmp_path)
    server = make_openssh_server(trust_line)
    key = keygen(tmp_path / "id_ed25519")
    sign_user_key(ca, key, server.username, "20990101:20990102")
    message = await _refused(_spec(server, key), trust_store)
    assert "certificate not valid before 2099-01-01 00:00 UTC" in message


async def test_certificate_from_an_untrusted_ca_asks_about_the_ca(make_openssh_server, trust_store, tmp_path) -> None:
    ca, _trust_line = user_ca(tmp_path)
    server = make_openssh_server()  # no TrustedUserCAKeys
    key = keygen(tmp_path / "id_ed25519")
    sign_user_key(ca, key, f"web,{server.username}")
    message = await _refused(_spec(server, key), trust_store)
    assert f"the server refused certificate sshdeck-test-cert (for web, {server.username}, no expiry)" in message
    assert "is its CA in the server's TrustedUserCAKeys?" in message


async def test_refused_key_names_type_fingerprint_and_file(make_openssh_server, trust_store, tmp_path) -> None:
    server = make_openssh_server()
    stranger = keygen(tmp_path / "id_ed25519")
    message = await _refused(_spec(server, stranger), trust_store)
    assert f"the server refused key ED25519 {_fingerprint(stranger)} ({stranger})" in message
    assert "Usual causes: the key is not in authorized_keys" in message
    assert "or the account is locked" in message


async def test_key_restricted_by_from_names_the_local_address(make_openssh_server, trust_store) -> None:
    server = make_openssh_server()
    public = (server.workdir / "client_key.pub").read_text()
    server.authorized_keys.write_text(f'from="10.9.9.9" {public}')
    message = await _refused(_spec(server, server.client_key), trust_store)
    assert f"ED25519 {_fingerprint(server.client_key)}" in message
    assert "a from= restriction (this machine connected from 127.0.0.1)" in message


async def test_key_file_under_home_is_shown_with_a_tilde(make_openssh_server, trust_store, hermetic_home) -> None:
    server = make_openssh_server()
    ssh_dir = Path(hermetic_home) / ".ssh"
    ssh_dir.mkdir(exist_ok=True)
    key = keygen(ssh_dir / "id_ed25519")
    message = await _refused(_spec(server, key), trust_store)
    assert "(~/.ssh/id_ed25519)" in message


# -- the same lines from `sshdeck ls` ---------------------------------------------


async def _ls(config: Path, target: str, trust_store) -> tuple[int, str, str]:
    import argparse
    import io

    from sshdeck.commands import ls

    parser = argparse.ArgumentParser(prog="sshdeck")
    ls.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["ls", "-F", str(config), "--batch", target])
    out, err = io.StringIO(), io.StringIO()
    code = await ls.run_async(args, stdin=io.StringIO(""), stdout=out, stderr=err, trust=trust_store)
    return code, out.getvalue(), err.getvalue()


def _config(tmp_path: Path, server, key: Path) -> Path:
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host box\n  HostName 127.0.0.1\n  Port {server.port}\n  User {server.username}\n"
        f"  IdentityFile {key}\n  IdentitiesOnly yes\n"
    )
    return config


async def test_ls_names_the_certificates_principals(make_openssh_server, trust_store, tmp_path) -> None:
    ca, trust_line = user_ca(tmp_path)
    server = make_openssh_server(trust_line)
    server.write_known_hosts(trust_store.read_files[0])
    key = keygen(tmp_path / "id_ed25519")
    sign_user_key(ca, key, "web,alice")
    code, out, err = await _ls(_config(tmp_path, server, key), "box:/", trust_store)
    assert code != 0 and out == ""
    assert f"certificate for web, alice; logging in as {server.username}" in err
    assert len(err.strip().splitlines()) == 1


async def test_ls_names_the_local_address_for_a_from_restriction(make_openssh_server, trust_store, tmp_path) -> None:
    server = make_openssh_server()
    server.write_known_hosts(trust_store.read_files[0])
    public = (server.workdir / "client_key.pub").read_text()
    server.authorized_keys.write_text(f'from="10.9.9.9" {public}')
    code, out, err = await _ls(_config(tmp_path, server, server.client_key), "box:/", trust_store)
    assert code != 0 and out == ""
    assert "a from= restriction (this machine connected from 127.0.0.1)" in err


async def test_refused_agent_key_is_named_as_the_agents(make_openssh_server, trust_store, agent) -> None:
    server = make_openssh_server()
    sock, fingerprint = agent
    spec = ConnectSpec(
        host="127.0.0.1", port=server.port, user=server.username, ssh_config=None,
        agent_path=sock, use_key_files=False,
    )
    message = await _refused(spec, trust_store)
    assert f"the server refused key ED25519 {fingerprint} (agent)" in message


async def test_behind_a_jump_host_no_local_address_is_claimed(make_openssh_server, trust_store) -> None:
    jump = make_openssh_server("AllowTcpForwarding yes")
    target = make_openssh_server()  # does not know the jump host's key
    spec = ConnectSpec(
        host="127.0.0.1", port=target.port, user=target.username, ssh_config=None, use_agent=False,
        identity_files=(str(jump.client_key),), jump=f"{jump.username}@127.0.0.1:{jump.port}",
    )
    message = await _refused(spec, trust_store)
    assert "the server refused key ED25519" in message
    assert "a from= restriction, or the account is locked" in message
    assert "this machine connected from" not in message


def test_certificate_names_with_control_characters_are_shown_inert() -> None:
    from sshdeck.core.ssh.auth import UserCertificateInfo

    info = UserCertificateInfo("c", "id\x1b[2J", ("web\x1b]0;x\x07", "alice"), None, None)
    text = info.refusal("bob")
    assert "\x1b" not in text and "\x07" not in text
    assert text == "certificate for web\\x1b]0;x\\x07, alice; logging in as bob"
