"""F4 on a remote file changed on the server meanwhile, through the app (Pilot), on the demo server and OpenSSH's sshd.

The editor is a small script set as $VISUAL; it counts its runs in a file so
a test can tell how often the app started it.  Every conflict answer must
leave the edit somewhere the user can find it.  Saves uploaded while the
editor runs, and detached editors: test_remote_edit_watch.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import Button, Label, Static

from sshdeck.app import SshdeckApp
from sshdeck.core.fs.names import display_name
from sshdeck.core.ssh.remote_source import DemoSource
from sshdeck.ui.screens.edit_conflict import EditConflictDialog
from tests.ui.remote_edit_app import kept_copies, make_app, messages, open_editor_on, openssh_source, script
from tests.ui.test_snapshots import freeze_times, utc  # noqa: F401  (a fixture)
from tests.ui.waiting import both_panes_idle, until

ORIGINAL_END = "Backspace goes up.\n"

# Appends a line per run; on its first run someone else changes the server's file meanwhile.
CONFLICT_EDITOR = """#!{python}
import pathlib, sys
runs = pathlib.Path({runs!r})
count = int(runs.read_text()) + 1 if runs.exists() else 1
runs.write_text(str(count))
path = pathlib.Path(sys.argv[1])
path.write_text(path.read_text() + "edited\\n")
if count == 1:
    pathlib.Path({server_file!r}).write_text("someone else\\n")
"""

# Records what it was asked to compare.
DIFFTOOL = """#!/bin/sh
printf '%s\\n' "$@" >> {record!r}
"""


def question(app: SshdeckApp, other_than: object = None) -> EditConflictDialog | None:
    """The conflict question once it is laid out on screen."""
    screen = app.screen
    if not isinstance(screen, EditConflictDialog) or screen is other_than:
        return None
    return screen if screen.query_one("#edit-conflict-hint").region.area else None


def assert_fits(app: SshdeckApp, dialog: EditConflictDialog, size: tuple[int, int]) -> None:
    screen = Region(0, 0, *size)
    box = dialog.query_one(".edit-conflict-dialog")
    assert screen.contains_region(box.region), (box.region, size)
    shown = [*dialog.query(Button), *dialog.query(Label), dialog.query_one("#edit-conflict-hint", Static)]
    for widget in shown:
        assert widget.region.area > 0, widget
        assert box.content_region.contains_region(widget.region), (widget, widget.region, box.content_region)


SIZES = [(80, 24), (200, 60)]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x60"])
@pytest.mark.parametrize("answer", ["overwrite", "beside", "diff", "edit", "escape"])
async def test_changed_on_the_server_during_f4_every_answer_keeps_the_edit(
    tmp_path: Path, demo_root: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int], answer: str
) -> None:
    server_file = demo_root / "README.txt"
    original = server_file.read_text()
    runs = tmp_path / "runs"
    record = tmp_path / "diff-record"
    monkeypatch.setenv("VISUAL", script(tmp_path, "editor", CONFLICT_EDITOR, runs=str(runs), server_file=str(server_file)))
    monkeypatch.setenv("DIFFTOOL", script(tmp_path, "difftool", DIFFTOOL, record=str(record)))
    app = make_app(tmp_path, DemoSource(demo_root))
    async with app.run_test(size=size) as pilot:
        await open_editor_on(pilot, app, "README.txt")
        dialog = await until(pilot, lambda: question(app), "the question")
        assert_fits(app, dialog, size)
        assert "README.txt" in str(dialog.query_one("#edit-conflict-path", Static).content)
        assert dialog.query_one("#edit-diff", Button)  # offered: $DIFFTOOL exists

        if answer == "overwrite":
            await pilot.press("o")
            await until(pilot, lambda: server_file.read_text() == original + "edited\n", "the upload")
            await until(pilot, lambda: not kept_copies(), "the copy to be removed once on the server")
        elif answer == "beside":
            await pilot.press("s")
            beside = await until(pilot, lambda: list(demo_root.glob("README (edited *).txt")), "the copy beside")
            assert beside[0].read_text() == original + "edited\n"
            assert server_file.read_text() == "someone else\n"
            await until(pilot, lambda: not kept_copies(), "the copy to be removed once on the server")
        elif answer == "diff":
            await pilot.press("d")
            compared = await until(pilot, lambda: record.exists() and record.read_text().splitlines(), "the diff tool")
            theirs, mine = compared
            assert Path(mine).read_text() == original + "edited\n"
            assert theirs != mine
            again = await until(pilot, lambda: question(app, dialog), "the question again")
            assert again is not dialog
            assert not Path(theirs).exists()  # the server's copy for the diff is not left behind
            await pilot.press("o")
            await until(pilot, lambda: server_file.read_text() == original + "edited\n", "the upload")
        elif answer == "edit":
            await pilot.press("e")
            await until(pilot, lambda: runs.read_text() == "2", "the editor to be reopened")
            await until(pilot, lambda: question(app, dialog), "the question after editing again")
            await pilot.press("o")
            await until(pilot, lambda: server_file.read_text() == original + "edited\nedited\n", "the upload")
        else:
            await pilot.press("escape")
            note = await until(pilot, lambda: [m for m in messages(app) if "kept at" in m], "the notification")
            copies = kept_copies()
            assert len(copies) == 1
            assert copies[0].read_text() == original + "edited\n"
            assert str(copies[0]) in note[0]
            assert server_file.read_text() == "someone else\n"
            assert not any("server's version was kept" in m for m in messages(app))


# Edits the file, and meanwhile its folder disappears from the server.
FOLDER_GONE_EDITOR = """#!{python}
import pathlib, shutil, sys
path = pathlib.Path(sys.argv[1])
path.write_text("precious\\n")
shutil.rmtree({folder!r})
"""


async def test_a_failed_upload_keeps_the_edit_and_says_where(
    tmp_path: Path, demo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VISUAL", script(tmp_path, "editor", FOLDER_GONE_EDITOR, folder=str(demo_root / "logs")))
    app = make_app(tmp_path, DemoSource(demo_root))
    async with app.run_test(size=(80, 24)) as pilot:
        right = (await both_panes_idle(pilot, app))[1]
        right.file_list.focus()
        right.load("/logs")
        await until(pilot, lambda: right.is_idle and right.path == "/logs" and right.file_list.entries, "the folder")
        await open_editor_on(pilot, app, "app.log")
        await until(pilot, lambda: question(app), "the question")  # the file is gone: changed on the server
        await pilot.press("o")
        note = await until(pilot, lambda: [m for m in messages(app) if "kept at" in m], "the notification")
        copies = kept_copies()
        assert [p.read_text() for p in copies] == ["precious\n"]
        assert str(copies[0]) in note[0]
        assert note[0].startswith("Not uploaded:")


# Says it started, waits for the test's signal, then saves and returns.
WAITING_EDITOR = """#!{python}
import pathlib, sys, time
pathlib.Path({started!r}).write_text("")
go = pathlib.Path({go!r})
while not go.exists():
    time.sleep(0.05)
