"""F5/F6, drag and drop with the mouse, and pasted local paths, between real panes."""

from __future__ import annotations

import pytest

from pathlib import Path

from sshdeck.app import SshdeckApp
from sshdeck.core.ssh.remote_source import DemoSource
from sshdeck.ui.screens.copy_dialog import CopyDialog
from sshdeck.ui.widgets.file_pane import FilePane
from tests.ui.waiting import both_panes_idle as panes, until




def local_tree(tmp_path: Path) -> Path:
    local = tmp_path / "local"
    (local / "site" / "css").mkdir(parents=True)
    (local / "site" / "index.html").write_bytes(b"<h1>hi</h1>" * 100)
    (local / "site" / "css" / "a b [1].css").write_text("body{}")
    (local / "photo.jpg").write_bytes(bytes(range(256)) * 400)
    return local


def row_of(pane: FilePane, name: str) -> int:
    return [e.display for e in pane.file_list.entries].index(name)


async def test_f5_copies_the_selection_to_the_other_pane_after_a_confirm(tmp_path: Path, demo_root: Path) -> None:
    local = local_tree(tmp_path)
    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root))
    async with app.run_test(size=(130, 40)) as pilot:
        left, right = await panes(pilot, app)
        left.file_list.cursor = row_of(left, "site")
        await pilot.press("space", "space")  # site and photo.jpg
        assert left.model.selected == {b"site", b"photo.jpg"}
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, CopyDialog), "the copy dialog")
        assert str(app.screen.query_one(".copy-dest-label").content) == "to   demo:"
        assert app.screen.query_one("#copy-dest-path").value == "/"
        await pilot.press("enter")
        await until(pilot, lambda: (demo_root / "site" / "css" / "a b [1].css").exists(), "the tree to arrive")
        await until(pilot, lambda: (demo_root / "photo.jpg").exists(), "the file to arrive")
        assert (demo_root / "photo.jpg").read_bytes() == (local / "photo.jpg").read_bytes()
        assert (demo_root / "site" / "index.html").read_bytes() == (local / "site" / "index.html").read_bytes()
        assert (local / "photo.jpg").exists()  # a copy keeps the source
        await until(pilot, lambda: left.model.selected == set(), "the selection to be cleared after the copy")


async def test_f6_moves_and_escape_cancels(tmp_path: Path, demo_root: Path) -> None:
    local = local_tree(tmp_path)
    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root))
    async with app.run_test(size=(130, 40)) as pilot:
        left, right = await panes(pilot, app)
        left.file_list.cursor = row_of(left, "photo.jpg")
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, CopyDialog), "the move dialog")
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert not (demo_root / "photo.jpg").exists() and (local / "photo.jpg").exists()
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, CopyDialog), "the move dialog")
        await pilot.press("enter")
        await until(pilot, lambda: (demo_root / "photo.jpg").exists() and not (local / "photo.jpg").exists(), "move")


async def test_dragging_a_file_onto_a_folder_of_the_other_pane_copies_it_there(tmp_path: Path, demo_root: Path) -> None:
    local = local_tree(tmp_path)
    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root))
    async with app.run_test(size=(130, 40)) as pilot:
        left, right = await panes(pilot, app)
        source_row = row_of(left, "photo.jpg")
        target_row = row_of(right, "logs")
        await pilot.mouse_down(left.file_list, offset=(4, source_row))
        await pilot.hover(right.file_list, offset=(6, target_row))
        await pilot.pause(0.05)
        assert right.file_list.has_class("-drop-target") and right.file_list.drop_row == target_row
        await pilot.mouse_up(right.file_list, offset=(6, target_row))
        assert not right.file_list.has_class("-drop-target")
        await until(pilot, lambda: isinstance(app.screen, CopyDialog), "the copy dialog")
        assert app.screen.query_one("#copy-dest-path").value == "/logs"
        await pilot.press("enter")
        await until(pilot, lambda: (demo_root / "logs" / "photo.jpg").exists(), "the drop to arrive")
        assert (demo_root / "logs" / "photo.jpg").read_bytes() == (local / "photo.jpg").read_bytes()


async def test_pasting_local_paths_into_a_remote_pane_offers_an_upload(tmp_path: Path, demo_root: Path) -> None:
    local = local_tree(tmp_path)
    elsewhere = tmp_path / "Desktop"
    elsewhere.mkdir()
    (elsewhere / "my notes.txt").write_text("dropped from the desktop")
    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root))
    async with app.run_test(size=(130, 40)) as pilot:
        left, right = await panes(pilot, app)
        right.file_list.focus()
        uri = "file://" + str(elsewhere / "my notes.txt").replace(" ", "%20")
        from textual import events

        right.file_list.post_message(events.Paste(f"'{local / 'photo.jpg'}' {uri}\n"))
        await until(pilot, lambda: isinstance(app.screen, CopyDialog), "the upload dialog")
        await pilot.press("enter")
        await until(pilot, lambda: (demo_root / "my notes.txt").exists() and (demo_root / "photo.jpg").exists(), "up")
        assert (demo_root / "my notes.txt").read_text() == "dropped from the desktop"


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_the_copy_destination_can_be_edited_with_completion(tmp_path: Path, demo_root: Path, size) -> None:
    local = local_tree(tmp_path)
    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root))
    async with app.run_test(size=size) as pilot:
        left, right = await panes(pilot, app)
        left.file_list.cursor = row_of(left, "photo.jpg")
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, CopyDialog), "the copy dialog")
        box = app.screen.query_one("#copy-dest-path")
        box.focus()
        box.value = "/lo"
        box.cursor_position = 3
        await pilot.press("tab")  # completes the folder name, as the path bar does
        await until(pilot, lambda: box.value == "/logs/", "completion")
        await pilot.press("enter")
        await until(pilot, lambda: (demo_root / "logs" / "photo.jpg").exists(), "the copy into the typed folder")
        assert not (demo_root / "photo.jpg").exists()
