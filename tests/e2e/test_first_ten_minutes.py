"""A new user's first ten minutes, in a real 80×24 terminal: browse, copy both ways, a shell, quick connect, help, quit."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.test_demo_in_tmux import Tmux, sshdeck_command, tmux  # noqa: F401  (the fixture)


def test_first_ten_minutes_at_80x24(tmux: Tmux, tmp_path: Path) -> None:  # noqa: F811
    local = tmp_path / "mine"
    local.mkdir()
    (local / "notes-for-server.txt").write_text("from my laptop\n")
    command = f"cd {local} && {sshdeck_command()} --demo; echo sshdeck exited with $?; sleep 60"
    tmux.run("new-session", "-d", "-s", "e2e", "-x", "80", "-y", "24", command)
    screen = tmux.wait_for("demo:/", "README.txt", "notes-for-server.txt")
    assert "README.txt~" not in screen and "README.t~" not in screen  # names are not squeezed at 80 columns

    # Upload: the local file (the cursor starts on ".."), F5, Enter.
    tmux.keys("Down", "F5")
    tmux.wait_for("Copy", "to   demo:")
    tmux.keys("Enter")
    tmux.keys("Tab")
    tmux.wait_for("notes-for-server.txt")  # now listed on the server side too
    # Download: README.txt (the last row on the server side) into the local folder.
    tmux.keys("End", "F5")
    tmux.wait_for("to   ")
    tmux.keys("Enter")
    deadline = time.monotonic() + 15
    while not (local / "README.txt").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (local / "README.txt").exists()
    tmux.wait_for("README.txt", "notes-for-server.txt")

    # A shell, and back.
    tmux.keys("C-o")
    tmux.run("send-keys", "-t", "e2e", "-l", "echo first-$((6*7))")
    tmux.keys("Enter")
    tmux.wait_for("first-42")
    tmux.keys("C-]", "C-w")
    tmux.wait_for("notes-for-server.txt")

    # Quick connect, then change of mind: Escape closes the bar, keys go to the panes again.
    tmux.keys("C-k")
    tmux.wait_for("user@host")  # the bar's own placeholder ("Connect" is also in the footer from the start)
    tmux.run("send-keys", "-t", "e2e", "-l", "nowhere")
    tmux.wait_for("nowhere")
    tmux.keys("Escape")
    tmux.wait_gone("nowhere")  # the bar is closed (a slow machine may take a moment to redraw)

    # F1 shows the keys; Escape closes; F10 quits.
    tmux.keys("F1")
    tmux.wait_for("Keys", "move the cursor")
    tmux.keys("Escape")
    tmux.wait_for("notes-for-server.txt")
    tmux.keys("F10")
    tmux.wait_for("sshdeck exited with 0")
