"""Importing ~/.ssh/config: the concrete aliases, OpenSSH's precedence, risky settings held back."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.core.hosts.ssh_config_import import (
    ImportCandidate,
    import_candidates,
    preview_ssh_config,
)
from sshdeck.core.hosts.ssh_config_read import split_args


@pytest.fixture
def ssh_dir(hermetic_home: Path) -> Path:
    folder = hermetic_home / ".ssh"
    folder.mkdir(mode=0o700)
    (folder / "config.d").mkdir()
    (folder / "id_work").write_text("key")
    return folder


SAMPLE = """\
# The platform's CLI writes this block; its certificate is renewed hourly.
Include config.d/*.conf

Host shared
    HostName ssh-account.provider.example
    User account

Host gateway
    HostName gateway.example.net
    User ssh
    Port 2200
    RequestTTY force
    RemoteCommand app-1234 --instance 2
    StrictHostKeyChecking yes

Host db-tunnel
    HostName app.example.net
    LocalForward 30000 127.0.0.1:5432
    LocalForward 0.0.0.0:8080 [::1]:80
    RemoteForward 8081 localhost:3000
    DynamicForward 1080
    ProxyJump admin@bastion.example.net:2222

Host legacy
    HostName legacy.example.org
    ProxyCommand nc -x proxy:1080 %h %p
    StrictHostKeyChecking no
    UserKnownHostsFile /dev/null

Host quoted
    HOSTNAME="quoted.example.com"
    identityfile "~/.ssh/my key"

Match host *.internal exec "true"
    User matched

Host *.example.net !gateway.example.net web-*
    User wildcard-user

Host *
    User fallback
    IdentityFile ~/.ssh/id_%r_%h
    ServerAliveInterval 15
"""

INCLUDED = """\
Host platform-app
    HostName app.platform.example
    User me
    CertificateFile ~/.ssh/platform-cert.pub
    IdentityFile %d/.ssh/id_work
    Port 22
"""


def preview(ssh_dir: Path, text: str = SAMPLE, existing: tuple[HostProfile, ...] = ()):
    (ssh_dir / "config").write_text(text)
    (ssh_dir / "config.d" / "platform.conf").write_text(INCLUDED)
    return preview_ssh_config(ssh_dir / "config", existing=existing, ssh_dir=ssh_dir)


def by_alias(candidates: list[ImportCandidate]) -> dict[str, ImportCandidate]:
    return {c.alias: c for c in candidates}


def test_only_concrete_aliases_become_candidates(ssh_dir: Path) -> None:
    result = preview(ssh_dir)
    assert [c.alias for c in result.candidates] == ["platform-app", "shared", "gateway", "db-tunnel", "legacy", "quoted"]
    assert any("Match blocks are not evaluated" in note for note in result.notes)


def test_fields_are_mapped_with_first_match_wins(ssh_dir: Path, hermetic_home: Path) -> None:
    found = by_alias(preview(ssh_dir).candidates)
    shared = found["shared"].profile
    assert (shared.host, shared.user, shared.port) == ("ssh-account.provider.example", "account", 22)
    # Host * comes last, so its IdentityFile adds up while its User loses to the alias's.
    assert shared.identity_files == [str(hermetic_home / ".ssh/id_account_ssh-account.provider.example")]
    assert shared.keepalive_interval == 15
    gateway = found["gateway"].profile
    assert (gateway.port, gateway.force_pty, gateway.remote_command) == (2200, True, "app-1234 --instance 2")
    assert gateway.host_key_policy == "strict"
    assert gateway.user == "ssh"  # the wildcard block excludes gateway.example.net, and comes later anyway
    app = found["platform-app"].profile
    assert app.certificate_file == str(hermetic_home / ".ssh/platform-cert.pub")
    assert app.identity_files[0] == str(ssh_dir / "id_work")
    assert found["quoted"].profile.host == "quoted.example.com"
    assert found["quoted"].profile.identity_files[0] == str(ssh_dir / "my key")


def test_wildcard_blocks_apply_to_matching_aliases(ssh_dir: Path) -> None:
    text = "Host web-*\n  User wildcard-user\n  Port 2022\nHost web-1\n  User own-user\nHost web-2 other\n"
    found = by_alias(preview(ssh_dir, text).candidates)
    assert (found["web-1"].profile.user, found["web-1"].profile.port) == ("wildcard-user", 2022)
    assert found["other"].profile.user == ""
    assert "web-*" not in found


def test_local_forwards_become_tunnels(ssh_dir: Path) -> None:
    candidate = by_alias(preview(ssh_dir).candidates)["db-tunnel"]
    tunnels = [t.describe() for t in candidate.profile.tunnels]
    assert tunnels == [
        "127.0.0.1:30000 -> 127.0.0.1:5432",
        "0.0.0.0:8080 -> [::1]:80",
        "remote 127.0.0.1:8081 -> localhost:3000",
        "127.0.0.1:1080 (SOCKS)",
    ]
    assert any("listens on 0.0.0.0 here: other machines can reach it" in note for note in candidate.notes)
    assert candidate.profile.jump_host == "admin@bastion.example.net:2222"
    assert not candidate.risks


def test_risky_entries_are_marked_and_need_confirmation(ssh_dir: Path) -> None:
    candidates = preview(ssh_dir).candidates
    legacy = by_alias(candidates)["legacy"]
    assert len(legacy.risks) == 2
    assert "StrictHostKeyChecking no" in legacy.risks[0]
    assert "UserKnownHostsFile /dev/null" in legacy.risks[1]
    assert legacy.confirmations == [
        "ProxyCommand runs this command on this computer to reach legacy.example.org: `nc -x proxy:1080 %h %p`"
    ]
    assert legacy.profile.host_key_policy == "ask"

    outcome = import_candidates(candidates, confirm_risky=set())
    assert "legacy" in outcome.skipped and "confirm" in outcome.skipped["legacy"]
    assert "ProxyCommand runs this command" in outcome.skipped["legacy"]
    assert "legacy" not in [p.name for p in outcome.imported]

    confirmed = import_candidates([legacy], confirm_risky={"legacy"})
    (profile,) = confirmed.imported
    assert profile.host_key_policy == "ask"
    assert profile.proxy_command == "nc -x proxy:1080 %h %p"
    assert "Confirmed at import: ProxyCommand runs this command" in profile.notes
    assert "Not carried over: StrictHostKeyChecking no" in profile.notes
    assert profile.problems() == {}


def test_proxy_command_alone_is_imported_only_after_confirmation(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("Host gw\n  HostName 10.0.0.7\n  User deploy\n  ProxyCommand ssh -W %h:%p %r@bastion --tag %n 100%%\n")
    (candidate,) = preview_ssh_config(config, ssh_dir=tmp_path).candidates
    assert not candidate.risks and candidate.risky
    assert candidate.profile.proxy_command == "ssh -W %h:%p %r@bastion --tag gw 100%%"
    assert import_candidates([candidate], confirm_risky=set()).imported == []
    (profile,) = import_candidates([candidate], confirm_risky={candidate.alias}).imported
    assert profile.proxy_command == "ssh -W %h:%p %r@bastion --tag gw 100%%"


def test_forward_agent_turns_agent_forwarding_on_with_the_warning(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("Host dev\n  HostName dev.example.com\n  ForwardAgent yes\nHost prod\n  HostName prod.example.com\n  ForwardAgent no\n")
    found = by_alias(preview_ssh_config(config, ssh_dir=tmp_path).candidates)
    assert found["dev"].profile.agent_forwarding is True
    assert any("anyone with root on dev.example.com can use your agent" in note for note in found["dev"].notes)
    assert found["prod"].profile.agent_forwarding is False
    assert not any("not supported" in note for c in found.values() for note in c.notes)


def test_duplicates_are_detected(ssh_dir: Path) -> None:
    existing = (
        HostProfile(name="Shared", host="other.example"),
        HostProfile(name="gw", host="gateway.example.net", user="ssh", port=2200),
    )
    result = preview(ssh_dir, existing=existing)
    found = by_alias(result.candidates)
    assert found["shared"].duplicate_of is existing[0]
    assert found["gateway"].duplicate_of is existing[1]
    assert found["quoted"].duplicate_of is None
    outcome = import_candidates(result.candidates, confirm_risky=set(), existing=existing)
    assert "duplicate of the profile 'gw'" in outcome.skipped["gateway"]
    assert {p.name for p in outcome.imported} == {"platform-app", "db-tunnel", "quoted"}
    assert all(p.id not in {c.profile.id for c in result.candidates} for p in outcome.imported)


def test_bad_lines_and_missing_includes_are_notes_not_errors(ssh_dir: Path) -> None:
    text = (
        'Host broken\n  HostName "unterminated\n  Port 99999\n'
        "Include missing/*.conf\n"
        "Include ~/.ssh/loop.conf\n"
        "=== nonsense\n"
    )
    (ssh_dir / "loop.conf").write_text("Include ~/.ssh/loop.conf\n")
    result = preview(ssh_dir, text)
    notes = "\n".join(result.notes)
    assert "unterminated quote" in notes
    assert "matched no file" in notes
    assert "nested more than 16 deep" in notes
    assert "cannot read this line" in notes
    broken = by_alias(result.candidates)["broken"]
    assert "between 1 and 65535" in broken.problems["port"]
    outcome = import_candidates([broken], confirm_risky={"broken"})
    assert outcome.imported == [] and "cannot be imported as is" in outcome.skipped["broken"]


def test_missing_config_gives_an_empty_preview(ssh_dir: Path) -> None:
    result = preview_ssh_config(ssh_dir / "nope", ssh_dir=ssh_dir)
    assert result.candidates == [] and "does not exist" in result.notes[0]


def test_include_inside_an_inactive_host_block_never_applies(ssh_dir: Path) -> None:
    (ssh_dir / "extra.conf").write_text("Host *\n  User from-include\n")
    text = "Host other\n  Include extra.conf\nHost target\n  HostName t.example\n"
    found = by_alias(preview(ssh_dir, text).candidates)
    assert found["target"].profile.user == ""
    assert found["other"].profile.user == "from-include"


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ('"a b" c', ["a b", "c"]),
        (r"a\ b 'c d'", ["a b", "c d"]),
        ("x # comment", ["x"]),
        ('"x # not a comment"', ["x # not a comment"]),
    ],
)
def test_arguments_split_like_openssh(text: str, args: list[str]) -> None:
    assert split_args(text) == args


_words = st.sampled_from(["Host", "Match", "HostName", "User", "Port", "IdentityFile", "LocalForward", "ProxyJump",
                          "Include", "RemoteCommand", "RequestTTY", "=", '"', "'", "*", "!", "%", "%h", "~", "a",
                          "::1", "[", "]", ":", "/", "0", "65536", "#", "\\", " ", "\t", "\n", "\x1b"])


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_words, max_size=60).map("".join))
def test_any_config_text_previews_without_raising(ssh_dir: Path, text: str) -> None:
    (ssh_dir / "config").write_text(text)
    result = preview_ssh_config(ssh_dir / "config", ssh_dir=ssh_dir)
    outcome = import_candidates(result.candidates, confirm_risky={c.alias for c in result.candidates})
    for profile in outcome.imported:
        assert profile.problems() == {}


@pytest.mark.parametrize(
    ("first", "second", "jump", "proxy"),
    [
        ("ProxyJump admin@bastion", "ProxyCommand nc %h %p", "admin@bastion", ""),
        ("ProxyCommand nc %h %p", "ProxyJump admin@bastion", "", "nc %h %p"),
    ],
)
def test_proxy_jump_and_proxy_command_the_first_one_wins(tmp_path: Path, first, second, jump, proxy) -> None:
    config = tmp_path / "config"
    config.write_text(f"Host app\n  HostName app.example.com\n  {first}\n  {second}\n")
    (candidate,) = preview_ssh_config(config, ssh_dir=tmp_path).candidates
    assert (candidate.profile.jump_host, candidate.profile.proxy_command) == (jump, proxy)
    assert any("is ignored" in note and "comes first" in note for note in candidate.notes)
    assert candidate.problems == {}
