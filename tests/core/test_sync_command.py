"""`sshdeck sync` end to end against OpenSSH's sshd: as a process, and in-process for two-way."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sshdeck.commands import sync
from tests.core.test_sync_plan import HOSTILE, make_tree, snapshot


@pytest.fixture
def ssh_config(tmp_path: Path, openssh_server, hermetic_home: Path) -> Path:
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host box\n  HostName 127.0.0.1\n  Port {openssh_server.port}\n  User {openssh_server.username}\n"
        f"Host *\n  IdentityFile {openssh_server.client_key}\n  IdentitiesOnly yes\n"
    )
    known = hermetic_home / ".ssh" / "known_hosts"
    known.parent.mkdir(mode=0o700, exist_ok=True)
    openssh_server.write_known_hosts(known)
    return config


def sshdeck(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sshdeck.cli", *argv],
        capture_output=True, text=True, timeout=60, env=dict(os.environ), stdin=subprocess.DEVNULL,
    )


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sshdeck")
    sync.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["sync", *argv])


def test_dry_run_prints_the_plan_then_the_sync_copies_and_a_second_run_prints_no_action(
    ssh_config: Path, tmp_path: Path
) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    make_tree(src)
    dst.mkdir()
    (dst / "extra.txt").write_bytes(b"extra")
    remote = f"box:{dst}"
    dry = sshdeck("sync", "-F", str(ssh_config), "--batch", "--dry-run", "--delete", str(src), remote)
    assert dry.returncode == 0, dry.stderr
    assert "delete extra.txt" in dry.stdout.splitlines() and "copy top.txt" in dry.stdout.splitlines()
    assert "copy sub/evil\\x1b[2Jname.txt" in dry.stdout.splitlines() and "\x1b" not in dry.stdout
    assert "dry run, nothing changed" in dry.stderr
    assert sorted(os.listdir(dst)) == ["extra.txt"]
    real = sshdeck("sync", "-F", str(ssh_config), "--batch", "--delete", str(src), remote)
    assert real.returncode == 0, real.stderr
    assert real.stdout.splitlines()[-1] == "7 copied, 0 updated, 1 deleted, 293.7 KiB"
    assert snapshot(dst) == snapshot(src)
    again = sshdeck("sync", "-F", str(ssh_config), "--batch", "--delete", str(src), remote)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == ["0 copied, 0 updated, 0 deleted, 0 B"]


def test_download_with_checksum_updates_a_same_size_same_time_file(ssh_config: Path, tmp_path: Path) -> None:
    server, here = tmp_path / "server", tmp_path / "here"
    make_tree(server)
    make_tree(here)
    target = here / "sub" / HOSTILE
    stat = target.stat()
    target.write_bytes(b"HOSTILE")  # same length as the server's "hostile"
    os.utime(target, ns=(stat.st_atime_ns, (server / "sub" / HOSTILE).stat().st_mtime_ns))
    plain = sshdeck("sync", "-F", str(ssh_config), "--batch", f"box:{server}", str(here))
    assert plain.returncode == 0 and plain.stdout.splitlines() == ["0 copied, 0 updated, 0 deleted, 0 B"], plain.stderr
    summed = sshdeck("sync", "-F", str(ssh_config), "--batch", "--checksum", f"box:{server}", str(here))
    assert summed.returncode == 0, summed.stderr
    assert summed.stdout.splitlines() == ["update sub/evil\\x1b[2Jname.txt", "0 copied, 1 updated, 0 deleted, 7 B"]
    assert target.read_bytes() == b"hostile"


async def test_two_way_command_lists_a_conflict_and_exits_0(ssh_config: Path, tmp_path: Path) -> None:
    left, right = tmp_path / "left", tmp_path / "right"
    make_tree(left)
    right.mkdir()
    out, err = io.StringIO(), io.StringIO()
    assert await sync.run_async(parse("-F", str(ssh_config), "--batch", "--two-way", str(left), f"box:{right}"), stdout=out, stderr=err) == 0, err.getvalue()
    assert out.getvalue().splitlines()[-1] == "7 copied, 0 updated, 0 deleted, 293.7 KiB"
    (left / "top.txt").write_bytes(b"left side")
    os.utime(left / "top.txt", (1_000_000, 1_000_000))
    (right / "top.txt").write_bytes(b"right side, other")
    (right / "new-right.txt").write_bytes(b"n")
    out, err = io.StringIO(), io.StringIO()
    assert await sync.run_async(parse("-F", str(ssh_config), "--batch", "--two-way", str(left), f"box:{right}"), stdout=out, stderr=err) == 0, err.getvalue()
    assert out.getvalue().splitlines() == [
        "copy < new-right.txt",
        "conflict top.txt (changed on both sides)",
        "1 copied, 0 updated, 0 deleted, 1 B, 1 conflicts",
    ]
    assert (left / "top.txt").read_bytes() == b"left side" and (right / "top.txt").read_bytes() == b"right side, other"


async def test_bad_arguments_and_a_missing_source_fail_with_one_line(tmp_path: Path) -> None:
    err = io.StringIO()
    assert await sync.run_async(parse("--keep-both", "a", "b"), stderr=err) == 2
    assert err.getvalue() == "sshdeck sync: --keep-both needs --two-way\n"
    err = io.StringIO()
    assert await sync.run_async(parse(str(tmp_path / "missing"), str(tmp_path / "dst")), stderr=err) == 1
    assert err.getvalue() == f"sshdeck sync: {tmp_path / 'missing'}: not a folder\n"
    assert not (tmp_path / "dst").exists()


async def test_a_folder_cannot_be_synced_into_itself(tmp_path: Path) -> None:
    (tmp_path / "a" / "backup").mkdir(parents=True)
    for dst in ("a", "a/backup"):
        err = io.StringIO()
        assert await sync.run_async(parse(str(tmp_path / "a"), str(tmp_path / dst)), stderr=err) == 2
        assert err.getvalue() in ("sshdeck sync: the two folders are the same\n", "sshdeck sync: one folder is inside the other\n")
    assert os.listdir(tmp_path / "a" / "backup") == []
