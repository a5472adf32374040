"""Folder sync (core): plans and results against OpenSSH's sshd, on awkward trees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sshdeck.core.sync import ActionKind, SyncOptions, plan_sync, run_plan
from sshdeck.core.transfer import LocalEndpoint
from tests.core.transfer_servers import Remote, connect_openssh

HOSTILE = "evil\x1b[2Jname.txt"
UNICODE = "naïve résumé – 日本.txt"


def make_tree(root: Path) -> None:
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "top.txt").write_bytes(b"top")
    (root / "sub" / UNICODE).write_bytes(b"unicode" * 100)
    (root / "sub" / HOSTILE).write_bytes(b"hostile")
    (root / "sub" / "deeper" / "z.bin").write_bytes(bytes(range(256)) * 1172)


def snapshot(root: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            out[os.path.relpath(os.path.join(folder, name), root) + "/"] = None
        for name in files:
            path = os.path.join(folder, name)
            out[os.path.relpath(path, root)] = Path(path).read_bytes()
    return out


def lines(plan) -> list[str]:
    return [action.line() for action in plan.actions]


@pytest.fixture
async def remote(openssh_server):
    remote = Remote(lambda: connect_openssh(openssh_server))
    yield remote
    await remote.close()


@pytest.fixture
def sibling(tmp_path: Path) -> Path:
    """A folder beside the destination that no sync may touch."""
    folder = tmp_path / "sibling"
    folder.mkdir()
    (folder / "keep.txt").write_bytes(b"keep")
    return folder


async def test_upload_makes_the_remote_tree_like_the_local_one_and_a_second_run_does_nothing(
    remote, tmp_path: Path, sibling: Path
) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    make_tree(src)
    dst.mkdir()
    source, dest = LocalEndpoint(src), await remote.endpoint(dst)
    plan = await plan_sync(source, dest)
    assert plan.count(ActionKind.COPY) == 7 and plan.count(ActionKind.DELETE) == 0
    # Server-reachable names are printed escaped, never raw.
    assert "copy sub/evil\\x1b[2Jname.txt" in lines(plan)
    assert all("\x1b" not in line for line in lines(plan))
    assert plan.bytes_to_copy == 3 + 700 + 7 + 256 * 1172
    result = await run_plan(source, dest, plan)
    assert result.ok, result.failures
    assert (result.copied, result.updated, result.deleted) == (7, 0, 0)
    assert snapshot(dst) == snapshot(src)
    again = await plan_sync(source, await remote.endpoint(dst))
    assert again.actions == []
    assert snapshot(sibling) == {"keep.txt": b"keep"}


async def test_changed_file_is_updated_and_extra_files_go_only_with_delete(remote, tmp_path: Path, sibling: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    make_tree(src)
    dst.mkdir()
    source, dest = LocalEndpoint(src), await remote.endpoint(dst)
    await run_plan(source, dest, await plan_sync(source, dest))
    (src / "top.txt").write_bytes(b"top, longer now")
    (dst / "extra.txt").write_bytes(b"extra")
    (dst / "old" / "inner").mkdir(parents=True)
    (dst / "old" / "inner" / "x").write_bytes(b"x")
    # A link at the destination pointing out of it: deleting its folder removes the link, never its target.
    os.symlink(sibling / "keep.txt", dst / "old" / "link-out")
    plan = await plan_sync(source, dest)
    assert lines(plan) == ["update top.txt"]
    plan = await plan_sync(source, dest, SyncOptions(delete=True))
    assert lines(plan) == ["delete extra.txt", "delete old/", "update top.txt"]
    result = await run_plan(source, dest, plan)
    assert result.failures == []
    assert (result.updated, result.deleted) == (1, 1)  # old/ holds a link the plan left alone: it stays
    assert not (dst / "extra.txt").exists() and not (dst / "old" / "inner").exists()
    assert (dst / "old" / "link-out").is_symlink() and any("old/: kept" in note for note in result.notes)
    assert (dst / "top.txt").read_bytes() == b"top, longer now"
    assert snapshot(sibling) == {"keep.txt": b"keep"}


async def test_checksum_finds_a_change_that_keeps_size_and_mtime(remote, tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    make_tree(src)
    dst.mkdir()
    source, dest = LocalEndpoint(src), await remote.endpoint(dst)
    await run_plan(source, dest, await plan_sync(source, dest))
    target = dst / "sub" / "deeper" / "z.bin"
    stat = target.stat()
    data = bytearray(target.read_bytes())
    data[123_456] ^= 0xFF
    target.write_bytes(bytes(data))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (await plan_sync(source, dest)).actions == []
    plan = await plan_sync(source, dest, SyncOptions(checksum=True))
    assert lines(plan) == ["update sub/deeper/z.bin"]
    await run_plan(source, dest, plan)
    assert target.read_bytes() == (src / "sub" / "deeper" / "z.bin").read_bytes()
    assert (await plan_sync(source, dest, SyncOptions(checksum=True))).actions == []


async def test_download_makes_the_local_tree_like_the_remote_one(remote, tmp_path: Path, sibling: Path) -> None:
    src, dst = tmp_path / "server", tmp_path / "here"
    make_tree(src)
    make_tree(dst)
    (src / "sub" / UNICODE).write_bytes(b"changed on the server")
    (dst / "only-here.txt").write_bytes(b"mine")
    source, dest = await remote.endpoint(src), LocalEndpoint(dst)
    plan = await plan_sync(source, dest, SyncOptions(delete=True))
    assert lines(plan) == ["delete only-here.txt", f"update sub/{UNICODE}"]
    result = await run_plan(source, dest, plan)
    assert result.ok and result.summary().startswith("0 copied, 1 updated, 1 deleted")
    assert snapshot(dst) == snapshot(src)
    assert (await plan_sync(source, dest, SyncOptions(delete=True))).actions == []
    assert snapshot(sibling) == {"keep.txt": b"keep"}


async def test_remote_to_remote_sync_with_excludes(remote, tmp_path: Path) -> None:
    src, dst = tmp_path / "one", tmp_path / "two"
    make_tree(src)
    (src / "cache").mkdir()
    (src / "cache" / "big.tmp").write_bytes(b"t")
    (src / "notes.log").write_bytes(b"log")
    dst.mkdir()
    (dst / "mine.log").write_bytes(b"excluded at the destination: never deleted")
    source, dest = await remote.endpoint(src), await remote.endpoint(dst)
    options = SyncOptions(delete=True, excludes=("*.log", "cache/", "sub/deep*"))
    plan = await plan_sync(source, dest, options)
    assert not any("log" in line or "cache" in line or "deeper" in line for line in lines(plan))
    assert (await run_plan(source, dest, plan)).ok
    assert not (dst / "cache").exists() and not (dst / "notes.log").exists() and not (dst / "sub" / "deeper").exists()
    assert (dst / "mine.log").exists() and (dst / "sub" / HOSTILE).exists()


async def test_source_links_are_neither_copied_nor_followed(remote, tmp_path: Path, sibling: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (src / "real.txt").write_bytes(b"real")
    os.symlink(sibling, src / "to-sibling")
    os.symlink(sibling / "keep.txt", src / "file-link")
    # Where the source has a link the destination has a real folder: left alone, even with --delete.
    (dst / "to-sibling").mkdir()
    (dst / "to-sibling" / "data.txt").write_bytes(b"data")
    source, dest = LocalEndpoint(src), await remote.endpoint(dst)
    plan = await plan_sync(source, dest, SyncOptions(delete=True))
    assert lines(plan) == ["copy real.txt"]
    await run_plan(source, dest, plan)
    assert sorted(os.listdir(dst)) == ["real.txt", "to-sibling"]
    assert (dst / "to-sibling" / "data.txt").read_bytes() == b"data"


async def test_dry_run_plan_changes_nothing(remote, tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    make_tree(src)
    dst.mkdir()
    (dst / "extra").write_bytes(b"e")
    before = snapshot(dst)
    await plan_sync(LocalEndpoint(src), await remote.endpoint(dst), SyncOptions(delete=True, checksum=True))
    assert snapshot(dst) == before


def test_times_within_two_seconds_count_as_equal() -> None:
    from sshdeck.core.fs.base import EntryKind
    from sshdeck.core.sync.plan import file_differs
    from sshdeck.core.transfer import Stat

    base = Stat(EntryKind.FILE, 10, 1_000.0)
    assert not file_differs(base, Stat(EntryKind.FILE, 10, 1_001.9))
    assert file_differs(base, Stat(EntryKind.FILE, 10, 1_002.5))
    assert file_differs(base, Stat(EntryKind.FILE, 11, 1_000.0))


async def test_a_file_where_a_folder_must_go_is_replaced_only_with_delete(remote, tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "was-file").mkdir(parents=True)
    (src / "was-file" / "inner.txt").write_bytes(b"inner")
    (src / "was-folder").write_bytes(b"now a file")
    (dst / "was-folder" / "deep").mkdir(parents=True)
    (dst / "was-folder" / "deep" / "old.txt").write_bytes(b"old")
    (dst / "was-file").write_bytes(b"old file")
    source, dest = LocalEndpoint(src), await remote.endpoint(dst)
    plan = await plan_sync(source, dest)
    assert plan.actions == [] and len(plan.problems) == 2 and "use --delete to replace it" in plan.problems[0]
    plan = await plan_sync(source, dest, SyncOptions(delete=True))
    assert lines(plan) == [
        "delete was-file", "copy was-file/", "copy was-file/inner.txt", "delete was-folder/", "copy was-folder",
    ]
    result = await run_plan(source, dest, plan)
    assert result.ok, result.failures
    assert snapshot(dst) == snapshot(src)
