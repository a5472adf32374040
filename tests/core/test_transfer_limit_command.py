"""`sshdeck cp --limit RATE` and `sshdeck sync --limit RATE` against OpenSSH's sshd, and settings.toml's [transfers].

No clock is read here: the proof that a limit acted is the limiter's own count of the bytes it held back.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sshdeck.commands import cp, sync
from sshdeck.core.settings import Settings, load_settings, save_settings, settings_path
from sshdeck.core.transfer.rate_limit import STATS, TOTAL

MIB = 1024 * 1024


def parse(command, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sshdeck")
    command.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args([command.NAME, *argv])


def write_settings(text: str) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def ssh_config(tmp_path: Path, openssh_server, trust_store) -> Path:
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host box\n  HostName 127.0.0.1\n  Port {openssh_server.port}\n  User {openssh_server.username}\n"
        f"Host *\n  IdentityFile {openssh_server.client_key}\n  IdentitiesOnly yes\n"
    )
    openssh_server.write_known_hosts(trust_store.read_files[0])
    return config


@pytest.mark.parametrize("direction", ["upload", "download"])
async def test_cp_with_a_limit_copies_byte_identical_and_the_limit_held_it_back(
    ssh_config, trust_store, tmp_path: Path, direction: str
) -> None:
    data = os.urandom(3 * MIB)
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    (here if direction == "upload" else there).joinpath("big.bin").write_bytes(data)
    source, dest = (str(here / "big.bin"), f"box:{there}") if direction == "upload" else (f"box:{there / 'big.bin'}", str(here))
    held_back = STATS.throttled_bytes
    err = io.StringIO()
    args = parse(cp, "-F", str(ssh_config), "--batch", "--limit", "1M", source, dest)
    assert await cp.run_async(args, stderr=err, trust=trust_store) == 0, err.getvalue()
    assert (there if direction == "upload" else here).joinpath("big.bin").read_bytes() == data
    # 3 MiB at 1 MiB/s with a burst of 256 KiB: most blocks had to wait their turn.
    assert STATS.throttled_bytes - held_back >= 1 * MIB
    assert "limit 1 MiB/s" in err.getvalue().splitlines()[-1]
    assert TOTAL.rate == 0  # nothing left behind for the rest of the process


@pytest.mark.parametrize("rate", ["fast", "-2M", "1.5.2", "2T", "", "0.1"])
async def test_cp_with_a_bad_limit_says_so_in_one_line_and_exits_2(tmp_path: Path, rate: str) -> None:
    (tmp_path / "a.txt").write_bytes(b"a")
    err = io.StringIO()
    args = parse(cp, f"--limit={rate}", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert await cp.run_async(args, stderr=err) == 2
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sshdeck cp: --limit: ") and "0 or off" in lines[0]
    assert not (tmp_path / "b.txt").exists()


def test_the_sshdeck_command_refuses_a_bad_limit_with_exit_status_2(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"a")
    done = subprocess.run([sys.executable, "-m", "sshdeck.cli", "cp", "--limit", "lots", str(tmp_path / "a.txt"),
                           str(tmp_path / "b.txt")], capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "sshdeck cp: --limit: not a rate: 'lots' (give bytes per second, K, M or G meaning KiB, MiB, GiB: "
        "500K, 2M, 1.5M; 0 or off for no limit)"]


async def test_cp_takes_its_limit_from_settings_and_the_flag_overrides_it(tmp_path: Path) -> None:
    write_settings('[transfers]\nlimit = "1M"\n')
    (tmp_path / "a.txt").write_bytes(b"x" * 1000)
    err = io.StringIO()
    assert await cp.run_async(parse(cp, str(tmp_path / "a.txt"), str(tmp_path / "b.txt")), stderr=err) == 0
    assert "limit 1 MiB/s" in err.getvalue()
    err = io.StringIO()
    assert await cp.run_async(parse(cp, "--limit", "off", str(tmp_path / "a.txt"), str(tmp_path / "c.txt")),
                              stderr=err) == 0
    assert "limit" not in err.getvalue()
    write_settings('[transfers]\ntotal_limit = "512K"\n')
    err = io.StringIO()
    assert await cp.run_async(parse(cp, "--limit", "2M", str(tmp_path / "a.txt"), str(tmp_path / "d.txt")),
                              stderr=err) == 0
    assert "limit 512 KiB/s" in err.getvalue()  # the total is the stricter one


async def test_sync_with_a_limit_holds_the_whole_run_to_it(ssh_config, trust_store, hermetic_home: Path,
                                                            tmp_path: Path, monkeypatch) -> None:
    known = hermetic_home / ".ssh" / "known_hosts"
    known.parent.mkdir(mode=0o700, exist_ok=True)
    known.write_text(trust_store.read_files[0].read_text())
    (tmp_path / "src").mkdir()
    files = {f"f{n}.bin": os.urandom(200 * 1024) for n in range(4)}
    for name, data in files.items():
        (tmp_path / "src" / name).write_bytes(data)
    (tmp_path / "dst").mkdir()
    held_back = STATS.throttled_bytes
    out, err = io.StringIO(), io.StringIO()
    args = parse(sync, "-F", str(ssh_config), "--batch", "--limit", "1M", str(tmp_path / "src"), f"box:{tmp_path / 'dst'}")
    assert await sync.run_async(args, stdout=out, stderr=err) == 0, err.getvalue()
    assert {name: (tmp_path / "dst" / name).read_bytes() for name in files} == files
    # 800 KiB against one 1 MiB/s bucket with a 256 KiB burst: at least half of it waited.
    assert STATS.throttled_bytes - held_back >= 400 * 1024
    assert TOTAL.rate == 0


async def test_sync_with_a_bad_limit_exits_2_before_connecting(tmp_path: Path) -> None:
    err = io.StringIO()
    args = parse(sync, "--limit", "speedy", "box:/nowhere", str(tmp_path))
    assert await sync.run_async(args, stdout=io.StringIO(), stderr=err) == 2
    assert err.getvalue().splitlines() == [err.getvalue().strip()] and "sshdeck sync: --limit: not a rate" in err.getvalue()


# -- settings.toml [transfers] ---------------------------------------------------------------------


def test_limits_are_read_from_settings_toml() -> None:
    write_settings('[transfers]\nlimit = "1.5M"\ntotal_limit = 4000000\n')
    settings = load_settings()
    assert (settings.transfer_limit, settings.total_limit, settings.problem) == (1536 * 1024, 4_000_000, None)


def test_no_transfers_table_means_no_limit() -> None:
    write_settings('theme = "sshdeck-light"\n')
    settings = load_settings()
    assert (settings.transfer_limit, settings.total_limit, settings.problem) == (0, 0, None)


@pytest.mark.parametrize("text, problem", [
    ('[transfers]\nlimit = "quick"\n', "[transfers] limit: not a rate: 'quick'"),
    ("[transfers]\ntotal_limit = true\n", '[transfers] total_limit: must be a rate like "2M"'),
    ('[transfers]\nspeed = "1M"\n', "[transfers] has no setting 'speed'"),
    ('transfers = "1M"\n', "[transfers] must be a table"),
])
def test_a_bad_limit_in_settings_means_no_limit_and_is_reported(text: str, problem: str) -> None:
    write_settings(text)
    settings = load_settings()
    assert (settings.transfer_limit, settings.total_limit) == (0, 0)
    assert settings.problem is not None and settings.problem.startswith(f"{settings_path()}: {problem}")


def test_saved_limits_read_back_the_same() -> None:
    save_settings(Settings(transfer_limit=1536 * 1024, total_limit=3 * MIB))
    assert '[transfers]\nlimit = "1536K"\ntotal_limit = "3M"' in settings_path().read_text()
    settings = load_settings()
    assert (settings.transfer_limit, settings.total_limit) == (1536 * 1024, 3 * MIB)
