"""The transfer UI: confirm, copy and move to the demo server from the panes, pasted paths, conflicts."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest

from sshdeck.app import SshdeckApp
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.ssh.remote_source import DemoSource
from sshdeck.ui.screens.conflict_dialog import ConflictDialog
from sshdeck.ui.screens.copy_dialog import CopyDialog
from sshdeck.ui.transfers import TransferController, parse_dropped_paths
from sshdeck.ui.widgets.file_pane import FilePane
from sshdeck.ui.widgets.transfer_panel import TransferPanel
from tests.ui.transfer_app import TransferApp, entry, make_tree, tree_bytes, wait_for


# -- copying and moving -------------------------------------------------------------------


async def test_copy_of_a_tree_and_a_file_from_the_panes_arrives_byte_identical(tmp_path: Path, demo_root: Path) -> None:
    local = tmp_path / "local"
    local.mkdir()
    make_tree(local)
    (demo_root / "uploads").mkdir()
    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.screen.query(FilePane)) == 2
                       and all(p.is_idle for p in app.screen.query(FilePane))
                       and app.screen.query_one("#right", FilePane).fs.label == "demo", "the panes")
        left, right = app.screen.query_one("#left", FilePane), app.screen.query_one("#right", FilePane)
        right.load("/uploads")
        await wait_for(pilot, lambda: right.is_idle and right.path == "/uploads", "the uploads folder")
        controller = TransferController(app)
        panel = TransferPanel(controller)
        await app.screen.mount(panel)
        for name in ("big.bin", "site"):
            left.file_list.cursor = [e.name for e in left.file_list.entries].index(name.encode())
            await pilot.press("space")
        targets = left.model.targets(left.file_list.current)
        done: list = []
        controller.start(left.fs, left.path, targets, right.fs, right.path, on_done=done.append)
        await pilot.pause()
        assert isinstance(app.screen, CopyDialog)
        question = str(app.screen.query_one("#copy-question").content)
        assert question == "Copy 2 items (2.0 MiB + 1 folder) to demo:/uploads?"
        await pilot.press("enter")  # Copy has the focus
        await wait_for(pilot, lambda: done, "the copy")
        assert done[0].ok
        assert tree_bytes(demo_root / "uploads") == tree_bytes(local)
        await pilot.pause(0.2)
        assert panel.query_one("#transfer-total").percentage == 1.0
        rows = panel.rows.rows
        assert rows[0].mark == "✓" and "2 items" in rows[0].text and "4/4 files 100%" in rows[0].figures
        assert sorted((r.mark, r.text) for r in rows[1:]) == [
            ("✓", "big.bin"), ("✓", "site/assets/logo [1] 'q'.bin"), ("✓", "site/assets/zero"), ("✓", "site/index.html")
        ]


async def test_move_to_the_server_removes_the_sources_and_escape_moves_nothing(tmp_path: Path, demo_root: Path) -> None:
    local = tmp_path / "local"
    local.mkdir()
    make_tree(local)
    expected = tree_bytes(local)
    app = TransferApp(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.remote_fs is not None, "the demo server")
        done: list = []
        entries = [entry(local / "site"), entry(local / "big.bin")]
        for key in ("escape", "enter"):
            app.controller.start(LocalFS(), str(local), entries, app.remote_fs, "/", move=True, on_done=done.append)
            await pilot.pause()
            assert str(app.screen.query_one("#copy-question").content).startswith("Move 2 items")
            await pilot.press(key)
            if key == "escape":
                await pilot.pause(0.2)
                assert not isinstance(app.screen, CopyDialog) and app.controller.jobs == {}
                assert not (demo_root / "big.bin").exists() and (local / "big.bin").exists()
        await wait_for(pilot, lambda: done, "the move")
        assert done[0].ok
    assert not (local / "site").exists() and not (local / "big.bin").exists()
    assert {k: v for k, v in tree_bytes(demo_root).items() if k.split("/")[0] in ("site", "big.bin")} == expected


async def test_pasted_local_paths_are_offered_as_an_upload(tmp_path: Path, demo_root: Path) -> None:
    desktop, other = tmp_path / "Desktop", tmp_path / "other place"
    desktop.mkdir()
    other.mkdir()
    (desktop / "photo 1.jpg").write_bytes(os.urandom(5000))
    (other / "notes.txt").write_text("notes\n")
    (other / "folder").mkdir()
    (other / "folder" / "inner.bin").write_bytes(os.urandom(100))
    pasted = f"'{desktop}/photo 1.jpg' file://{quote(str(other))}/notes.txt {str(other).replace(' ', chr(92) + ' ')}/folder "
    paths = parse_dropped_paths(pasted)
    assert paths == [str(desktop / "photo 1.jpg"), str(other / "notes.txt"), str(other / "folder")]
    (demo_root / "inbox").mkdir()
    app = TransferApp(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.remote_fs is not None, "the demo server")
        done: list = []
        app.controller.upload_paths(paths, app.remote_fs, "/inbox", on_done=done.append)
        await pilot.pause()
        assert str(app.screen.query_one("#copy-question").content) == (
            "Copy 3 items (4.9 KiB + 1 folder) to demo:/inbox?"
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: done, "the upload")
        assert all(job.state == "done" for job in app.controller.jobs.values())
    inbox = demo_root / "inbox"
    assert (inbox / "photo 1.jpg").read_bytes() == (desktop / "photo 1.jpg").read_bytes()
    assert (inbox / "notes.txt").read_text() == "notes\n"
    assert (inbox / "folder" / "inner.bin").read_bytes() == (other / "folder" / "inner.bin").read_bytes()


# -- conflicts ---------------------------------------------------------------------------------


CONFLICT_OUTCOMES = {
    "o": {"report.txt": b"the new report"},  # overwrite
    "s": {"report.txt": b"old"},  # skip
    "k": {"report.txt": b"old", "report (1).txt": b"the new report"},  # keep both
}


@pytest.mark.parametrize("key", CONFLICT_OUTCOMES, ids=["overwrite", "skip", "keep-both"])
async def test_conflict_dialog_choice_does_what_it_says(tmp_path: Path, demo_root: Path, key: str) -> None:
    (tmp_path / "report.txt").write_bytes(b"the new report")
    (demo_root / "inbox").mkdir()
    (demo_root / "inbox" / "report.txt").write_bytes(b"old")
    app = TransferApp(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.remote_fs is not None, "the demo server")
        done: list = []
        app.controller.start(LocalFS(), str(tmp_path), [entry(tmp_path / "report.txt")], app.remote_fs, "/inbox",
                             on_done=done.append, confirm=False)
        # The screen is pushed before its widgets are mounted: wait for what the test reads.
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog) and app.screen.query("#conflict-source"),
                       "the conflict dialog")
        assert "“report.txt” already exists in demo:/inbox" in str(app.screen.query_one(".dialog-title").content)
        assert str(app.screen.query_one("#conflict-existing").content).startswith("3 B (3 bytes)")
        assert str(app.screen.query_one("#conflict-source").content).startswith("14 B (14 bytes)")
        await pilot.press(key)
        await wait_for(pilot, lambda: done, "the copy")
    found = {p.name: p.read_bytes() for p in (demo_root / "inbox").iterdir()}
    assert found == CONFLICT_OUTCOMES[key]


async def test_apply_to_all_answers_every_later_conflict(tmp_path: Path, demo_root: Path) -> None:
    names = ["a.txt", "b.txt", "c.txt"]
    for name in names:
        (tmp_path / name).write_bytes(b"new " + name.encode())
        (demo_root / name).write_bytes(b"old")
    app = TransferApp(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.remote_fs is not None, "the demo server")
        done: list = []
        app.controller.start(LocalFS(), str(tmp_path), [entry(tmp_path / n) for n in names], app.remote_fs, "/",
                             on_done=done.append, confirm=False)
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog), "the conflict dialog")
        await pilot.press("a", "o")
        await wait_for(pilot, lambda: done or isinstance(app.screen, ConflictDialog), "the copy")
        assert done and not isinstance(app.screen, ConflictDialog)
    assert all((demo_root / n).read_bytes() == b"new " + n.encode() for n in names)
