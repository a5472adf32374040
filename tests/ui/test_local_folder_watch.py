"""A local pane notices files changed outside sshdeck (inotify, or polling where there is none)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sshdeck.app import SshdeckApp
from sshdeck.core.fs.folder_watch import FolderWatch
from tests.ui.waiting import both_panes_idle, until


@pytest.mark.parametrize("use_inotify", [True, False])
async def test_a_folder_watch_reports_new_grown_and_removed_files(tmp_path: Path, use_inotify: bool) -> None:
    (tmp_path / "grows.log").write_text("a")
    seen = asyncio.Event()
    watch = FolderWatch(str(tmp_path), seen.set, use_inotify=use_inotify)
    try:
        if use_inotify:
            assert watch.mode == "inotify"
        for change in (
            lambda: (tmp_path / "new.txt").write_text("x"),
            lambda: (tmp_path / "grows.log").write_text("a much longer line"),
            lambda: (tmp_path / "new.txt").unlink(),
        ):
            await asyncio.sleep(0.05 if use_inotify else 1.1)  # polling compares whole seconds apart
            seen.clear()
            change()
            await asyncio.wait_for(seen.wait(), timeout=5)
    finally:
        watch.close()


async def test_the_local_pane_shows_a_file_made_by_another_program(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        left, _right = await both_panes_idle(pilot, app)
        left.file_list.cursor = [e.display for e in left.file_list.entries].index("a.txt")
        (tmp_path / "made-elsewhere.txt").write_text("hello")
        await until(pilot, lambda: "made-elsewhere.txt" in [e.display for e in left.file_list.entries], "the new file")
        assert left.file_list.current.display == "a.txt"  # the cursor stays where it was
