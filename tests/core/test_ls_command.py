"""`sshdeck ls`: the same trust and auth code, on a terminal or in batch mode."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

import asyncssh
import pytest

from sshdeck.commands import ls


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sshdeck")
    ls.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["ls", *argv])


@pytest.fixture
def remote_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "remote"
    (folder / "sub dir").mkdir(parents=True)
    (folder / "b.txt").write_text("b")
    (folder / "a.txt").write_text("a")
    (folder / "evil\x1b[2Jname").write_text("x")
    return folder


@pytest.fixture
def ssh_config(tmp_path: Path, openssh_server) -> Path:
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host box\n  HostName 127.0.0.1\n  Port {openssh_server.port}\n  User {openssh_server.username}\n"
        f"Host *\n  IdentityFile {openssh_server.client_key}\n  IdentitiesOnly yes\n"
    )
    return config


async def run(args: argparse.Namespace, trust_store, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await ls.run_async(args, stdin=io.StringIO(stdin), stdout=out, stderr=err, trust=trust_store)
    return code, out.getvalue(), err.getvalue()


async def test_lists_a_folder_through_an_ssh_config_alias(openssh_server, ssh_config, trust_store, remote_folder) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    code, out, err = await run(parse("-F", str(ssh_config), "--batch", f"box:{remote_folder}"), trust_store)
    assert code == 0, err
    assert out.splitlines() == ["a.txt", "b.txt", "evil\\x1b[2Jname", "sub dir/"]


async def test_sftp_url_target(openssh_server, ssh_config, trust_store, remote_folder) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    url = f"sftp://{openssh_server.username}@127.0.0.1:{openssh_server.port}/{remote_folder}"
    code, out, err = await run(parse("-F", str(ssh_config), "--batch", url), trust_store)
    assert code == 0, err
    assert "a.txt" in out.splitlines()


async def test_batch_mode_refuses_an_unknown_host_naming_its_fingerprint(openssh_server, ssh_config, trust_store) -> None:
    fingerprint = asyncssh.import_public_key(openssh_server.host_public_key()).get_fingerprint("sha256")
    code, out, err = await run(parse("-F", str(ssh_config), "--batch", "box:/"), trust_store)
    assert code == 1 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith("sshdeck ls: host key for ") and fingerprint in last and "--accept-new" in last
    assert not trust_store.own_file.exists()


async def test_batch_accept_new_saves_the_key_and_lists(openssh_server, ssh_config, trust_store, remote_folder) -> None:
    code, _out, err = await run(parse("-F", str(ssh_config), "--batch", "--accept-new", f"box:{remote_folder}"), trust_store)
    assert code == 0, err
    assert trust_store.own_file.read_text() == openssh_server.known_hosts_line()


async def test_batch_mode_changed_key_prints_the_openssh_warning(openssh_server, ssh_config, trust_store) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().split()[:2]
    trust_store.read_files[0].write_text(f"[127.0.0.1]:{openssh_server.port} {other[0]} {other[1]}\n")
    code, _out, err = await run(parse("-F", str(ssh_config), "--batch", "--accept-new", "box:/"), trust_store)
    assert code == 1
    assert "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @" in err
    assert err.strip().splitlines()[-1].startswith("sshdeck ls: host key rejected: host key for ")


async def test_interactive_connect_once_shows_the_prompt_and_saves_nothing(openssh_server, ssh_config, trust_store, remote_folder) -> None:
    code, out, err = await run(parse("-F", str(ssh_config), f"box:{remote_folder}"), trust_store, stdin="o\n")
    assert code == 0, err
    assert "can't be established" in err and "+----[SHA256]-----+" in err and "[r]eject" in err
    assert "a.txt" in out and not trust_store.own_file.exists()


async def test_interactive_pasted_fingerprint_trusts_and_saves(openssh_server, ssh_config, trust_store, remote_folder) -> None:
    fingerprint = asyncssh.import_public_key(openssh_server.host_public_key()).get_fingerprint("sha256")
    code, _out, err = await run(parse("-F", str(ssh_config), f"box:{remote_folder}"), trust_store, stdin=fingerprint + "\n")
    assert code == 0, err
    assert trust_store.own_file.exists()


async def test_interactive_wrong_fingerprint_or_default_answer_rejects(openssh_server, ssh_config, trust_store) -> None:
    wrong = asyncssh.generate_private_key("ssh-ed25519").get_fingerprint("sha256")
    code, _out, err = await run(parse("-F", str(ssh_config), "box:/"), trust_store, stdin=wrong + "\n")
    assert code == 1 and "does not match" in err
    code, _out, err = await run(parse("-F", str(ssh_config), "box:/"), trust_store, stdin="\n")
    assert code == 1 and "rejected by the user" in err.splitlines()[-1]


async def test_missing_folder_fails_with_one_line(openssh_server, ssh_config, trust_store) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    code, out, err = await run(parse("-F", str(ssh_config), "--batch", "box:/no/such/dir"), trust_store)
    assert code == 1 and out == ""
    assert err.strip() == "sshdeck ls: /no/such/dir: no such file or folder (it may have been moved or deleted)"


async def test_bad_target_exits_2(trust_store) -> None:
    code, _out, err = await run(parse("--batch", "sftp://user:pw@host/x"), trust_store)
    assert code == 2 and err.startswith("sshdeck ls: passwords in the address")


def test_run_as_a_command_uses_the_default_known_hosts_files(openssh_server, ssh_config, hermetic_home, remote_folder) -> None:
    known = hermetic_home / ".ssh" / "known_hosts"
    known.parent.mkdir(mode=0o700)
    openssh_server.write_known_hosts(known)
    code = (
        "import sys, argparse; from sshdeck.commands import ls; "
        "p = argparse.ArgumentParser(); ls.add_parser(p.add_subparsers()); "
        "sys.exit(ls.run(p.parse_args(sys.argv[1:])))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "ls", "-F", str(ssh_config), "--batch", f"box:{remote_folder}"],
        capture_output=True, text=True, timeout=30, env=dict(os.environ), stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert "b.txt" in result.stdout.splitlines()


async def test_profile_alias_with_a_pinned_fingerprint_lists_without_known_hosts(openssh_server, trust_store, remote_folder) -> None:
    from sshdeck.core.hosts.profile_store import ProfileStore
    from sshdeck.core.hosts.profiles import HostProfile

    fingerprint = asyncssh.import_public_key(openssh_server.host_public_key()).get_fingerprint("sha256")
    store = ProfileStore.load()
    store.add(
        HostProfile(
            name="saved", host="127.0.0.1", port=openssh_server.port, user=openssh_server.username,
            identity_files=[str(openssh_server.client_key)], pinned_fingerprints=[fingerprint],
        )
    )
    store.save()
    code, out, err = await run(parse("--batch", f"saved:{remote_folder}"), trust_store)
    assert code == 0, err
    assert "a.txt" in out.splitlines() and not trust_store.own_file.exists()


async def test_sshd_without_sftp_says_shell_only_like_the_app(shell_only_sshd, tmp_path: Path, trust_store) -> None:
    config = tmp_path / "ssh_config_shell"
    config.write_text(
        f"Host gateway\n  HostName 127.0.0.1\n  Port {shell_only_sshd.port}\n  User {shell_only_sshd.username}\n"
        f"  IdentityFile {shell_only_sshd.client_key}\n  IdentitiesOnly yes\n"
    )
    shell_only_sshd.write_known_hosts(trust_store.read_files[0])
    code, out, err = await run(parse("-F", str(config), "--batch", "gateway:/"), trust_store)
    assert code == 1 and out == ""
    assert err.strip() == "sshdeck ls: This host offers no file access (shell only)"


async def test_with_no_answer_on_stdin_the_fingerprint_block_is_printed_once(openssh_server, ssh_config, trust_store) -> None:
    fingerprint = asyncssh.import_public_key(openssh_server.host_public_key()).get_fingerprint("sha256")
    code, _out, err = await run(parse("-F", str(ssh_config), "box:/"), trust_store, stdin="")  # like </dev/null
    assert code == 1
    assert err.count(fingerprint) == 2  # once in the block, once in the one-line reason; never a second block
    assert err.count("can't be established") <= 1


async def test_a_name_that_is_not_utf8_is_listed_escaped_with_the_rest(openssh_server, ssh_config, trust_store,
                                                                        remote_folder) -> None:
    import os

    with open(os.path.join(os.fsencode(remote_folder), b"caf\xe9-latin1.txt"), "wb") as handle:
        handle.write(b"x")
    openssh_server.write_known_hosts(trust_store.read_files[0])
    code, out, _err = await run(parse("-F", str(ssh_config), "--batch", f"box:{remote_folder}"), trust_store)
    assert code == 0
    assert "caf\\xe9-latin1.txt" in out.splitlines() and "a.txt" in out.splitlines()
