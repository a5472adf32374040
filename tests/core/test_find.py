"""Finding files by name and content, here and over SFTP (the demo server and OpenSSH's sshd)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

import asyncssh
import pytest
import pytest_asyncio

from sshdeck.core.find import FindProblem, FindQuery, find
from sshdeck.core.fs.base import EntryKind
from sshdeck.core.fs.errors import FileSystemError
from tests.core.fs_servers import PLACES, Place, crafted_server, file_attrs, open_place

HOSTILE = b"evil\x1b[2J\xffname.txt"


@pytest_asyncio.fixture(params=PLACES)
async def place(request, tmp_path: Path):
    async with open_place(request.param, tmp_path, request) as opened:
        yield opened


def make_tree(disk: Path) -> None:
    """A tree with nested folders, unicode and hostile names, and a symlink loop."""
    (disk / "src" / "deep" / "deeper").mkdir(parents=True)
    (disk / "docs").mkdir()
    (disk / "src" / "main.py").write_text("print('hello needle')\n")
    (disk / "src" / "deep" / "util.PY").write_text("nothing here\n")
    (disk / "src" / "deep" / "deeper" / "last.py").write_text("x = 'NEEDLE'\n")
    (disk / "docs" / "résumé – ünïcode.txt").write_text("a needle in unicode\n")
    (disk / "docs" / "binary.bin").write_bytes(b"\0\1\2needle\0")
    with open(bytes(disk / "docs") + b"/" + HOSTILE, "wb") as handle:
        handle.write(b"hostile needle\n")
    os.symlink("..", disk / "src" / "loop")  # points back up: following it would never end
    os.symlink(".", disk / "docs" / "self")


async def collect(place: Place, query: FindQuery, problems: list[FindProblem] | None = None) -> dict[str, EntryKind]:
    found = {}
    async for path, entry in find(place.fs, place.root, query, on_problem=(problems.append if problems is not None else None)):
        assert path.startswith(place.root + "/")
        found[path[len(place.root) + 1:]] = entry.kind
    return found


async def test_find_by_name_walks_nested_folders_and_never_follows_a_symlink_loop(place: Place) -> None:
    make_tree(place.disk)
    found = await collect(place, FindQuery(name="*.py"))
    # Case-insensitive by default: util.PY matches; the loop link is not walked into.
    assert found == {
        "src/main.py": EntryKind.FILE,
        "src/deep/util.PY": EntryKind.FILE,
        "src/deep/deeper/last.py": EntryKind.FILE,
    }
    assert set(await collect(place, FindQuery(name="*.py", ignore_case=False))) == {"src/main.py", "src/deep/deeper/last.py"}


async def test_every_entry_once_including_links_as_themselves(place: Place) -> None:
    make_tree(place.disk)
    found = await collect(place, FindQuery())
    assert found["src/loop"] is EntryKind.LINK and found["docs/self"] is EntryKind.LINK
    assert not any(path.startswith(("src/loop/", "docs/self/")) for path in found)
    assert found["src/deep"] is EntryKind.DIR
    assert len(found) == 12


async def test_unicode_and_hostile_names_are_found_with_raw_bytes_intact(place: Place) -> None:
    make_tree(place.disk)
    found = await collect(place, FindQuery(name="*ü*"))
    assert list(found) == ["docs/résumé – ünïcode.txt"]
    found = await collect(place, FindQuery(name="evil*"))
    (path,) = found
    assert path.encode("utf-8", "surrogateescape") == b"docs/" + HOSTILE


async def test_find_by_content_skips_binary_files_and_folders(place: Place) -> None:
    make_tree(place.disk)
    found = await collect(place, FindQuery(content="needle"))
    assert set(found) == {
        "src/main.py",
        "src/deep/deeper/last.py",
        "docs/résumé – ünïcode.txt",
        "docs/" + HOSTILE.decode("utf-8", "surrogateescape"),
    }
    assert "docs/binary.bin" in await collect(place, FindQuery(content="needle", skip_binary=False))
    assert set(await collect(place, FindQuery(name="*.py", content="NEEDLE", ignore_case=False))) == {"src/deep/deeper/last.py"}


async def test_content_found_across_chunk_boundaries_and_big_files_skipped(place: Place) -> None:
    from sshdeck.core.find import CHUNK_SIZE

    (place.disk / "split.txt").write_bytes(b"a" * (CHUNK_SIZE - 3) + b"needle" + b"b" * 100)
    (place.disk / "big.txt").write_bytes(b"needle" + b"c" * 5000)
    found = await collect(place, FindQuery(content="needle", size_cap=CHUNK_SIZE * 2))
    assert set(found) == {"split.txt", "big.txt"}
    problems: list[FindProblem] = []
    assert await collect(place, FindQuery(content="needle", size_cap=4096), problems) == {}
    assert {problem.path.rsplit("/", 1)[-1] for problem in problems} == {"split.txt", "big.txt"}
    assert all("content not searched" in problem.message for problem in problems)


async def test_max_depth_limits_how_far_down(place: Place) -> None:
    make_tree(place.disk)
    assert set(await collect(place, FindQuery(name="*.py", max_depth=2))) == {"src/main.py"}
    assert set(await collect(place, FindQuery(name="*.py", max_depth=3))) == {"src/main.py", "src/deep/util.PY"}
    assert set(await collect(place, FindQuery(max_depth=1))) == {"src", "docs"}


async def test_a_missing_start_folder_fails_the_search(place: Place) -> None:
    with pytest.raises(FileSystemError):
        async for _found in find(place.fs, place.path("no such folder"), FindQuery()):
            pass


class LockedFolderServer(asyncssh.SFTPServer):
    """Serves a real folder, but refuses to list any folder named `locked`, with a hostile reason."""

    async def scandir(self, path: bytes):
        if path.rstrip(b"/").endswith(b"/locked"):
            raise asyncssh.SFTPPermissionDenied("no \x1b[2J way")
        async for name in super().scandir(path):
            yield name


async def test_an_unreadable_subfolder_is_a_problem_and_the_rest_is_searched(tmp_path: Path) -> None:
    from sshdeck.core.fs.sftp import SftpFS

    (tmp_path / "served" / "locked" / "inside").mkdir(parents=True)
    (tmp_path / "served" / "sub").mkdir()
    (tmp_path / "served" / "sub" / "open.txt").write_text("x")
    problems: list[FindProblem] = []
    async with crafted_server(lambda chan: LockedFolderServer(chan, chroot=str(tmp_path / "served"))) as (_conn, sftp):
        found = [path async for path, _entry in find(SftpFS(sftp, "locked"), "/", FindQuery(), on_problem=problems.append)]
    assert sorted(found) == ["/locked", "/sub", "/sub/open.txt"]
    assert [problem.path for problem in problems] == ["/locked"]
    assert problems[0].error and "\x1b" not in problems[0].message


async def test_stopping_a_search_cancels_all_its_work(place: Place) -> None:
    for index in range(40):
        folder = place.disk / f"d{index:02d}" / "inner"
        folder.mkdir(parents=True)
        (folder / "hit.txt").write_text("needle")
    before = {task for task in asyncio.all_tasks()}
    got = []
    async with contextlib.aclosing(find(place.fs, place.root, FindQuery(name="hit.txt", content="needle"))) as results:
        async for found in results:
            got.append(found)
            if len(got) == 2:
                break
    assert len(got) == 2
    await asyncio.sleep(0)
    assert {task for task in asyncio.all_tasks() if not task.done()} - before - {asyncio.current_task()} == set()

    # Cancelling the task that consumes the search stops it the same way.
    started = asyncio.Event()

    async def consume() -> None:
        async with contextlib.aclosing(find(place.fs, place.root, FindQuery(name="hit.txt", content="needle"))) as results:
            async for _found in results:
                started.set()
                await asyncio.Event().wait()

    task = asyncio.create_task(consume())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)
    assert {task for task in asyncio.all_tasks() if not task.done()} - before - {asyncio.current_task()} == set()


class EndlessTree(asyncssh.SFTPServer):
    """A hostile server: every folder holds another folder, forever, and a file with an escape in its name."""

    listings = 0

    async def scandir(self, path: bytes):
        EndlessTree.listings += 1
        folder = file_attrs(permissions=0o040755)
        folder.type = asyncssh.FILEXFER_TYPE_DIRECTORY
        yield asyncssh.SFTPName(b"again", attrs=folder)
        yield asyncssh.SFTPName(b"\x1b[2Jx.txt", attrs=file_attrs())


async def test_a_server_inventing_an_endless_tree_is_stopped_at_the_depth_limit() -> None:
    from sshdeck.core.find import DEPTH_LIMIT
    from sshdeck.core.fs.sftp import SftpFS

    EndlessTree.listings = 0
    problems: list[FindProblem] = []
    async with crafted_server(EndlessTree) as (_conn, sftp):
        found = [path async for path, _entry in find(SftpFS(sftp, "hostile"), "/", FindQuery(name="*.txt"), on_problem=problems.append)]
    assert len(found) == DEPTH_LIMIT and EndlessTree.listings == DEPTH_LIMIT
    assert [problem.message.endswith(f"more than {DEPTH_LIMIT} folders deep: not searched") for problem in problems] == [True]
    assert "\x1b" not in problems[0].message



class CountingFS:
    """A real file system whose listings are counted: how many are open at once.

    Each listing below the root waits until 16 are open together, so a walk
    that lists one folder at a time would never get past the first.
    """

    def __init__(self, fs) -> None:
        self.fs = fs
        self.active = 0
        self.most = 0
        self.enough = asyncio.Event()

    def __getattr__(self, name: str):
        return getattr(self.fs, name)

    async def list(self, path: str):
        depth = path.count("/")
        self.active += 1
        self.most = max(self.most, self.active)
        try:
            if self.active >= 16:
                self.enough.set()
            if depth > self.root_depth:
                await asyncio.wait_for(self.enough.wait(), 60)
            async for batch in self.fs.list(path):
                yield batch
        finally:
            self.active -= 1


async def test_folders_are_listed_sixteen_at_a_time(place: Place) -> None:
    for index in range(40):
        (place.disk / f"d{index:02d}").mkdir()
        (place.disk / f"d{index:02d}" / "hit.txt").write_text("x")
    counting = CountingFS(place.fs)
    counting.root_depth = place.root.count("/")
    found = [path async for path, _entry in find(counting, place.root, FindQuery(name="hit.txt"))]
    assert len(found) == 40
    assert counting.most == 16
