"""SIGTERM and SIGHUP to the real `sshdeck --demo` in a real terminal: the terminal is restored, the sandbox removed."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.e2e.test_demo_in_tmux import Tmux, sshdeck_command, tmux  # noqa: F401 - the fixture


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            # The command name is in parentheses and may hold spaces: the ppid follows the last ')'.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def sshdeck_pid(tmux: Tmux) -> int:
    shell = int(tmux.run("display", "-p", "-t", "e2e", "#{pane_pid}").strip())
    for _ in range(100):
        kids = children_of(shell)
        if kids:
            return kids[0]
        time.sleep(0.05)
    raise AssertionError("sshdeck's process not found under the pane's shell")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signal_restores_the_terminal_and_removes_the_demo_sandbox(tmux: Tmux, tmp_path: Path, signum) -> None:
    local = tmp_path / "local-side"
    local.mkdir()
    command = f"cd {local} && {sshdeck_command()} --demo; echo sshdeck exited with $?; sleep 60"
    tmux.run("new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30", command)
    tmux.wait_for("demo:/", "disk-image.bin")
    assert tmux.run("display", "-p", "-t", "e2e", "#{alternate_on}").strip() == "1"
    sandboxes = list((tmp_path / "tmp").glob("sshdeck-demo-*"))
    assert len(sandboxes) == 1

    os.kill(sshdeck_pid(tmux), signum)

    screen = tmux.wait_for(f"sshdeck exited with {128 + signum}")
    assert "Traceback" not in screen
    # Out of the alternate screen, with the shell's own output on the normal one.
    assert tmux.run("display", "-p", "-t", "e2e", "#{alternate_on}").strip() == "0"
    assert not sandboxes[0].exists()
    assert list((tmp_path / "tmp").glob("sshdeck-demo-*")) == []
