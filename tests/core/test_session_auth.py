"""Every way of logging in, against OpenSSH's sshd and asyncssh servers."""

from __future__ import annotations

import logging
import os
import subprocess
import time
from pathlib import Path

import pytest

from sshdeck.core.ssh.auth import ConnectCallbacks, KbdIntChallenge, PassphraseRequest, PasswordRequest
from sshdeck.core.ssh.connect_errors import AuthenticationFailed, ConnectError
from sshdeck.core.ssh.session import ConnectSpec, Session
from sshdeck.core.trust import HostKeyDecision
from tests.core.conftest import OTP, PASSWORD, keygen, sign_user_key

async def _trust_once(_check) -> HostKeyDecision:
    return HostKeyDecision.ONCE


def sshd_spec(server, *identity: Path, **kwargs) -> ConnectSpec:
    kwargs.setdefault("use_agent", False)
    return ConnectSpec(
        host=server.host, port=server.port, user=server.username, ssh_config=None,
        identity_files=tuple(str(p) for p in identity), **kwargs,
    )


def authorize(server, key: Path) -> None:
    with open(server.authorized_keys, "a") as handle:
        handle.write(Path(str(key) + ".pub").read_text())


async def test_key_file_login(openssh_server, trust_store) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    async with Session(sshd_spec(openssh_server, openssh_server.client_key), trust=trust_store) as session:
        assert session.auth.methods_tried == ["publickey"]
        assert (await session.run("echo ok")).stdout == "ok\n"


async def test_encrypted_key_asks_for_its_passphrase_after_the_host_key_decision(openssh_server, trust_store, tmp_path) -> None:
    # PEM encryption needs no bcrypt; OpenSSH's own format is covered below.
    key = keygen(tmp_path / "id_ecdsa", "ecdsa", passphrase="s3cret", extra=("-m", "PEM"))
    authorize(openssh_server, key)
    events: list[str] = []

    async def decide(_check):
        events.append("host key")
        return HostKeyDecision.ONCE

    async def passphrase(request: PassphraseRequest):
        events.append(f"passphrase {request.attempt} {request.error}")
        return "s3cret"

    callbacks = ConnectCallbacks(decide_host_key=decide, passphrase=passphrase)
    async with Session(sshd_spec(openssh_server, key), callbacks, trust=trust_store) as session:
        assert session.auth.methods_tried == ["publickey"]
        # A second connection (MaxSessions, reconnect) reuses the decrypted key.
        await session.reconnect()
    assert events == ["host key", "passphrase 1 None"]


async def test_wrong_passphrase_three_times_is_said_plainly_and_the_key_skipped(openssh_server, trust_store, tmp_path) -> None:
    key = keygen(tmp_path / "id_ecdsa", "ecdsa", passphrase="s3cret", extra=("-m", "PEM"))
    authorize(openssh_server, key)
    requests: list[PassphraseRequest] = []
    notices: list[str] = []

    async def passphrase(request: PassphraseRequest):
        requests.append(request)
        return "hunter2-bad"

    callbacks = ConnectCallbacks(decide_host_key=_trust_once, passphrase=passphrase, notice=notices.append)
    with pytest.raises(AuthenticationFailed) as caught:
        await Session(sshd_spec(openssh_server, key), callbacks, trust=trust_store).connect()
    assert [(r.attempt, r.error) for r in requests] == [(1, None), (2, "Wrong passphrase."), (3, "Wrong passphrase.")]
    assert any("wrong passphrase" in n for n in notices)
    assert "wrong passphrase" in str(caught.value) and "hunter2" not in str(caught.value)


async def test_openssh_format_encrypted_key_logs_in_with_bcrypt(openssh_server, trust_store, tmp_path) -> None:
    key = keygen(tmp_path / "id_ed25519", passphrase="s3cret")
    authorize(openssh_server, key)

    async def passphrase(_request):
        return "s3cret"

    callbacks = ConnectCallbacks(decide_host_key=_trust_once, passphrase=passphrase)
    async with Session(sshd_spec(openssh_server, key), callbacks, trust=trust_store) as session:
        assert session.auth.methods_tried == ["publickey"]


@pytest.fixture
def ssh_agent(tmp_path: Path):
    """A real ssh-agent on a socket in tmp_path; killed at the end."""
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.02)
        yield sock
    finally:
        agent.terminate()
        agent.wait(timeout=5)


