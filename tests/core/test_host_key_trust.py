"""Host-key trust end to end: real servers, the decision callback, and OpenSSH reading our file."""

from __future__ import annotations

import logging
import subprocess

import asyncssh
import pytest

from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.connect_errors import HostKeyRefused
from sshdeck.core.ssh.session import ConnectSpec, Session
from sshdeck.core.trust import (
    HostKeyCheck,
    HostKeyDecision,
    HostKeyStatus,
    TrustPolicy,
    TrustStore,
    changed_key_warning,
    revoked_key_warning,
    unknown_key_text,
)
from tests.core.conftest import PASSWORD


class Decider:
    """A decide_host_key callback that records what it was shown."""

    def __init__(self, answer: HostKeyDecision, server=None) -> None:
        self.answer = answer
        self.seen: list[HostKeyCheck] = []
        self.server = server
        self.auth_before_decision: list[str] | None = None

    async def __call__(self, check: HostKeyCheck) -> HostKeyDecision:
        self.seen.append(check)
        if self.server is not None:
            self.auth_before_decision = list(self.server.log.auth_attempts)
        return self.answer


def sshd_spec(server, **kwargs) -> ConnectSpec:
    kwargs.setdefault("identity_files", (str(server.client_key),))
    return ConnectSpec(host=server.host, port=server.port, user=server.username, ssh_config=None, use_agent=False, **kwargs)


def password_spec(server, **kwargs) -> ConnectSpec:
    return ConnectSpec(host=server.host, port=server.port, user="tester", ssh_config=None, use_agent=False, **kwargs)


async def _password(_request) -> str:
    return PASSWORD


async def test_unknown_host_key_is_decided_before_any_credential_is_offered(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password=PASSWORD)
    decide = Decider(HostKeyDecision.REJECT, server)
    asked: list[object] = []

    async def password(request):
        asked.append(request)
        return PASSWORD

    session = Session(password_spec(server), ConnectCallbacks(decide_host_key=decide, password=password), trust=trust_store)
    with pytest.raises(HostKeyRefused) as caught:
        await session.connect()
    assert caught.value.check.status == HostKeyStatus.UNKNOWN
    assert decide.seen[0].fingerprint == server.fingerprint()
    assert decide.seen[0].key_type == "ED25519" and "+----[SHA256]-----+" in decide.seen[0].randomart
    assert decide.auth_before_decision == [] and server.log.auth_attempts == [] and asked == []
    assert "rejected by the user" in str(caught.value)
    assert not trust_store.own_file.exists()


async def test_connect_once_logs_in_without_saving_and_is_not_asked_again_on_reconnect(
    make_asyncssh_server, trust_store
) -> None:
    server = await make_asyncssh_server(password=PASSWORD)
    decide = Decider(HostKeyDecision.ONCE, server)
    session = Session(password_spec(server), ConnectCallbacks(decide_host_key=decide, password=_password), trust=trust_store)
    await session.connect()
    assert session.connected and server.log.passwords == [PASSWORD]
    await session.reconnect()
    assert session.connected and len(decide.seen) == 1
    await session.close()
    assert not trust_store.own_file.exists()
    # A new session (a new sshdeck run) asks again.
    again = Session(password_spec(server), ConnectCallbacks(decide_host_key=decide, password=_password), trust=trust_store)
    await again.connect()
    await again.close()
    assert len(decide.seen) == 2