pathlib.Path(sys.argv[1]).write_text("written offline\\n")
"""


async def test_a_connection_lost_during_the_edit_keeps_it_and_says_where(
    tmp_path: Path, demo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go, started = tmp_path / "go", tmp_path / "started"
    monkeypatch.setenv("VISUAL", script(tmp_path, "editor", WAITING_EDITOR, go=str(go), started=str(started)))
    source = DemoSource(demo_root)
    app = make_app(tmp_path, source)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_editor_on(pilot, app, "README.txt")
        await until(pilot, started.exists, "the editor")
        source.connection.close()  # the SSH connection drops while the editor is open
        await source.connection.wait_closed()
        go.write_text("")
        note = await until(pilot, lambda: [m for m in messages(app) if "kept at" in m], "the notification")
        copies = kept_copies()
        assert [p.read_text() for p in copies] == ["written offline\n"]
        assert str(copies[0]) in note[0]
        assert not isinstance(app.screen, EditConflictDialog)
    assert "written offline" not in (demo_root / "README.txt").read_text()


async def test_a_hostile_file_name_is_shown_inert_in_the_question_and_the_notification(
    tmp_path: Path, demo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = "evil\x1b]0;pwned\x07[b]x.txt"
    server_file = demo_root / raw
    server_file.write_text("v0\n")
    monkeypatch.setenv("VISUAL", script(tmp_path, "editor", CONFLICT_EDITOR, runs=str(tmp_path / "runs"),
                                        server_file=str(server_file)))
    app = make_app(tmp_path, DemoSource(demo_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor_on(pilot, app, display_name(raw.encode()))
        dialog = await until(pilot, lambda: question(app), "the question")
        shown = str(dialog.query_one("#edit-conflict-path", Static).content)
        assert "\x1b" not in shown and "\x07" not in shown and "[b]x" in shown
        await pilot.press("escape")
        note = await until(pilot, lambda: [m for m in messages(app) if "kept at" in m], "the notification")
        assert "\x1b" not in note[0] and "\x07" not in note[0]
        assert [p.read_text() for p in kept_copies()] == ["v0\nedited\n"]


async def test_diff_is_not_offered_without_a_diff_program(
    tmp_path: Path, demo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_file = demo_root / "README.txt"
    monkeypatch.setenv("VISUAL", script(tmp_path, "editor", CONFLICT_EDITOR, runs=str(tmp_path / "runs"),
                                        server_file=str(server_file)))
    monkeypatch.delenv("DIFFTOOL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no diff (the editor is found by its full path)
    app = make_app(tmp_path, DemoSource(demo_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor_on(pilot, app, "README.txt")
        dialog = await until(pilot, lambda: question(app), "the question")
        assert not dialog.query("#edit-diff")
        await pilot.press("d")  # nothing happens
        assert app.screen is dialog
        await pilot.press("escape")
        await until(pilot, lambda: kept_copies(), "the kept copy")


async def test_overwrite_after_a_conflict_on_openssh(tmp_path: Path, openssh_server, monkeypatch: pytest.MonkeyPatch) -> None:
    served = tmp_path / "served"
    served.mkdir()
    server_file = served / "site.conf"
    server_file.write_text("v0\n")
    monkeypatch.setenv("VISUAL", script(tmp_path, "editor", CONFLICT_EDITOR, runs=str(tmp_path / "runs"),
                                        server_file=str(server_file)))
    source = openssh_source(openssh_server, served)
    app = make_app(tmp_path, source)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor_on(pilot, app, "site.conf")
        dialog = await until(pilot, lambda: question(app), "the question")
        assert_fits(app, dialog, (80, 24))
        await pilot.press("o")
        await until(pilot, lambda: server_file.read_text() == "v0\nedited\n", "the upload")
        await until(pilot, lambda: not kept_copies(), "the copy to be removed once on the server")
        await both_panes_idle(pilot, app)


def test_edit_conflict_question_snapshot_at_80x24(snap_compare, demo_root: Path, hermetic_home: Path, utc) -> None:
    freeze_times(demo_root)
    local = hermetic_home / "work"
    local.mkdir()

    async def ask(pilot) -> None:
        await both_panes_idle(pilot, pilot.app)
        pilot.app.push_screen(EditConflictDialog("/srv/www/a rather long folder name/config (production).ini", True))
        await until(pilot, lambda: question(pilot.app), "the question")

    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root), theme_name="sshdeck-dark")
    assert snap_compare(app, terminal_size=(80, 24), run_before=ask)
