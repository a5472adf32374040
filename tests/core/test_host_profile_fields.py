"""The profile editor's checks, field by field, as the user types."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import fields
from pathlib import Path

import pytest

from sshdeck.core.hosts.profiles import (
    HostProfile,
    Tunnel,
    fingerprint_problem,
    normalize_fingerprint,
    validate_field,
)

# What `ssh-keygen -lf` prints for a key: SHA256 of the blob, unpadded base64.
GOOD_FINGERPRINT = "SHA256:" + base64.b64encode(hashlib.sha256(b"key blob").digest()).decode().rstrip("=")


def test_profile_has_no_secret_field() -> None:
    names = {f.name for f in fields(HostProfile)}
    assert not {n for n in names if "pass" in n or "secret" in n}


def test_a_default_profile_with_a_host_is_valid_and_ids_are_unique() -> None:
    a = HostProfile(name="web", host="example.com")
    b = HostProfile(name="web2", host="example.com")
    assert a.problems() == {}
    assert a.id != b.id and len(a.id) == 32


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("port", 0, "port must be a number between 1 and 65535"),
        ("port", 65536, "port must be a number between 1 and 65535"),
        ("port", 10**30, "port must be a number between 1 and 65535"),
        ("port", "22x", "port must be a number between 1 and 65535"),
        ("port", True, "port must be a number between 1 and 65535"),
        ("host", "", "host name is empty"),
        ("host", "a b", "host name must not contain spaces"),
        ("name", "   ", "name is empty"),
        ("name", "x" * 101, "name is longer than 100 characters"),
        ("user", "-l", "user name must not start with '-'"),
        ("auth_methods", [], "choose at least one authentication method"),
        ("auth_methods", ["agent", "telepathy"], "unknown authentication method 'telepathy'"),
        ("auth_methods", ["key", "key"], "each authentication method may appear once"),
        ("host_key_policy", "no", "host-key policy must be one of ask, accept-new, strict"),
        ("pinned_fingerprints", ["SHA256:short"], "43 base64 characters"),
        ("pinned_fingerprints", ["MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48"], "MD5 fingerprints are not accepted"),
        ("keepalive_interval", -1, "keepalive must be a number of seconds"),
        ("colour", "chartreuse", "colour must be #rrggbb"),
        ("notes", "ok\x1b]52;c;AAAA\x07", "notes contains a control character"),
        ("jump_host", "a,b", "only one jump host is supported"),
        ("identity_files", ["~/.ssh/nope"], "does not exist"),
        ("local_folder", "/no/such/folder", "does not exist"),
    ],
)
def test_bad_values_get_a_clear_message(field: str, value: object, message: str) -> None:
    result = validate_field(field, value)
    assert result is not None and message in result


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("port", "2222"),
        ("port", 22),
        ("host", "2001:db8::1"),
        ("host", "[2001:db8::1]"),
        ("user", ""),
        ("pinned_fingerprints", [GOOD_FINGERPRINT]),
        ("colour", "#00ff7f"),
        ("notes", "line one\n\tline two"),
        ("keepalive_interval", "30"),
        ("jump_host", "admin@bastion.example.com:2222"),
    ],
)
def test_good_values_pass(field: str, value: object) -> None:
    assert validate_field(field, value) is None


def test_fingerprint_must_encode_32_bytes() -> None:
    assert fingerprint_problem(GOOD_FINGERPRINT) is None
    assert fingerprint_problem(GOOD_FINGERPRINT[:-1] + "!") is not None
    # 43 characters of base64 that decode to 32 bytes: the padded form is tidied, not refused.
    assert normalize_fingerprint(" " + GOOD_FINGERPRINT + "= ") == GOOD_FINGERPRINT


def test_key_file_must_exist_and_be_a_file(tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    key.write_text("key")
    assert validate_field("identity_files", [str(key)]) is None
    assert "is not a file" in validate_field("identity_files", [str(tmp_path)])  # type: ignore[operator]
    # The store reads profiles without touching the disk: a key on an unplugged drive is fine there.
    assert validate_field("identity_files", ["/unplugged/key"], check_files=False) is None


def test_problems_name_each_bad_tunnel_field() -> None:
    profile = HostProfile(
        name="db",
        host="example.com",
        tunnels=[Tunnel("pg", 30000, "127.0.0.1", 5432), Tunnel("pg2", 30000, "", 70000)],
    )
    problems = profile.problems()
    assert problems["tunnels[1].remote_host"] == "host name is empty"
    assert "between 1 and 65535" in problems["tunnels[1].remote_port"]
    assert "already used by tunnel 1" in problems["tunnels[1].local_port"]
    assert "tunnels[0].local_port" not in problems


def test_duplicate_gets_a_new_id_and_independent_lists() -> None:
    original = HostProfile(name="web", host="example.com", identity_files=["~/.ssh/a"], tunnels=[Tunnel("t", 1, "h", 2)])
    copy = original.duplicate()
    assert copy.id != original.id and copy.name == "web (copy)"
    copy.identity_files.append("~/.ssh/b")
    copy.tunnels[0].local_port = 9
    assert original.identity_files == ["~/.ssh/a"] and original.tunnels[0].local_port == 1


def test_unknown_field_name_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        validate_field("password", "x")


def test_a_profile_uses_a_jump_host_or_a_proxy_command_not_both() -> None:
    from sshdeck.core.hosts.profiles import HostProfile

    both = HostProfile(name="x", host="x.example.com", jump_host="bastion", proxy_command="ssh -W %h:%p gw")
    assert both.problems() == {"proxy_command": "use a jump host or a proxy command, not both"}
    assert HostProfile(name="x", host="x.example.com", proxy_command="ssh -W %h:%p gw").problems() == {}
