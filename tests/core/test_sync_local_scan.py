"""A big local tree is scanned by a child process (core/sync/local_scan.py): the same tree, the same rules.

Each scenario scans one tree twice, in-process and through the child (the
threshold at 0 entries), and compares everything a plan uses.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from sshdeck.core.fs.limits import ListingLimits
from sshdeck.core.sync import local_scan
from sshdeck.core.sync.local_scan import scan_local
from sshdeck.core.sync.tree import Excludes, Tree
from sshdeck.core.transfer import LocalEndpoint, TransferError

NOT_UTF8 = b"caf\xe9-latin1.txt"
UNICODE = "naïve résumé – 日本.txt"


def make_tree(root: Path, outside: Path) -> None:
    (root / "a" / "deep" / "deeper").mkdir(parents=True)
    (root / "b").mkdir()
    (root / "top.txt").write_bytes(b"top")
    (root / "a" / UNICODE).write_bytes(b"unicode")
    with open(os.path.join(os.fsencode(root / "a"), NOT_UTF8), "wb") as f:
        f.write(b"latin-1 name")
    (root / "a" / "deep" / "deeper" / "z.bin").write_bytes(b"z" * 100)
    (root / "a" / "deep" / "debug.log").write_bytes(b"log")
    (root / "b" / ".x.sshdeck-part").write_bytes(b"partial")
    (root / "b" / "cache").mkdir()
    (root / "b" / "cache" / "page").write_bytes(b"cached")
    os.mkfifo(root / "b" / "pipe")
    # Links lead out of the tree: neither is followed, both are left alone.
    (outside / "secret").mkdir(parents=True)
    (outside / "secret" / "key").write_bytes(b"secret")
    (root / "b" / "out").symlink_to(outside / "secret")
    (root / "top-link.txt").symlink_to(outside / "secret" / "key")


async def scan(root: Path, excludes: Excludes | None = None, *, child: bool, limit: int = 10**9,
               limits: ListingLimits | None = None) -> Tree:
    tree = Tree()
    endpoint = LocalEndpoint(root, limits=limits)
    assert await scan_local(endpoint, excludes or Excludes(), tree, limit, child_from=0 if child else 10**9)
    return tree


def same(one: Tree, two: Tree) -> None:
    assert one.entries == two.entries
    assert (one.ignored, one.incomplete, one.problems, one.count) == (two.ignored, two.incomplete, two.problems, two.count)


@pytest.fixture
def tree_root(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    make_tree(root, tmp_path / "outside")
    return root


async def test_child_scan_gives_the_in_process_tree_with_odd_names_links_and_partial_files(tree_root: Path) -> None:
    inside, child = await scan(tree_root, child=False), await scan(tree_root, child=True)
    same(inside, child)
    assert (b"a", NOT_UTF8) in child.entries and (b"a", UNICODE.encode()) in child.entries
    assert child.ignored == {(b"b", b"pipe"), (b"b", b"out"), (b"top-link.txt",)}
    assert not any(b"secret" in rel or b"key" in rel for rel in child.entries)
    assert (b"b", b".x.sshdeck-part") not in child.entries
    assert child.entries[(b"a", b"deep", b"deeper", b"z.bin")].size == 100


async def test_child_scan_applies_name_and_path_excludes_like_the_in_process_scan(tree_root: Path) -> None:
    excludes = Excludes(["*.log", "b/cache", "caf*"])
    inside, child = await scan(tree_root, excludes, child=False), await scan(tree_root, excludes, child=True)
    same(inside, child)
    assert not any(rel[-1] in (b"debug.log", b"cache", b"page", NOT_UTF8) for rel in child.entries)
    assert (b"b", b"cache", b"page") not in child.entries and (b"a", UNICODE.encode()) in child.entries


async def test_child_scan_stops_at_the_tree_limit_with_the_same_message(tree_root: Path) -> None:
    inside, child = await scan(tree_root, child=False, limit=4), await scan(tree_root, child=True, limit=4)
    same(inside, child)
    assert () in child.incomplete
    assert child.problems and "stopped after 4 entries (limit listing_entries in settings.toml)" in child.problems[-1]


async def test_child_scan_refuses_a_folder_past_the_listing_limit_with_the_same_message(tree_root: Path) -> None:
    (tree_root / "a" / "many").mkdir()
    for number in range(6):
        (tree_root / "a" / "many" / str(number)).write_bytes(b"")
    limits = ListingLimits(entries=5)
    inside = await scan(tree_root, child=False, limits=limits)
    child = await scan(tree_root, child=True, limits=limits)
    same(inside, child)
    assert child.incomplete == {(b"a", b"many")} and (b"a", b"deep", b"debug.log") in child.entries
    assert child.problems == [f"{tree_root}/a/many: stopped listing after 5 entries (limit listing_entries in settings.toml)"]


async def test_a_folder_that_became_a_link_is_not_entered_by_the_child(tree_root: Path, tmp_path: Path) -> None:
    endpoint = LocalEndpoint(tree_root)
    tree = Tree()
    await local_scan._scan_in_child(endpoint, Excludes(), tree, 10**9, [(b"b", b"out")])
    assert tree.folders == {} and tree.incomplete == {(b"b", b"out")}
    with pytest.raises(TransferError) as raised:
        await endpoint.scandir((b"b", b"out"))
    assert tree.problems == [f"local: b/out: cannot list: {raised.value}"]


async def test_a_small_tree_starts_no_process(tree_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_child() -> list[str]:
        raise AssertionError("a child process was started for a small tree")

    monkeypatch.setattr(local_scan, "child_argv", no_child)
    tree = Tree()
    assert await scan_local(LocalEndpoint(tree_root), Excludes(), tree, 10**9)
    assert (b"a", b"deep", b"deeper", b"z.bin") in tree.entries


async def test_a_child_that_dies_stops_the_plan_with_one_line(tree_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_scan, "child_argv", lambda: [sys.executable, "-c", "import os; os._exit(3)"])
    with pytest.raises(TransferError) as raised:
        await asyncio.wait_for(scan(tree_root, child=True), 60)
    assert str(raised.value) == (
        "local: the process listing the folder stopped before it finished (exit status 3); nothing was planned"
    )


async def test_a_cancelled_scan_kills_its_child(tree_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pid_file = tmp_path / "child.pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)"
    monkeypatch.setattr(local_scan, "child_argv", lambda: [sys.executable, "-c", code])
    task = asyncio.ensure_future(scan(tree_root, child=True))
    while not (pid_file.exists() and pid_file.read_text()):
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


async def test_a_plan_with_deletes_and_things_in_the_way_is_the_same_through_the_child(
    tree_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sshdeck.core.sync import SyncOptions, plan_sync

    dest = tmp_path / "dest"
    (dest / "a" / "deep").mkdir(parents=True)
    (dest / "a" / "deep" / "deeper").write_bytes(b"a file where the source has a folder")
    (dest / "top.txt").mkdir()  # a folder where the source has a file
    (dest / "gone" / "inner").mkdir(parents=True)
    (dest / "gone" / "inner" / "old.txt").write_bytes(b"old")
    (dest / "b").mkdir()
    (dest / "b" / "pipe").write_bytes(b"a file where the source has a pipe")
    plans = []
    for threshold in (10**9, 0):
        monkeypatch.setattr(local_scan, "CHILD_FROM", threshold)
        for options in (SyncOptions(), SyncOptions(delete=True)):
            plan = await plan_sync(LocalEndpoint(tree_root), LocalEndpoint(dest), options)
            plans.append(([a.line() for a in plan.actions], [a.contents for a in plan.actions], plan.problems))
    assert plans[:2] == plans[2:]
    lines = plans[3][0]
    assert "delete gone/" in lines and "delete a/deep/deeper" in lines and "copy a/deep/deeper/" in lines
    assert "delete b/pipe" not in lines and "copy top.txt" in lines


async def test_without_a_process_to_start_the_scan_goes_on_in_process(tree_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_scan, "child_argv", lambda: [str(tree_root / "no-such-interpreter")])
    same(await scan(tree_root, child=True), await scan(tree_root, child=False))


async def test_a_child_that_talks_nonsense_is_stopped_and_reported(tree_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = "import sys, time; sys.stdout.buffer.write(b'\\x05\\x00\\x00\\x00hello'); sys.stdout.flush(); time.sleep(600)"
    monkeypatch.setattr(local_scan, "child_argv", lambda: [sys.executable, "-c", code])
    with pytest.raises(TransferError) as raised:
        await asyncio.wait_for(scan(tree_root, child=True), 60)
    assert "the process listing the folder stopped before it finished (exit status -9)" in str(raised.value)


async def test_a_tree_past_the_threshold_is_finished_by_one_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "big"
    for folder in range(4):
        (root / f"dir-{folder}").mkdir(parents=True)
        for number in range(local_scan.CHILD_FROM // 3):
            (root / f"dir-{folder}" / f"{number}.txt").write_bytes(b"")
    started = []
    real = local_scan.child_argv

    def counting() -> list[str]:
        started.append(1)
        return real()

    monkeypatch.setattr(local_scan, "child_argv", counting)
    tree = Tree()
    assert await scan_local(LocalEndpoint(root), Excludes(), tree, 10**9)
    assert started == [1]
    assert tree.count == 4 + 4 * (local_scan.CHILD_FROM // 3) and tree.problems == []