async def test_agent_login_with_a_real_ssh_agent(openssh_server, trust_store, ssh_agent, tmp_path) -> None:
    key = keygen(tmp_path / "agent_key")
    authorize(openssh_server, key)
    subprocess.run(["ssh-add", "-q", str(key)], env={**os.environ, "SSH_AUTH_SOCK": str(ssh_agent)}, check=True, capture_output=True)
    key.unlink()  # only the agent holds it now
    spec = sshd_spec(openssh_server, use_agent=True, agent_path=str(ssh_agent))
    async with Session(spec, ConnectCallbacks(decide_host_key=_trust_once), trust=trust_store) as session:
        assert session.auth.methods_tried == ["publickey"] and session.auth.keys_offered == 1


async def test_user_certificate_login_shows_principals_and_expiry(make_openssh_server, trust_store, tmp_path) -> None:
    ca = keygen(tmp_path / "user_ca")
    server = make_openssh_server(f"TrustedUserCAKeys {ca}.pub")
    key = keygen(tmp_path / "id_ed25519")  # not in authorized_keys: only the certificate lets it in
    sign_user_key(ca, key, validity="-5m:+30m")
    notices: list[str] = []
    callbacks = ConnectCallbacks(decide_host_key=_trust_once, notice=notices.append)
    async with Session(sshd_spec(server, key), callbacks, trust=trust_store) as session:
        (cert,) = session.auth.certificates
        assert cert.principals == (server.username,) and cert.key_id == "test-user"
        assert cert.expires_soon() and not cert.expired()
    assert any("within the hour" in n for n in notices)


async def test_certificate_file_given_separately_is_used(make_openssh_server, trust_store, tmp_path) -> None:
    ca = keygen(tmp_path / "user_ca")
    server = make_openssh_server(f"TrustedUserCAKeys {ca}.pub")
    key = keygen(tmp_path / "id_ed25519")
    cert = sign_user_key(ca, key)
    elsewhere = tmp_path / "certs" / "mine-cert.pub"
    elsewhere.parent.mkdir()
    cert.rename(elsewhere)
    spec = sshd_spec(server, key, certificate_file=str(elsewhere))
    async with Session(spec, ConnectCallbacks(decide_host_key=_trust_once), trust=trust_store) as session:
        assert session.auth.certificates[0].path == str(elsewhere)
        assert session.auth.certificates[0].warning() is None


async def test_expired_certificate_is_reported(make_openssh_server, trust_store, tmp_path) -> None:
    ca = keygen(tmp_path / "user_ca")
    server = make_openssh_server(f"TrustedUserCAKeys {ca}.pub")
    key = keygen(tmp_path / "id_ed25519")
    sign_user_key(ca, key, validity="-2h:-1h")
    notices: list[str] = []
    callbacks = ConnectCallbacks(decide_host_key=_trust_once, notice=notices.append)
    with pytest.raises(AuthenticationFailed):
        await Session(sshd_spec(server, key), callbacks, trust=trust_store).connect()
    assert any("expired" in n for n in notices)


