"""`sshdeck find`: paths as found, escaped, with grep's exit codes, over OpenSSH's sshd and here."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sshdeck.commands import find as find_command


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sshdeck")
    find_command.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["find", *argv])


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "notes.txt").write_text("remember the needle\n")
    (root / "a" / "b" / "deep.txt").write_text("nothing\n")
    (root / "top.log").write_text("needle\n")
    with open(bytes(root / "a") + b"/evil\x1b]0;pwned\x07.txt", "wb") as handle:
        handle.write(b"needle")
    os.symlink("..", root / "a" / "b" / "up")
    return root


@pytest.fixture
def ssh_config(tmp_path: Path, openssh_server) -> Path:
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host box\n  HostName 127.0.0.1\n  Port {openssh_server.port}\n  User {openssh_server.username}\n"
        f"  IdentityFile {openssh_server.client_key}\n  IdentitiesOnly yes\n"
    )
    return config


async def run(args: argparse.Namespace, trust_store) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await find_command.run_async(args, stdin=io.StringIO(""), stdout=out, stderr=err, trust=trust_store)
    return code, out.getvalue(), err.getvalue()


async def test_remote_find_by_name_prints_escaped_paths_and_exits_0(openssh_server, ssh_config, trust_store, tree) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    code, out, err = await run(parse("-F", str(ssh_config), "--batch", f"box:{tree}", "--name", "*.TXT"), trust_store)
    assert code == 0, err
    assert sorted(out.splitlines()) == sorted([
        f"{tree}/a/notes.txt", f"{tree}/a/b/deep.txt", f"{tree}/a/evil\\x1b]0;pwned\\x07.txt",
    ])
    assert "\x1b" not in out and "\x07" not in out


async def test_remote_find_by_content_with_max_depth(openssh_server, ssh_config, trust_store, tree) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    args = parse("-F", str(ssh_config), "--batch", f"box:{tree}", "--content", "needle", "--max-depth", "1")
    code, out, err = await run(args, trust_store)
    assert (code, out.splitlines()) == (0, [f"{tree}/top.log"]), err


async def test_nothing_found_exits_1_and_a_missing_folder_exits_2(openssh_server, ssh_config, trust_store, tree) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    code, out, err = await run(parse("-F", str(ssh_config), "--batch", f"box:{tree}", "--name", "*.nothing"), trust_store)
    assert (code, out, err) == (1, "", "")
    code, out, err = await run(parse("-F", str(ssh_config), "--batch", f"box:{tree}/missing"), trust_store)
    assert code == 2 and out == ""
    assert err.strip() == f"sshdeck find: {tree}/missing: no such file or folder (it may have been moved or deleted)"


async def test_an_unknown_host_in_batch_mode_exits_2(openssh_server, ssh_config, trust_store, tree) -> None:
    code, out, err = await run(parse("-F", str(ssh_config), "--batch", f"box:{tree}"), trust_store)
    assert code == 2 and out == "" and "sshdeck find: " in err.splitlines()[-1]


async def test_bad_target_exits_2(trust_store) -> None:
    code, _out, err = await run(parse("--batch", "sftp://user:pw@host/x"), trust_store)
    assert code == 2 and err.startswith("sshdeck find: passwords in the address")


def test_local_find_through_the_command_line_with_help_naming_the_exit_codes(tree: Path) -> None:
    def sshdeck(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sshdeck", *argv], capture_output=True, text=True, timeout=60,
            env=dict(os.environ), stdin=subprocess.DEVNULL,
        )

    result = sshdeck("find", str(tree), "--content", "NEEDLE", "--name", "*.txt")
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.splitlines()) == sorted([f"{tree}/a/notes.txt", f"{tree}/a/evil\\x1b]0;pwned\\x07.txt"])
    result = sshdeck("find", str(tree), "--content", "NEEDLE", "--case-sensitive")
    assert (result.returncode, result.stdout) == (1, "")
    result = sshdeck("find", "--help")
    assert result.returncode == 0
    assert "0 if something was found, 1 if nothing was, 2 on an error" in result.stdout
    result = sshdeck("find", str(tree), "--max-depth", "0")
    assert result.returncode == 2 and "must be 1 or more" in result.stderr
