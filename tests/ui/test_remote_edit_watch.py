"""F4 with an editor that saves while it runs or returns at once: each save is uploaded while the edit is watched.

The editor is a small script set as $VISUAL (see remote_edit_app); a detached
one saves in the background when the test says so.  Stopping the watch
uploads the last save first; quitting keeps an edit that was not uploaded.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sshdeck.core.ssh.remote_source import DemoSource
from sshdeck.ui.commands import main_screen_commands
from sshdeck.ui.edits import remote_edits
from sshdeck.ui.screens.edit_conflict import EditConflictDialog
from tests.ui.remote_edit_app import kept_copies, make_app, messages, open_editor_on, openssh_source, script
from tests.ui.waiting import both_panes_idle, until

# Saves three times; before each next save it waits until the server has the previous one.
THREE_SAVES_EDITOR = """#!{python}
import pathlib, sys, time
path = pathlib.Path(sys.argv[1])
server = pathlib.Path({server_file!r})
for n in range(1, 4):
    text = "save %d\\n" % n
    path.write_text(text)
    while server.read_text() != text:
        time.sleep(0.05)
"""

# Returns at once, like `code` without --wait; a background process saves when the test says so.
DETACHED_EDITOR = """#!/bin/sh
{python} - "$1" <<'EOF' >/dev/null 2>&1 &
import pathlib, sys, time
go = pathlib.Path({go!r})
while not go.exists():
    time.sleep(0.05)
pathlib.Path(sys.argv[1]).write_text(go.read_text())
pathlib.Path({done!r}).write_text("saved")
EOF
exit 0
"""


def say_go(go: Path, text: str) -> None:
    """Tell the background editor what to save (written whole, so it never reads half)."""
    temp = go.with_name(go.name + ".tmp")
    temp.write_text(text)
    os.replace(temp, go)


async def test_each_save_is_uploaded_while_the_editor_runs_on_openssh(
    tmp_path: Path, openssh_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = tmp_path / "served"
    served.mkdir()
    server_file = served / "config.ini"
    server_file.write_text("v0\n")
    monkeypatch.setenv("VISUAL", script(tmp_path, "editor", THREE_SAVES_EDITOR, server_file=str(server_file)))
    source = openssh_source(openssh_server, served)
    app = make_app(tmp_path, source)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_editor_on(pilot, app, "config.ini")
        # Three saves, each uploaded once it has settled (~1 s each): give a loaded machine a minute.
        note = await until(pilot, lambda: [m for m in messages(app) if m.startswith("Uploaded")], "the end of the edit",
                           tries=2400)
        assert note == ["Uploaded " + str(server_file) + " (3 saves)"]
        assert server_file.read_text() == "save 3\n"
        assert not kept_copies()
        await both_panes_idle(pilot, app)  # the pane's refresh after the edit


async def test_a_detached_editor_has_its_saves_uploaded_until_watching_stops(
    tmp_path: Path, demo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go, done = tmp_path / "go", tmp_path / "done"
    monkeypatch.setenv("VISUAL", script(tmp_path, "editor", DETACHED_EDITOR, go=str(go), done=str(done)))
    server_file = demo_root / "README.txt"
    app = make_app(tmp_path, DemoSource(demo_root))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_editor_on(pilot, app, "README.txt")
        edits = remote_edits(app)
        await until(pilot, lambda: edits.watching, "the detached watch")
        assert any("returned at once" in m for m in messages(app))
        say_go(go, "saved while detached\n")  # the background editor saves now
        await until(pilot, lambda: server_file.read_text() == "saved while detached\n", "the upload while detached")
        assert len(kept_copies()) == 1  # still watched: the copy stays
        titles = [command.title for command in main_screen_commands(app.screen)]
        assert "Stop watching /README.txt" in titles
        await pilot.press("W")
        await until(pilot, lambda: not edits.watching, "the watch to stop")
        await until(pilot, lambda: not kept_copies(), "the synced copy to be removed")
        assert any(m.startswith("Stopped watching") for m in messages(app))
        assert not [c for c in main_screen_commands(app.screen) if c.title.startswith("Stop watching /")]


async def test_quitting_keeps_a_detached_edit_that_was_not_uploaded(
    tmp_path: Path, demo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go, done = tmp_path / "go", tmp_path / "done"
    monkeypatch.setenv("VISUAL", script(tmp_path, "editor", DETACHED_EDITOR, go=str(go), done=str(done)))
    server_file = demo_root / "README.txt"
    original = server_file.read_text()
    app = make_app(tmp_path, DemoSource(demo_root))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_editor_on(pilot, app, "README.txt")
        edits = remote_edits(app)
        await until(pilot, lambda: edits.watching, "the detached watch")
        server_file.write_text("someone else\n")  # the next save is a conflict: not uploaded
        say_go(go, "unsent\n")
        await until(pilot, lambda: isinstance(app.screen, EditConflictDialog), "the question")
    # The app quit with the question open: the edit stays in the private folder.
    assert [p.read_text() for p in kept_copies()] == ["unsent\n"]
    (note,) = remote_edits(app).still_kept()  # printed by `sshdeck` after the app quits
    assert note.startswith("Stopped watching /README.txt") and str(kept_copies()[0]) in note
    assert server_file.read_text() == "someone else\n"
    assert original != "unsent\n"


async def test_stop_watching_from_the_palette(tmp_path: Path, demo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    go, done = tmp_path / "go", tmp_path / "done"
    monkeypatch.setenv("VISUAL", script(tmp_path, "editor", DETACHED_EDITOR, go=str(go), done=str(done)))
    app = make_app(tmp_path, DemoSource(demo_root))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_editor_on(pilot, app, "README.txt")
        edits = remote_edits(app)
        await until(pilot, lambda: edits.watching, "the detached watch")
        say_go(go, "last words\n")
        await until(pilot, done.exists, "the background save")
        stop = next(c for c in main_screen_commands(app.screen) if c.title == "Stop watching /README.txt")
        stop.run()  # stopping uploads the last save first
        await until(pilot, lambda: not edits.watching, "the watch to stop")
        assert (demo_root / "README.txt").read_text() == "last words\n"
        await until(pilot, lambda: not kept_copies(), "the synced copy to be removed")
