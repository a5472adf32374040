"""Comparing two trees costs work only where they differ: no object per entry for what is alike."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sshdeck.core.sync import plan as plan_module
from sshdeck.core.sync import plan_sync
from sshdeck.core.transfer import LocalEndpoint


async def test_planning_a_tree_with_three_changes_makes_objects_for_those_three_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    for folder in range(4):
        (src / f"dir-{folder}").mkdir(parents=True)
        for number in range(50):
            (src / f"dir-{folder}" / f"file-{number}.txt").write_bytes(b"x" * number)
    shutil.copytree(src, dst, copy_function=shutil.copy2)
    for name in ("dir-0/file-1.txt", "dir-2/file-7.txt", "dir-3/file-49.txt"):
        (src / name).write_bytes(b"changed, and longer than before: " * 3)
    made = []

    def counting(row):
        made.append(row)
        return real(row)

    real = plan_module.row_stat
    monkeypatch.setattr(plan_module, "row_stat", counting)
    plan = await plan_sync(LocalEndpoint(src), LocalEndpoint(dst))
    assert [action.line() for action in plan.actions] == [
        "update dir-0/file-1.txt", "update dir-2/file-7.txt", "update dir-3/file-49.txt",
    ]
    assert len(made) == 3
    # Neither tree was ever turned into a Stat per entry.
    assert plan.a._entries is None and plan.b._entries is None