@pytest.mark.parametrize("hashed", [False, True])
async def test_trust_and_save_line_is_read_back_by_openssh_without_a_prompt(openssh_server, tmp_path, hashed) -> None:
    store = TrustStore(own_file=tmp_path / "sshdeck_known_hosts", read_files=[], hash_names=hashed)
    decide = Decider(HostKeyDecision.TRUST_AND_SAVE)
    session = Session(sshd_spec(openssh_server), ConnectCallbacks(decide_host_key=decide), trust=store)
    await session.connect()
    await session.close()
    assert len(decide.seen) == 1
    if hashed:
        assert "127.0.0.1" not in store.own_file.read_text()
    result = subprocess.run(
        [
            "ssh", "-F", "/dev/null",
            "-o", f"UserKnownHostsFile={store.own_file}", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
            "-i", str(openssh_server.client_key), "-p", str(openssh_server.port),
            f"{openssh_server.username}@127.0.0.1", "true",
        ],
        capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    # And sshdeck itself now trusts it without asking.
    second = Session(sshd_spec(openssh_server), ConnectCallbacks(decide_host_key=decide), trust=store)
    await second.connect()
    assert second.host_key.status == HostKeyStatus.TRUSTED and second.host_key.known_at.path == store.own_file
    await second.close()
    assert len(decide.seen) == 1


async def test_known_host_key_connects_without_a_prompt_and_names_the_trusting_line(openssh_server, trust_store) -> None:
    user_file = trust_store.read_files[0]
    user_file.write_text("garbage line\n" + openssh_server.known_hosts_line())
    decide = Decider(HostKeyDecision.REJECT)
    async with Session(sshd_spec(openssh_server), ConnectCallbacks(decide_host_key=decide), trust=trust_store) as session:
        assert session.host_key.status == HostKeyStatus.TRUSTED
        assert str(session.host_key.known_at) == f"{user_file}:2"
        result = await session.run("echo hi")
        assert result.stdout == "hi\n"
    assert decide.seen == []


async def test_hashed_known_hosts_entry_trusts_the_server(openssh_server, trust_store) -> None:
    user_file = trust_store.read_files[0]
    openssh_server.write_known_hosts(user_file)
    subprocess.run(["ssh-keygen", "-H", "-f", str(user_file)], check=True, capture_output=True)
    assert user_file.read_text().startswith("|1|")
    async with Session(sshd_spec(openssh_server), ConnectCallbacks(), trust=trust_store) as session:
        assert session.host_key.status == HostKeyStatus.TRUSTED


async def test_changed_host_key_refuses_to_connect(openssh_server, trust_store) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().split()[:2]
    user_file = trust_store.read_files[0]
    user_file.write_text(f"[127.0.0.1]:{openssh_server.port} {other[0]} {other[1]}\n")
    decide = Decider(HostKeyDecision.TRUST_AND_SAVE)
    session = Session(sshd_spec(openssh_server, policy=TrustPolicy.ACCEPT_NEW), ConnectCallbacks(decide_host_key=decide), trust=trust_store)
    with pytest.raises(HostKeyRefused) as caught:
        await session.connect()
    check = caught.value.check
    assert check.status == HostKeyStatus.CHANGED and decide.seen == []
    assert str(check.known_at) == f"{user_file}:1"
    warning = changed_key_warning(check)
    assert "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @" in warning
    assert check.fingerprint in warning and f"Offending ED25519 key in {user_file}:1" in warning
    assert "has changed" in str(caught.value)
    assert not trust_store.own_file.exists()
    # Line for line what OpenSSH's own ssh prints, up to the offending line.
    ssh = subprocess.run(
        [
            "ssh", "-F", "/dev/null", "-o", f"UserKnownHostsFile={user_file}", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-p", str(openssh_server.port),
            f"{openssh_server.username}@127.0.0.1", "true",
        ],
        capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL,
    )
    theirs = [line.rstrip("\r") for line in ssh.stderr.splitlines()]
    start = next(i for i, line in enumerate(theirs) if line.startswith("@@@"))
    end = next(i for i, line in enumerate(theirs) if line.startswith("Offending"))
    assert warning.splitlines()[: end - start + 1] == theirs[start : end + 1]


async def test_revoked_host_key_is_always_refused(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password=PASSWORD)
    key = server.known_hosts_line().split()[1:]
    trust_store.read_files[0].write_text(server.known_hosts_line() + f"@revoked * {key[0]} {key[1]}\n")
    decide = Decider(HostKeyDecision.TRUST_AND_SAVE)
    session = Session(password_spec(server, policy=TrustPolicy.ACCEPT_NEW), ConnectCallbacks(decide_host_key=decide, password=_password), trust=trust_store)
    with pytest.raises(HostKeyRefused) as caught:
        await session.connect()
    check = caught.value.check
    assert check.status == HostKeyStatus.REVOKED and check.fingerprint == server.fingerprint()
    assert check.known_at.line == 2
    assert "REVOKED HOST KEY DETECTED" in revoked_key_warning(check)
    assert decide.seen == [] and server.log.auth_attempts == []


async def test_host_certificate_from_a_trusted_ca_connects_without_a_prompt(ca_signed_sshd, trust_store) -> None:
    server, ca_pub = ca_signed_sshd
    ca_type, ca_b64 = ca_pub.read_text().split()[:2]
    trust_store.read_files[0].write_text(f"@cert-authority [127.0.0.1]:* {ca_type} {ca_b64}\n")
    decide = Decider(HostKeyDecision.REJECT)
    async with Session(sshd_spec(server), ConnectCallbacks(decide_host_key=decide), trust=trust_store) as session:
        assert session.host_key.status == HostKeyStatus.CERT_TRUSTED
        assert session.host_key.known_at.line == 1
    assert decide.seen == []


async def test_host_certificate_from_an_untrusted_ca_prompts_with_the_ca_fingerprint(ca_signed_sshd, trust_store) -> None:
    server, ca_pub = ca_signed_sshd
    ca_fp = asyncssh.read_public_key(str(ca_pub)).get_fingerprint("sha256")
    host_fp = asyncssh.import_public_key(server.host_public_key()).get_fingerprint("sha256")
    decide = Decider(HostKeyDecision.TRUST_AND_SAVE)
    async with Session(sshd_spec(server), ConnectCallbacks(decide_host_key=decide), trust=trust_store):
        pass
    (check,) = decide.seen
    assert check.status == HostKeyStatus.CERT_UNTRUSTED_CA
    assert check.ca_fingerprint == ca_fp and check.fingerprint == host_fp
    assert ca_fp in unknown_key_text(check)
    # The plain host key was saved, so the next connection is trusted by it.
    async with Session(sshd_spec(server), ConnectCallbacks(decide_host_key=decide), trust=trust_store) as again:
        assert again.host_key.status == HostKeyStatus.TRUSTED
    assert len(decide.seen) == 1


async def test_pinned_fingerprint_match_connects_without_prompt_and_is_logged(openssh_server, trust_store, caplog) -> None:
    fp = asyncssh.import_public_key(openssh_server.host_public_key()).get_fingerprint("sha256")
    decide = Decider(HostKeyDecision.REJECT)
    caplog.set_level(logging.INFO, logger="sshdeck")
    async with Session(sshd_spec(openssh_server, pinned_fingerprints=(fp,)), ConnectCallbacks(decide_host_key=decide), trust=trust_store) as session:
        assert session.host_key.pinned and session.host_key.status == HostKeyStatus.TRUSTED
    assert decide.seen == []
    assert any("pinned fingerprint" in r.getMessage() and fp in r.getMessage() for r in caplog.records)


async def test_pinned_fingerprint_mismatch_is_refused_like_a_changed_key(openssh_server, trust_store) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])  # even a known_hosts match does not override a pin
    wrong = asyncssh.generate_private_key("ssh-ed25519").get_fingerprint("sha256")
    decide = Decider(HostKeyDecision.TRUST_AND_SAVE)
    session = Session(sshd_spec(openssh_server, pinned_fingerprints=(wrong,)), ConnectCallbacks(decide_host_key=decide), trust=trust_store)
    with pytest.raises(HostKeyRefused) as caught:
        await session.connect()
    assert caught.value.check.status == HostKeyStatus.CHANGED and caught.value.check.pinned
    assert "pinned" in str(caught.value) and decide.seen == []
    assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in changed_key_warning(caught.value.check)


