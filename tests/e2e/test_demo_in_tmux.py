"""The real `sshdeck --demo` in a real terminal (tmux): drawn, browsable, quits cleanly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest


def sshdeck_command() -> str:
    script = Path(sys.executable).parent / "sshdeck"
    if script.exists():
        return str(script)
    return f"{sys.executable} -m sshdeck"


class Tmux:
    """One private tmux server (its own socket) running one window."""

    def __init__(self, socket_name: str, env: dict[str, str]) -> None:
        self.base = ["tmux", "-u", "-L", socket_name, "-f", "/dev/null"]
        self.env = env

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [*self.base, *args], capture_output=True, text=True, env=self.env, timeout=20
        )
        if result.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {result.stderr.strip()}")
        return result.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "e2e")

    def wait_for(self, *texts: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{texts} not on screen after {timeout}s:\n{screen}")

    def wait_gone(self, *texts: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if not any(text in screen for text in texts):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{texts} still on screen after {timeout}s:\n{screen}")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", "e2e", key)
            time.sleep(0.15)

    def kill(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True, env=self.env, timeout=20)


@pytest.fixture
def tmux(tmp_path: Path):
    if shutil.which("tmux") is None:
        if os.environ.get("SSHDECK_REQUIRE_OPENSSH") == "1":
            pytest.fail("tmux is not installed, and SSHDECK_REQUIRE_OPENSSH=1 requires the real-terminal test")
        pytest.skip("tmux is not installed (apt-get install tmux)")
    env = os.environ.copy()
    env.update({"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": str(tmp_path / "tmp")})
    (tmp_path / "tmp").mkdir()
    env.pop("TMUX", None)
    session = Tmux(f"sshdeck-e2e-{os.getpid()}", env)
    yield session
    session.kill()


def test_demo_draws_both_panes_browses_and_quits(tmux: Tmux, tmp_path: Path) -> None:
    local = tmp_path / "local-side"
    local.mkdir()
    (local / "local-only-file.txt").write_text("x")
    command = f"cd {local} && {sshdeck_command()} --demo; echo sshdeck exited with $?; sleep 60"
    tmux.run("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40", command)

    screen = tmux.wait_for("demo:/", "disk-image.bin", "local-only-file.txt")
    assert "photos 2024/" in screen
    assert "Quit" in screen  # the footer lists the bindings
    sandboxes = list((tmp_path / "tmp").glob("sshdeck-demo-*"))
    assert len(sandboxes) == 1

    # Into a folder on the remote side: non-ASCII names are drawn as they are.
    tmux.keys("Tab", "Down", "Down", "Enter")
    tmux.wait_for("demo:/photos 2024", "été à Lyon.txt")
    tmux.keys("BSpace")
    tmux.wait_for("disk-image.bin")

    # A shell tab on the demo host: keys go to the shell, Ctrl+] gives them back.
    tmux.keys("C-o")
    tmux.wait_for("Files")  # the tab bar appears with a second tab
    tmux.run("send-keys", "-t", "e2e", "-l", "echo e2e-$((6*7))")
    tmux.keys("Enter")
    tmux.wait_for("e2e-42")
    tmux.keys("q")  # typed into the shell, not a quit
    time.sleep(0.5)
    assert "sshdeck exited" not in tmux.screen()
    tmux.keys("BSpace", "C-]", "C-w")
    tmux.wait_for("disk-image.bin", "local-only-file.txt")

    tmux.keys("q")
    tmux.wait_for("sshdeck exited with 0")
    # The sandbox sshdeck made is gone with it.
    assert not sandboxes[0].exists()
