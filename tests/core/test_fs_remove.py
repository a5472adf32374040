"""Recursive delete: whole trees, progress, cancel, and never through a symlink."""

from __future__ import annotations

import asyncio
import errno
import os
import time
from pathlib import Path

import pytest
import pytest_asyncio

from sshdeck.core.fs.errors import NotFoundError, PermissionDeniedError
from sshdeck.core.fs.local import LocalFS
from tests.core.fs_servers import PLACES, Place, open_place


@pytest_asyncio.fixture(params=PLACES)
async def place(request, tmp_path: Path):
    async with open_place(request.param, tmp_path, request) as opened:
        yield opened


def make_tree(top: Path, folders: int = 3, files: int = 5) -> int:
    """A tree with nested folders and tricky names; returns how many items it holds."""
    count = 1
    top.mkdir()
    for index in range(folders):
        folder = top / f"sub [{index}]" / "deeper *"
        folder.mkdir(parents=True)
        count += 2
        for number in range(files):
            (folder / f"file {number}.txt").write_bytes(b"x")
            count += 1
    (top / "\u00e9t\u00e9 'quoted'").write_bytes(b"y")
    return count + 1


async def test_removing_a_tree_reports_progress_and_leaves_nothing(place: Place) -> None:
    total = make_tree(place.disk / "tree")
    seen: list[tuple[int, str]] = []
    removed = await place.fs.remove(place.path("tree"), progress=lambda count, path: seen.append((count, path)))
    assert removed == total
    assert not (place.disk / "tree").exists()
    assert seen and seen[-1] == (total, place.path("tree"))
    assert [count for count, _path in seen] == sorted(count for count, _path in seen)


async def test_removing_never_follows_symlinks(place: Place, tmp_path: Path) -> None:
    outside = place.disk / "precious"
    outside.mkdir()
    (outside / "keep.txt").write_bytes(b"keep")
    tree = place.disk / "tree"
    tree.mkdir()
    os.symlink(outside, tree / "link to folder")
    os.symlink(outside / "keep.txt", tree / "link to file")
    os.symlink(outside, place.disk / "top link")
    assert await place.fs.remove(place.path("tree")) == 3
    assert await place.fs.remove(place.path("top link")) == 1
    assert (outside / "keep.txt").read_bytes() == b"keep"
    assert sorted(os.listdir(place.disk)) == ["precious"]


async def test_removing_a_vanished_path_says_it_is_gone(place: Place) -> None:
    with pytest.raises(NotFoundError, match="no such file or folder"):
        await place.fs.remove(place.path("gone"))


async def test_cancelling_a_remove_stops_it_and_keeps_the_rest(place: Place, monkeypatch) -> None:
    folder = place.disk / "many"
    folder.mkdir()
    for index in range(400):
        (folder / f"f{index:03d}").write_bytes(b"")
    if place.kind == "local":
        # A local unlink is too quick to catch mid-way: slow it down.
        real_unlink = os.unlink

        def slow_unlink(*args, **kwargs):
            time.sleep(0.002)
            real_unlink(*args, **kwargs)

        monkeypatch.setattr(os, "unlink", slow_unlink)
    counts: list[int] = []

    def progress(count: int, path: str) -> None:
        counts.append(count)
        task.cancel()

    task = asyncio.ensure_future(place.fs.remove(place.path("many"), progress=progress))
    with pytest.raises(asyncio.CancelledError):
        await task
    left = len(os.listdir(folder))
    assert 0 < left < 400
    assert folder.is_dir()
    assert counts and counts[-1] == 400 - left  # the last report tells exactly what went


async def test_a_failure_midway_says_how_much_was_removed(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "tree" / "folder").mkdir(parents=True)
    (tmp_path / "tree" / "folder" / "one").write_bytes(b"")
    (tmp_path / "tree" / "folder" / "two").write_bytes(b"")

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "rmdir", refuse)
    with pytest.raises(PermissionDeniedError) as caught:
        await LocalFS().remove(str(tmp_path / "tree"))
    # The two files went; their folder would not.
    assert str(caught.value) == f"{tmp_path}/tree/folder: permission denied (stopped after removing 2 items)"


async def test_removing_the_root_is_refused(place: Place) -> None:
    with pytest.raises(Exception, match="will not delete the root folder"):
        await place.fs.remove("/")