async def test_password_login_retries_and_never_logs_the_password(make_asyncssh_server, trust_store, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    server = await make_asyncssh_server(password=PASSWORD)
    requests: list[PasswordRequest] = []
    answers = iter(["not it", PASSWORD])

    async def password(request: PasswordRequest):
        requests.append(request)
        return next(answers)

    spec = ConnectSpec(host=server.host, port=server.port, user="tester", ssh_config=None, use_agent=False)
    async with Session(spec, ConnectCallbacks(decide_host_key=_trust_once, password=password), trust=trust_store) as session:
        assert session.auth.methods_tried == ["password"]
    assert [(r.attempt, r.error) for r in requests] == [(1, None), (2, "Wrong password.")]
    assert server.log.passwords == ["not it", PASSWORD]
    assert PASSWORD not in caplog.text and "not it" not in caplog.text


async def test_wrong_password_three_times_fails_with_the_methods_tried(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password=PASSWORD)

    async def password(_request):
        return "nope"

    spec = ConnectSpec(host=server.host, port=server.port, user="tester", ssh_config=None, use_agent=False)
    with pytest.raises(AuthenticationFailed) as caught:
        await Session(spec, ConnectCallbacks(decide_host_key=_trust_once, password=password), trust=trust_store).connect()
    assert str(caught.value) == "authentication failed for tester@127.0.0.1 (tried: password)"
    assert server.log.passwords == ["nope"] * 3


async def test_two_prompt_keyboard_interactive_honours_echo_and_escapes_server_text(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(kbdint=True, banner="Welcome\x1b]0;pwned\x07 to the test\n")
    challenges: list[KbdIntChallenge] = []
    texts = []

    async def answer(challenge: KbdIntChallenge):
        challenges.append(challenge)
        return [PASSWORD, OTP]

    spec = ConnectSpec(host=server.host, port=server.port, user="tester", ssh_config=None, use_agent=False)
    callbacks = ConnectCallbacks(decide_host_key=_trust_once, keyboard_interactive=answer, server_text=texts.append)
    async with Session(spec, callbacks, trust=trust_store) as session:
        assert session.auth.methods_tried == ["keyboard-interactive"]
    (challenge,) = challenges
    assert [(p.text, p.echo) for p in challenge.prompts] == [("Password: ", False), ("Code (echoed): ", True)]
    assert challenge.from_server and challenge.name == "Two-step login"
    assert challenge.instructions == "Answer both questions.\\x1b[31m"
    assert server.log.kbdint_answers == [[PASSWORD, OTP]]
    (banner,) = texts
    assert banner.source == "server" and "\x1b" not in banner.text and "\\x1b]0;pwned\\x07" in banner.text
    assert banner.labelled().startswith("[message from 127.0.0.1]")


async def test_jump_host_is_checked_and_used_as_the_tunnel(make_openssh_server, trust_store) -> None:
    jump = make_openssh_server("AllowTcpForwarding yes")
    target = make_openssh_server()
    authorize(target, jump.client_key)
    seen = []

    async def decide(check):
        seen.append((check.host, check.port))
        return HostKeyDecision.TRUST_AND_SAVE

    spec = sshd_spec(target, jump.client_key, jump=f"{jump.username}@127.0.0.1:{jump.port}")
    async with Session(spec, ConnectCallbacks(decide_host_key=decide), trust=trust_store) as session:
        assert (await session.run("echo through")).stdout == "through\n"
        (hop,) = session._connections[0].jumps
        assert hop.target.port == jump.port
    # Trust was decided for each hop, jump host first.
    assert seen == [("127.0.0.1", jump.port), ("127.0.0.1", target.port)]
    assert "Accepted publickey" in jump.log.read_text()


async def test_jump_host_that_refuses_forwarding_stops_the_connection(make_openssh_server, trust_store) -> None:
    jump = make_openssh_server("AllowTcpForwarding no")
    target = make_openssh_server()
    authorize(target, jump.client_key)
    spec = sshd_spec(target, jump.client_key, jump=f"{jump.username}@127.0.0.1:{jump.port}")
    with pytest.raises(ConnectError) as caught:
        await Session(spec, ConnectCallbacks(decide_host_key=_trust_once), trust=trust_store).connect()
    assert caught.value.kind == "channel" and "\n" not in str(caught.value)


async def test_a_profiles_auth_order_decides_which_method_is_used(make_asyncssh_server, trust_store, tmp_path) -> None:
    from sshdeck.core.hosts.profiles import HostProfile
    from sshdeck.core.ssh.profile_connect import spec_from_profile

    key = keygen(tmp_path / "id_ed25519")
    server = await make_asyncssh_server(
        authorized_keys=(tmp_path / "id_ed25519.pub").read_text(), password=PASSWORD
    )
    asked: list[PasswordRequest] = []

    async def password(request: PasswordRequest):
        asked.append(request)
        return PASSWORD

    callbacks = ConnectCallbacks(decide_host_key=_trust_once, password=password)

    def spec_for(methods: list[str]):
        profile = HostProfile(
            name="p", host=server.host, port=server.port, user="tester",
            identity_files=[str(key)], auth_methods=methods,
        )
        return spec_from_profile(profile, ssh_config=None)

    # Password first: the key is never offered, although it would work.
    async with Session(spec_for(["password", "key"]), callbacks, trust=trust_store) as session:
        assert session.auth.methods_tried == ["password"]
    assert len(asked) == 1
    # Key first: no password question at all.
    async with Session(spec_for(["key", "password"]), callbacks, trust=trust_store) as session:
        assert session.auth.methods_tried == ["publickey"]
    assert len(asked) == 1
    # Key files left out: only the password can log in.
    async with Session(spec_for(["agent", "password"]), callbacks, trust=trust_store) as session:
        assert session.auth.methods_tried[-1] == "password"
    assert len(asked) == 2
