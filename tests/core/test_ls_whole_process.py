"""`sshdeck ls` and `sshdeck cp` run as whole processes: what a script sees on its pipes and in the exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _sshdeck(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sshdeck", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=60, env=dict(os.environ), stdin=subprocess.DEVNULL)


def test_a_listing_piped_to_another_program_arrives_whole_and_sorted(openssh_server, hermetic_home, tmp_path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    names = [f"n{index:05d}" for index in range(12_000)]  # more than one 5,000-entry batch, more than one pipe buffer
    for name in reversed(names):
        (folder / name).touch()
    (folder / "sub").mkdir()
    known = hermetic_home / ".ssh" / "known_hosts"
    known.parent.mkdir(mode=0o700, exist_ok=True)
    openssh_server.write_known_hosts(known)
    config = tmp_path / "ssh_config"
    config.write_text(f"Host box\n  HostName 127.0.0.1\n  Port {openssh_server.port}\n  User {openssh_server.username}\n"
                      f"  IdentityFile {openssh_server.client_key}\n  IdentitiesOnly yes\n")
    result = _sshdeck("ls", "-F", str(config), "--batch", f"box:{folder}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [*names, "sub/"]


def test_a_command_that_fails_exits_with_its_own_status_and_says_why(hermetic_home) -> None:
    result = _sshdeck("cp", "only-a-source")
    assert result.returncode == 2
    assert result.stderr.strip() == "sshdeck cp: need at least one SRC and a DST"
