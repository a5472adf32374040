"""Synchronised browsing, folder comparison and bookmarks across a local and a remote pane."""

from __future__ import annotations

import os
from pathlib import Path

from sshdeck.app import SshdeckApp
from sshdeck.core.hosts.bookmarks import Bookmarks
from sshdeck.core.ssh.remote_source import DemoSource
from sshdeck.ui.screens.location_picker import ListPicker
from sshdeck.ui.widgets.file_pane import FilePane
from tests.ui.waiting import both_panes_idle as panes



async def settle(pilot, app, check) -> tuple[FilePane, FilePane]:
    """Wait until both panes are idle and `check(left, right)` holds."""
    for _ in range(300):
        left, right = await panes(pilot, app)
        if check(left, right):
            return left, right
    raise AssertionError("the panes never reached the expected folders")


async def go_to(pilot, pane: FilePane, name: str) -> None:
    pane.file_list.focus()
    pane.file_list.cursor = [e.display for e in pane.file_list.entries].index(name)
    await pilot.pause()


def mirror(tmp_path: Path, demo_root: Path) -> Path:
    """A local copy of part of the demo tree, with a few differences."""
    local = tmp_path / "mirror"
    (local / "projects" / "website").mkdir(parents=True)
    (local / "README.txt").write_bytes((demo_root / "README.txt").read_bytes())
    stamp = (demo_root / "README.txt").stat().st_mtime
    os.utime(local / "README.txt", (stamp, stamp))
    (local / "local-only.txt").write_text("x")
    (local / "disk-image.bin").write_bytes(b"smaller")
    return local


async def test_synchronised_browsing_follows_into_folders_and_up(tmp_path: Path, demo_root: Path) -> None:
    app = SshdeckApp(local_path=str(mirror(tmp_path, demo_root)), remote=DemoSource(demo_root))
    async with app.run_test(size=(120, 40)) as pilot:
        left, right = await panes(pilot, app)
        await pilot.press("ctrl+y")
        await go_to(pilot, left, "projects")
        await pilot.press("enter")
        await settle(pilot, app, lambda l, r: l.path.endswith("/mirror/projects") and r.path == "/projects")
        await go_to(pilot, right, "website")
        await pilot.press("enter")
        await settle(pilot, app, lambda l, r: l.path.endswith("/projects/website") and r.path == "/projects/website")
        await pilot.press("backspace")
        await settle(pilot, app, lambda l, r: l.path.endswith("/mirror/projects") and r.path == "/projects")
        await pilot.press("ctrl+y")  # off again: the other side stays
        await pilot.press("backspace")
        left, right = await settle(pilot, app, lambda l, r: r.path == "/")
        await pilot.pause(0.2)
        assert left.path.endswith("/mirror/projects")


async def test_compare_selects_what_differs_on_each_side(tmp_path: Path, demo_root: Path) -> None:
    app = SshdeckApp(local_path=str(mirror(tmp_path, demo_root)), remote=DemoSource(demo_root))
    async with app.run_test(size=(120, 40)) as pilot:
        left, right = await panes(pilot, app)
        await pilot.press("equals_sign")
        assert left.model.selected == {b"local-only.txt", b"disk-image.bin"}
        assert right.model.selected == {b"empty folder", b"logs", b"photos 2024", b"disk-image.bin"}
        assert any("Compared:" in n.message for n in app._notifications)
        assert "2 selected" in str(left.query_one(".pane-status").content)


async def test_bookmarks_are_kept_per_location(tmp_path: Path, demo_root: Path) -> None:
    app = SshdeckApp(local_path=str(mirror(tmp_path, demo_root)), remote=DemoSource(demo_root))
    async with app.run_test(size=(120, 40)) as pilot:
        left, right = await panes(pilot, app)
        await go_to(pilot, right, "photos 2024")
        await pilot.press("enter")
        left, right = await settle(pilot, app, lambda l, r: r.path == "/photos 2024")
        await pilot.press("b")
        assert Bookmarks.load().folders("demo") == ["/photos 2024"]
        assert Bookmarks.load().folders("local") == []
        await pilot.press("backspace")
        await settle(pilot, app, lambda l, r: r.path == "/")
        await pilot.press("g")
        assert isinstance(app.screen, ListPicker)
        await pilot.press("enter")
        left, right = await settle(pilot, app, lambda l, r: r.path == "/photos 2024")
        left.file_list.focus()
        await pilot.press("g")  # nothing bookmarked on this computer yet
        assert not app.screen.is_modal
