"""The real sshdeck, killed with SIGKILL mid-download from OpenSSH's sshd, resumes at the next start.

First run (tmux): `sshdeck box:/folder` (an ssh_config alias typed as a target), trust the host
once, F5 a big file to the local pane; a throttling relay keeps it in flight; kill -9.
Second run: the offer names the host as typed (`box (user@127.0.0.1:port)`), resuming
connects on demand and asks the trust question again (the key was trusted once only); the
partial never shrinks, and the result is byte-identical.
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
from pathlib import Path

from tests.e2e.test_demo_in_tmux import Tmux, sshdeck_command, tmux  # noqa: F401 - the fixture
from tests.e2e.test_signals_in_tmux import sshdeck_pid
from tests.support.throttled_proxy import ThrottledProxy

SIZE = 24 * 1024 * 1024


def size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return -1


def trust_once(tmux: Tmux) -> None:
    tmux.wait_for("can't be established", "Connect once")
    tmux.keys("Tab", "Enter")  # from Reject (focused) to Connect once


def test_killed_download_is_offered_and_resumed_after_restart(tmux: Tmux, tmp_path: Path, openssh_server) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    data = os.urandom(SIZE)
    (there / "big.bin").write_bytes(data)
    proxy = ThrottledProxy(openssh_server.port, rate=2 * 1024 * 1024)
    ssh = Path(os.environ["HOME"]) / ".ssh"
    ssh.mkdir(mode=0o700, exist_ok=True)
    (ssh / "config").write_text(
        f"Host box\n  HostName 127.0.0.1\n  Port {proxy.port}\n  User {openssh_server.username}\n"
        f"  IdentityFile {openssh_server.client_key}\n  IdentitiesOnly yes\n"
    )
    partial = here / ".big.bin.sshdeck-part"
    try:
        first = f"cd {here} && {sshdeck_command()} box:{there}; echo first run ended; sleep 60"
        tmux.run("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40", first)
        trust_once(tmux)
        tmux.wait_for("box:", "big.bin")
        tmux.keys("Tab", "End", "F5")  # the remote pane, its last entry (big.bin), copy
        tmux.wait_for("Copy “big.bin”")
        tmux.keys("Enter")
        deadline = time.monotonic() + 60
        while size_of(partial) < 2 * 1024 * 1024 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert size_of(partial) >= 2 * 1024 * 1024, tmux.screen()
        os.kill(sshdeck_pid(tmux), signal.SIGKILL)
        tmux.wait_for("first run ended")
        kept = size_of(partial)
        assert 0 < kept < SIZE and not (here / "big.bin").exists()

        proxy.rate = 16 * 1024 * 1024
        second = f"cd {here} && {sshdeck_command()}; echo second run ended; sleep 60"
        # The same pane, a fresh process (and a clear screen): no tmux server restart to race with.
        tmux.run("respawn-pane", "-k", "-t", "e2e", second)
        label = f"box ({openssh_server.username}@127.0.0.1:{proxy.port})"
        screen = tmux.wait_for("did not finish last time", "Resume")
        assert f"{label}:{there}" in screen.replace("\n", "") or label in screen, screen
        assert "connects to box" in screen, screen
        samples = [size_of(partial)]
        tmux.keys("r")
        trust_once(tmux)
        deadline = time.monotonic() + 90
        while not (here / "big.bin").exists() and time.monotonic() < deadline:
            samples.append(size_of(partial))
            time.sleep(0.02)
        screen = tmux.wait_for("done (1 item,")
        tmux.keys("q")
        tmux.wait_for("second run ended")
    finally:
        proxy.close()
    assert hashlib.sha256((here / "big.bin").read_bytes()).digest() == hashlib.sha256(data).digest()
    assert not partial.exists()
    seen = [s for s in samples if s >= 0]
    assert seen and all(s >= kept for s in seen) and seen == sorted(seen), (kept, seen[:10])
    # The notification (wrapped in its toast) says what was really copied: not 0 B, not the whole file.
    toast = " ".join(line.rsplit("▌", 1)[1].strip(" │─╯╮╭") for line in screen.splitlines() if "▌" in line)
    assert "1 resumed from a partial file" in toast, toast
    assert "done (1 item, 0 B copied" not in toast and "24.0 MiB copied" not in toast
