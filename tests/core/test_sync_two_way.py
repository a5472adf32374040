"""Two-way sync against OpenSSH's sshd: propagation, deletes, conflicts, the state file."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from sshdeck.core.paths import data_dir
from sshdeck.core.sync import SyncOptions, load_state, plan_two_way, record_state, run_plan
from sshdeck.core.sync.state import state_path
from sshdeck.core.transfer import LocalEndpoint
from tests.core.test_sync_plan import lines, make_tree, snapshot
from tests.core.transfer_servers import Remote, connect_openssh


@pytest.fixture
async def remote(openssh_server):
    remote = Remote(lambda: connect_openssh(openssh_server))
    yield remote
    await remote.close()


def touch_later(path: Path, data: bytes) -> None:
    """Rewrite a file with an mtime clearly after the recorded one (no sleeping)."""
    before = path.stat().st_mtime if path.exists() else time.time()
    path.write_bytes(data)
    os.utime(path, (before + 10, before + 10))


async def sync(a, b, options: SyncOptions | None = None):
    options = options or SyncOptions()
    state, problem = load_state(a.describe(), b.describe())
    assert problem is None
    plan = await plan_two_way(a, b, state, options)
    result = await run_plan(a, b, plan)
    await record_state(a, b, options, state)
    return plan, result


async def test_two_way_propagates_both_ways_then_has_nothing_to_do(remote, tmp_path: Path) -> None:
    left, right = tmp_path / "left", tmp_path / "right"
    make_tree(left)
    right.mkdir()
    (right / "from-right.txt").write_bytes(b"right")
    a, b = LocalEndpoint(left), await remote.endpoint(right)
    plan, result = await sync(a, b)
    assert "copy < from-right.txt" in [x.line(two_way=True) for x in plan.actions]
    assert result.ok and snapshot(left) == snapshot(right)
    path = state_path(a.describe(), b.describe())
    assert path.parent == data_dir() / "sync" and stat.S_IMODE(path.stat().st_mode) == 0o600
    plan, _ = await sync(a, b)
    assert plan.actions == []


async def test_deleted_on_one_side_is_deleted_on_the_other_only_when_unchanged_there(remote, tmp_path: Path) -> None:
    left, right = tmp_path / "left", tmp_path / "right"
    make_tree(left)
    right.mkdir()
    a, b = LocalEndpoint(left), await remote.endpoint(right)
    await sync(a, b)
    (right / "top.txt").unlink()
    (right / "sub" / "deeper" / "z.bin").unlink()
    (right / "sub" / "deeper").rmdir()
    # Deleted on the right, but changed on the left meanwhile: it comes back.
    os.unlink(left / "sub" / "naïve résumé – 日本.txt")
    touch_later(right / "sub" / "naïve résumé – 日本.txt", b"edited on the right")
    # Without delete, deletions are not propagated, and the next run does not take the survivors for new files.
    plan, result = await sync(a, b)
    assert [x.line(two_way=True) for x in plan.actions] == ["copy < sub/naïve résumé – 日本.txt"]
    plan, result = await sync(a, b)
    assert plan.actions == [] and (left / "top.txt").exists() and (left / "sub" / "deeper" / "z.bin").exists()
    plan, result = await sync(a, b, SyncOptions(delete=True))
    assert sorted(x.line(two_way=True) for x in plan.actions) == ["delete < sub/deeper/", "delete < top.txt"]
    assert result.ok
    assert not (left / "top.txt").exists() and not (left / "sub" / "deeper").exists()
    assert (left / "sub" / "naïve résumé – 日本.txt").read_bytes() == b"edited on the right"
    assert snapshot(left) == snapshot(right)


async def test_changed_on_both_sides_is_a_conflict_never_overwritten_and_keep_both_copies_each(
    remote, tmp_path: Path
) -> None:
    left, right = tmp_path / "left", tmp_path / "right"
    make_tree(left)
    right.mkdir()
    a, b = LocalEndpoint(left), await remote.endpoint(right)
    await sync(a, b)
    touch_later(left / "top.txt", b"left edit")
    touch_later(right / "top.txt", b"right edit, longer")
    touch_later(left / "sub" / "evil\x1b[2Jname.txt", b"one-sided edit")
    plan, result = await sync(a, b)
    assert [x.line(two_way=True) for x in plan.actions] == [
        "update > sub/evil\\x1b[2Jname.txt",
        "conflict top.txt (changed on both sides)",
    ]
    assert result.ok
    assert (left / "top.txt").read_bytes() == b"left edit"
    assert (right / "top.txt").read_bytes() == b"right edit, longer"
    assert (right / "sub" / "evil\x1b[2Jname.txt").read_bytes() == b"one-sided edit"
    plan, result = await sync(a, b, SyncOptions(keep_both=True))
    assert [x.line(two_way=True) for x in plan.actions] == [
        "copy > top (conflict 1).txt",
        "copy < top (conflict 2).txt",
        "conflict top.txt (changed on both sides)",
    ]
    assert (right / "top (conflict 1).txt").read_bytes() == b"left edit"
    assert (left / "top (conflict 2).txt").read_bytes() == b"right edit, longer"
    assert (left / "top.txt").read_bytes() == b"left edit"
    assert (right / "top.txt").read_bytes() == b"right edit, longer"


async def test_first_two_way_run_deletes_nothing_and_calls_differences_conflicts(remote, tmp_path: Path) -> None:
    left, right = tmp_path / "left", tmp_path / "right"
    left.mkdir()
    right.mkdir()
    (left / "same.txt").write_bytes(b"left version")
    (right / "same.txt").write_bytes(b"right")
    a, b = LocalEndpoint(left), await remote.endpoint(right)
    plan = await plan_two_way(a, b, None)
    assert lines(plan) == ["conflict same.txt (differs, and no earlier sync says which is newer)"]


def test_an_unreadable_state_file_is_a_first_run_with_a_reason(tmp_path: Path) -> None:
    path = state_path("local:/x", "sftp://h/y")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    state, problem = load_state("local:/x", "sftp://h/y")
    assert state is None and "treated as a first sync" in problem
