"""`sshdeck keys …` on the command line, against OpenSSH's sshd."""

from __future__ import annotations

import argparse
import io
import stat
import subprocess
from pathlib import Path

import pytest

from sshdeck.commands import keys
from sshdeck.core.keys.authorized_keys_format import parse_key
from sshdeck.core.trust.known_hosts import TrustStore
from tests.support.openssh import HomeOpenSSHServer, find_sshd, keygen


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sshdeck")
    keys.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["keys", *argv])


@pytest.fixture
def sshd(tmp_path: Path):
    if find_sshd() is None:
        pytest.fail("sshd is required")
    with HomeOpenSSHServer(tmp_path / "sshd") as server:
        yield server


@pytest.fixture
def trust(tmp_path: Path, sshd) -> TrustStore:
    store = TrustStore(own_file=tmp_path / "own_known_hosts", read_files=[tmp_path / "user_known_hosts"])
    sshd.write_known_hosts(store.read_files[0])
    return store


@pytest.fixture
def ssh_config(tmp_path: Path, sshd) -> Path:
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host box\n  HostName 127.0.0.1\n  Port {sshd.port}\n  User {sshd.username}\n"
        f"  IdentityFile {sshd.client_key}\n  IdentitiesOnly yes\n"
    )
    return config


async def run(trust: TrustStore, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await keys.run_async(parse(*argv), stdin=io.StringIO(""), stdout=out, stderr=err, trust=trust)
    return code, out.getvalue(), err.getvalue()


def fp_of(pub: Path) -> str:
    key = parse_key(pub.read_text().strip())
    assert key is not None
    return key.fingerprint


async def test_list_prints_one_line_per_entry_with_the_session_mark_and_escaped_server_text(sshd, trust, ssh_config, tmp_path) -> None:
    other = keygen(tmp_path / "other", comment="evil\x1b[2Jcomment")
    other_pub = Path(str(other) + ".pub").read_text().strip()
    sshd.authorized_keys.write_text(f"{(sshd.workdir / 'client_key.pub').read_text()}" f'#from="10.0.0.1" {other_pub}\nnot a key\n')
    code, out, err = await run(trust, "list", "-F", str(ssh_config), "--batch", "box")
    assert code == 0, err
    lines = out.splitlines()
    login_fp = fp_of(sshd.workdir / "client_key.pub")
    assert lines[0].split() == ["enabled", "ssh-ed25519", login_fp, "sshdeck-test", "-", "authorized_keys:1", "(this", "session)"]
    assert lines[1].split() == ["disabled", "ssh-ed25519", fp_of(Path(str(other) + ".pub")), "evil\\x1b[2Jcomment", 'from="10.0.0.1"', "authorized_keys:2"]
    assert lines[2] == "authorized_keys line 3: not a key"
    assert "\x1b" not in out


async def test_add_twice_then_disable_enable_remove_by_fingerprint(sshd, trust, ssh_config, tmp_path) -> None:
    support = keygen(tmp_path / "support")
    pub = Path(str(support) + ".pub")
    fp = fp_of(pub)
    common = ("-F", str(ssh_config), "--batch", "box")
    code, out, _ = await run(trust, "add", *common, str(pub), "--from", "127.0.0.1", "--file", "authorized_keys2")
    assert code == 0 and out.strip() == f"added {fp} to authorized_keys2"
    added = sshd.authorized_keys2.read_bytes()
    code, out, _ = await run(trust, "add", *common, str(pub))
    assert code == 0 and "nothing changed" in out
    assert sshd.authorized_keys2.read_bytes() == added and b"support" not in sshd.authorized_keys.read_bytes()
    assert (await run(trust, "disable", *common, fp))[0] == 0
    assert sshd.authorized_keys2.read_bytes() == b"#" + added
    assert (await run(trust, "enable", *common, fp))[0] == 0
    assert sshd.authorized_keys2.read_bytes() == added
    assert (await run(trust, "remove", *common, fp))[0] == 0
    assert sshd.authorized_keys2.read_bytes() == b""


async def test_disabling_the_login_key_without_force_exits_1_and_changes_nothing(sshd, trust, ssh_config) -> None:
    before = sshd.authorized_keys.read_bytes()
    login_fp = fp_of(sshd.workdir / "client_key.pub")
    code, out, err = await run(trust, "disable", "-F", str(ssh_config), "--batch", "box", login_fp)
    assert code == 1 and "logged in with" in err and "--force" in err and "Traceback" not in err
    assert sshd.authorized_keys.read_bytes() == before
    code, _, err = await run(trust, "remove", "-F", str(ssh_config), "--batch", "box", login_fp, "--force")
    assert code == 0, err
    assert sshd.authorized_keys.read_bytes() == b""


async def test_unknown_fingerprint_and_bad_pubkey_file_are_one_line_errors(sshd, trust, ssh_config, tmp_path) -> None:
    code, _, err = await run(trust, "disable", "-F", str(ssh_config), "--batch", "box", "SHA256:nope")
    assert code == 1 and err.strip() == "sshdeck keys: no key SHA256:nope in authorized_keys or authorized_keys2"
    junk = tmp_path / "junk.pub"
    junk.write_text("hello\n")
    code, _, err = await run(trust, "add", "-F", str(ssh_config), "--batch", "box", str(junk))
    assert code == 1 and len(err.strip().splitlines()) == 1 and "not an OpenSSH public key" in err


def test_generate_writes_a_0600_key_ssh_keygen_reads_and_refuses_to_overwrite(tmp_path) -> None:
    path = tmp_path / "id_new"
    out, err = io.StringIO(), io.StringIO()
    answers = iter(["pass phrase", "pass phrase"])
    code = keys.run_generate(parse("generate", str(path), "--comment", "me@box"), stdout=out, stderr=err, ask=lambda _p: next(answers))
    assert code == 0, err.getvalue()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert out.getvalue().startswith("ssh-ed25519 ") and out.getvalue().strip().endswith("me@box")
    check = subprocess.run(["ssh-keygen", "-y", "-P", "pass phrase", "-f", str(path)], capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.split()[1] == out.getvalue().split()[1]
    before = path.read_bytes()
    code = keys.run_generate(parse("generate", str(path), "--no-passphrase"), stdout=io.StringIO(), stderr=err)
    assert code == 1 and "already exists" in err.getvalue()
    assert path.read_bytes() == before


def test_generate_with_differing_passphrases_writes_nothing(tmp_path) -> None:
    answers = iter(["one", "two"])
    err = io.StringIO()
    code = keys.run_generate(parse("generate", str(tmp_path / "k")), stdout=io.StringIO(), stderr=err, ask=lambda _p: next(answers))
    assert code == 1 and "differ" in err.getvalue()
    assert list(tmp_path.iterdir()) == []


def test_generate_rsa_without_passphrase(tmp_path) -> None:
    path = tmp_path / "id_rsa"
    code = keys.run_generate(parse("generate", str(path), "--type", "rsa", "--no-passphrase"), stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 0
    shown = subprocess.run(["ssh-keygen", "-l", "-f", str(path)], capture_output=True, text=True, check=True).stdout
    assert shown.startswith("4096 ") and "(RSA)" in shown
