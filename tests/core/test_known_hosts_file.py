"""known_hosts reading, matching, writing and forgetting, checked against OpenSSH's own tools."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import asyncssh
import pytest

from sshdeck.core.trust import (
    HostKeyStatus,
    KnownHosts,
    TrustStore,
    classify_host_ca,
    classify_host_key,
    fingerprint,
    hash_host_name,
    key_bits,
    key_type_label,
    randomart,
)
from sshdeck.core.trust.known_hosts import match_host_patterns
from tests.core.conftest import keygen


def _pub(key: asyncssh.SSHKey) -> str:
    return " ".join(key.export_public_key().decode().split()[:2])


@pytest.fixture
def keys() -> dict[str, asyncssh.SSHKey]:
    return {
        "a": asyncssh.generate_private_key("ssh-ed25519"),
        "b": asyncssh.generate_private_key("ssh-ed25519"),
        "rsa": asyncssh.generate_private_key("ssh-rsa", key_size=2048),
    }


def test_malformed_lines_are_skipped_with_a_file_and_line_warning(tmp_path: Path, keys) -> None:
    path = tmp_path / "known_hosts"
    path.write_text(
        "# a comment\n"
        "\n"
        "broken-line-without-key\n"
        f"@bogus-marker host {_pub(keys['b'])}\n"
        "host ssh-ed25519 not!base64\n"
        "|1|nothash|x ssh-ed25519 AAAA\n"
        f"example.com {_pub(keys['a'])}\n"
    )
    known = KnownHosts.load([path])
    assert [entry.ref.line for entry in known.entries] == [7]
    assert [w.split(":")[1] for w in known.warnings] == ["3", "4", "5", "6"]
    assert all(w.startswith(str(path)) for w in known.warnings)
    # asyncssh itself would have refused the whole file:
    with pytest.raises(ValueError):
        asyncssh.read_known_hosts(str(path))


def test_missing_files_are_not_an_error(tmp_path: Path) -> None:
    known = KnownHosts.load([tmp_path / "nope", tmp_path / "neither"])
    assert known.entries == [] and known.warnings == []


def test_non_standard_port_is_looked_up_in_brackets_only(tmp_path: Path, keys) -> None:
    path = tmp_path / "kh"
    path.write_text(f"example.com {_pub(keys['a'])}\n")
    known = KnownHosts.load([path])
    assert classify_host_key(known, "example.com", 22, keys["a"]).status == HostKeyStatus.TRUSTED
    # OpenSSH does not fall back to the bare name for another port (asyncssh would).
    assert classify_host_key(known, "example.com", 2222, keys["a"]).status == HostKeyStatus.UNKNOWN


def test_patterns_wildcards_and_negation_follow_openssh() -> None:
    assert match_host_patterns("web1.example.com", "*.example.com")
    assert not match_host_patterns("db.example.com", "*.example.com,!db.example.com")
    assert match_host_patterns("[h]:2222", "[h]:*")
    assert match_host_patterns("HOST", "host")
    assert match_host_patterns("h7", "h?")
    assert not match_host_patterns("h77", "h?")


def test_hashed_names_match_like_ssh_keygen_hashes_them(tmp_path: Path, keys) -> None:
    plain = tmp_path / "plain"
    plain.write_text(f"[myhost.example]:2200 {_pub(keys['a'])}\n")
    subprocess.run(["ssh-keygen", "-H", "-f", str(plain)], check=True, capture_output=True)
    assert plain.read_text().startswith("|1|")
    known = KnownHosts.load([plain])
    check = classify_host_key(known, "myhost.example", 2200, keys["a"])
    assert check.status == HostKeyStatus.TRUSTED and check.known_at.line == 1
    assert classify_host_key(known, "other.example", 2200, keys["a"]).status == HostKeyStatus.UNKNOWN


def test_changed_key_names_the_offending_line(tmp_path: Path, keys) -> None:
    path = tmp_path / "kh"
    path.write_text(f"other {_pub(keys['b'])}\nexample.com {_pub(keys['a'])}\n")
    check = classify_host_key(KnownHosts.load([path]), "example.com", 22, keys["b"])
    assert check.status == HostKeyStatus.CHANGED
    assert str(check.known_at) == f"{path}:2"
    assert check.fingerprint == fingerprint(keys["b"])


def test_key_of_another_type_is_unknown_and_says_other_types_are_known(tmp_path: Path, keys) -> None:
    path = tmp_path / "kh"
    path.write_text(f"example.com {_pub(keys['rsa'])}\n")
    check = classify_host_key(KnownHosts.load([path]), "example.com", 22, keys["a"])
    assert check.status == HostKeyStatus.UNKNOWN
    assert check.other_types_known == ("RSA",)


def test_a_match_in_any_file_wins_over_a_mismatch_in_another(tmp_path: Path, keys) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    first.write_text(f"example.com {_pub(keys['b'])}\n")
    second.write_text(f"example.com {_pub(keys['a'])}\n")
    check = classify_host_key(KnownHosts.load([first, second]), "example.com", 22, keys["a"])
    assert check.status == HostKeyStatus.TRUSTED and check.known_at.path == second


def test_revoked_marker_refuses_even_a_known_key(tmp_path: Path, keys) -> None:
    path = tmp_path / "kh"
    path.write_text(f"example.com {_pub(keys['a'])}\n@revoked * {_pub(keys['a'])}\n")
    check = classify_host_key(KnownHosts.load([path]), "example.com", 22, keys["a"])
    assert check.status == HostKeyStatus.REVOKED and check.known_at.line == 2


def test_cert_authority_marker_trusts_the_ca_for_matching_hosts_only(tmp_path: Path, keys) -> None:
    path = tmp_path / "kh"
    path.write_text(f"@cert-authority *.example.com {_pub(keys['a'])}\n")
    known = KnownHosts.load([path])
    assert classify_host_ca(known, "w.example.com", 22, keys["a"]).status == HostKeyStatus.CERT_TRUSTED
    untrusted = classify_host_ca(known, "w.other.org", 22, keys["a"])
    assert untrusted.status == HostKeyStatus.CERT_UNTRUSTED_CA
    assert untrusted.ca_fingerprint == fingerprint(keys["a"])


def test_pinned_fingerprint_match_trusts_and_mismatch_is_a_changed_key(keys) -> None:
    known = KnownHosts()
    pins = (fingerprint(keys["a"]),)
    trusted = classify_host_key(known, "h", 22, keys["a"], pins=pins)
    assert trusted.status == HostKeyStatus.TRUSTED and trusted.pinned
    refused = classify_host_key(known, "h", 22, keys["b"], pins=pins)
    assert refused.status == HostKeyStatus.CHANGED and refused.pinned


def test_saved_line_is_openssh_format_private_and_bracketed_for_other_ports(tmp_path: Path, keys) -> None:
    store = TrustStore(own_file=tmp_path / "cfg" / "known_hosts", read_files=[])
    store.save("Example.COM", 22, keys["a"])
    ref = store.save("example.com", 2222, keys["b"])
    lines = store.own_file.read_text().splitlines()
    assert lines == [f"example.com {_pub(keys['a'])}", f"[example.com]:2222 {_pub(keys['b'])}"]
    assert ref.line == 2
    assert stat.S_IMODE(store.own_file.stat().st_mode) == 0o600
    # OpenSSH's ssh-keygen finds both entries.
    found = subprocess.run(
        ["ssh-keygen", "-F", "[example.com]:2222", "-f", str(store.own_file)], capture_output=True, text=True
    )
    assert found.returncode == 0 and _pub(keys["b"]) in found.stdout


def test_hashed_save_is_found_by_ssh_keygen(tmp_path: Path, keys) -> None:
    store = TrustStore(own_file=tmp_path / "known_hosts", read_files=[], hash_names=True)
    store.save("secret.example", 2200, keys["a"])
    text = store.own_file.read_text()
    assert "secret.example" not in text and text.startswith("|1|")
    found = subprocess.run(
        ["ssh-keygen", "-F", "[secret.example]:2200", "-f", str(store.own_file)], capture_output=True, text=True
    )
    assert found.returncode == 0


def test_forget_removes_only_this_hosts_lines_and_reports_other_files(tmp_path: Path, keys) -> None:
    user_file = tmp_path / "user_known_hosts"
    user_file.write_text(f"[h.example]:2222 {_pub(keys['b'])}\n")
    store = TrustStore(own_file=tmp_path / "own", read_files=[user_file])
    store.own_file.write_text(
        f"[h.example]:2222 {_pub(keys['a'])}\n"
        f"{hash_host_name('[h.example]:2222')} {_pub(keys['a'])}\n"
        f"keep.example {_pub(keys['a'])}\n"
        f"[h.example]:2222,alias.example {_pub(keys['a'])}\n"
        f"@revoked [h.example]:2222 {_pub(keys['rsa'])}\n"
        f"[*.example]:2222 {_pub(keys['a'])}\n"
    )
    result = store.forget("h.example", 2222)
    assert [r.line for r in result.removed] == [1, 2, 4]
    assert [str(r) for r in result.elsewhere] == [f"{store.own_file}:6", f"{user_file}:1"]
    assert store.own_file.read_text().splitlines() == [
        f"keep.example {_pub(keys['a'])}",
        f"alias.example {_pub(keys['a'])}",
        f"@revoked [h.example]:2222 {_pub(keys['rsa'])}",
        f"[*.example]:2222 {_pub(keys['a'])}",
    ]
    assert stat.S_IMODE(store.own_file.stat().st_mode) == 0o600


@pytest.mark.parametrize(("key_type", "extra"), [("ed25519", ()), ("rsa", ("-b", "3072")), ("ecdsa", ("-b", "384"))])
def test_fingerprint_and_randomart_are_identical_to_ssh_keygen(tmp_path: Path, key_type: str, extra) -> None:
    path = keygen(tmp_path / f"id_{key_type}", key_type, extra=extra)
    key = asyncssh.read_public_key(str(path) + ".pub")
    out = subprocess.run(["ssh-keygen", "-lv", "-f", str(path) + ".pub"], capture_output=True, text=True, check=True)
    first, *art = out.stdout.rstrip("\n").split("\n")
    bits, fp, _comment, label = first.split(" ")
    assert fingerprint(key) == fp
    assert key_bits(key) == int(bits)
    assert f"({key_type_label(key)})" == label
    assert randomart(key) == "\n".join(art)