async def test_strict_policy_refuses_an_unknown_key_without_asking(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password=PASSWORD)
    decide = Decider(HostKeyDecision.TRUST_AND_SAVE)
    session = Session(password_spec(server, policy=TrustPolicy.STRICT), ConnectCallbacks(decide_host_key=decide, password=_password), trust=trust_store)
    with pytest.raises(HostKeyRefused, match="strict"):
        await session.connect()
    assert decide.seen == [] and server.log.auth_attempts == []


async def test_accept_new_policy_saves_an_unknown_key_without_asking(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password=PASSWORD)
    notices: list[str] = []
    callbacks = ConnectCallbacks(password=_password, notice=notices.append)
    async with Session(password_spec(server, policy=TrustPolicy.ACCEPT_NEW), callbacks, trust=trust_store):
        pass
    assert trust_store.own_file.read_text() == server.known_hosts_line()
    assert any(server.fingerprint() in n for n in notices)


async def test_no_decision_callback_means_an_unknown_key_is_refused(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password=PASSWORD)
    session = Session(password_spec(server), ConnectCallbacks(password=_password), trust=trust_store)
    with pytest.raises(HostKeyRefused) as caught:
        await session.connect()
    assert server.fingerprint() in str(caught.value) and server.log.auth_attempts == []


async def test_key_of_another_type_already_known_is_said_in_the_prompt(make_asyncssh_server, trust_store) -> None:
    server = await make_asyncssh_server(password=PASSWORD)
    rsa = asyncssh.generate_private_key("ssh-rsa", key_size=2048).export_public_key().decode().split()[:2]
    trust_store.read_files[0].write_text(f"[127.0.0.1]:{server.port} {rsa[0]} {rsa[1]}\n")
    decide = Decider(HostKeyDecision.REJECT)
    session = Session(password_spec(server), ConnectCallbacks(decide_host_key=decide, password=_password), trust=trust_store)
    with pytest.raises(HostKeyRefused):
        await session.connect()
    assert decide.seen[0].status == HostKeyStatus.UNKNOWN and decide.seen[0].other_types_known == ("RSA",)
    assert "keys of different type are already known" in unknown_key_text(decide.seen[0])


async def test_user_known_hosts_file_none_in_ssh_config_does_not_turn_checking_off(make_asyncssh_server, trust_store, tmp_path) -> None:
    server = await make_asyncssh_server(password=PASSWORD)
    config = tmp_path / "ssh_config"
    config.write_text("Host *\n  UserKnownHostsFile none\n  StrictHostKeyChecking no\n")
    decide = Decider(HostKeyDecision.REJECT)
    spec = ConnectSpec(host="127.0.0.1", port=server.port, user="tester", ssh_config=str(config), use_agent=False)
    with pytest.raises(HostKeyRefused):
        await Session(spec, ConnectCallbacks(decide_host_key=decide, password=_password), trust=trust_store).connect()
    assert len(decide.seen) == 1 and server.log.auth_attempts == []


def test_pasted_fingerprint_is_compared_exactly() -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    fp = key.get_fingerprint("sha256")
    check = HostKeyCheck(HostKeyStatus.UNKNOWN, "h", 22, "", key, "ED25519", fp)
    assert check.matches_fingerprint(fp) and check.matches_fingerprint("  " + fp[len("SHA256:"):] + "\n")
    assert not check.matches_fingerprint(fp.lower()) and not check.matches_fingerprint(fp[:-1])
