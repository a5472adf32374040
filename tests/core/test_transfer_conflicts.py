"""Every answer to "the destination already has this file", and a symlink in the way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sshdeck.core.transfer import (
    ConflictChoice,
    ConflictDecision,
    ItemState,
    LocalEndpoint,
    Transfer,
    TransferOptions,
)


def setup(tmp_path: Path, source: bytes, existing: bytes, *, source_mtime: float, dest_mtime: float) -> tuple[Path, Path]:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (src / "a.txt").write_bytes(source)
    (dst / "a.txt").write_bytes(existing)
    os.utime(src / "a.txt", (source_mtime, source_mtime))
    os.utime(dst / "a.txt", (dest_mtime, dest_mtime))
    return src, dst


async def copy(src: Path, dst: Path, choice: ConflictChoice | None = None, on_conflict=None):
    transfer = Transfer(
        LocalEndpoint(src), LocalEndpoint(dst), [((b"a.txt",), (b"a.txt",))], TransferOptions(conflict=choice), on_conflict=on_conflict
    )
    return await transfer.run()


async def test_overwrite_replaces_the_existing_file(tmp_path: Path) -> None:
    src, dst = setup(tmp_path, b"new content", b"old", source_mtime=1000, dest_mtime=2000)
    report = await copy(src, dst, ConflictChoice.OVERWRITE)
    assert report.ok and (dst / "a.txt").read_bytes() == b"new content"


async def test_skip_leaves_the_existing_file(tmp_path: Path) -> None:
    src, dst = setup(tmp_path, b"new content", b"old", source_mtime=1000, dest_mtime=2000)
    report = await copy(src, dst, ConflictChoice.SKIP)
    assert report.ok and report.items[0].state is ItemState.SKIPPED
    assert (dst / "a.txt").read_bytes() == b"old"


async def test_rename_keeps_both_with_numbered_names(tmp_path: Path) -> None:
    src, dst = setup(tmp_path, b"new content", b"old", source_mtime=1000, dest_mtime=2000)
    assert (await copy(src, dst, ConflictChoice.RENAME)).ok
    assert (await copy(src, dst, ConflictChoice.RENAME)).ok
    assert (dst / "a.txt").read_bytes() == b"old"
    assert (dst / "a (1).txt").read_bytes() == b"new content"
    assert (dst / "a (2).txt").read_bytes() == b"new content"


@pytest.mark.parametrize(("source_mtime", "expected"), [(5000, b"newer source"), (1000, b"old")])
async def test_newer_overwrites_only_an_older_file(tmp_path: Path, source_mtime: float, expected: bytes) -> None:
    src, dst = setup(tmp_path, b"newer source", b"old", source_mtime=source_mtime, dest_mtime=3000)
    assert (await copy(src, dst, ConflictChoice.NEWER)).ok
    assert (dst / "a.txt").read_bytes() == expected


@pytest.mark.parametrize(("existing", "expected"), [(b"same size!!!", b"same size!!!"), (b"short", b"source text!")])
async def test_size_overwrites_only_when_sizes_differ(tmp_path: Path, existing: bytes, expected: bytes) -> None:
    src, dst = setup(tmp_path, b"source text!", existing, source_mtime=1000, dest_mtime=1000)
    assert (await copy(src, dst, ConflictChoice.SIZE)).ok
    assert (dst / "a.txt").read_bytes() == expected


async def test_resume_appends_the_rest_to_the_existing_prefix(tmp_path: Path) -> None:
    data = os.urandom(1_000_000)
    src, dst = setup(tmp_path, data, data[:300_000], source_mtime=1000, dest_mtime=1000)
    report = await copy(src, dst, ConflictChoice.RESUME)
    assert report.ok
    assert report.items[0].resumed_from == 300_000
    assert report.items[0].bytes_done == 1_000_000
    assert (dst / "a.txt").read_bytes() == data


async def test_resume_refuses_an_existing_file_longer_than_the_source(tmp_path: Path) -> None:
    src, dst = setup(tmp_path, b"short", b"much longer text", source_mtime=1000, dest_mtime=1000)
    report = await copy(src, dst, ConflictChoice.RESUME)
    assert not report.ok and "longer than the source" in report.failed[0].error
    assert (dst / "a.txt").read_bytes() == b"much longer text"


async def test_without_a_choice_an_existing_file_is_a_failure(tmp_path: Path) -> None:
    src, dst = setup(tmp_path, b"new", b"old", source_mtime=1000, dest_mtime=1000)
    report = await copy(src, dst)
    assert not report.ok and "exists at the destination" in report.failed[0].error
    assert (dst / "a.txt").read_bytes() == b"old"


async def test_callback_answer_for_all_is_asked_once(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    (dst / "tree").mkdir(parents=True)
    (src / "tree").mkdir()
    for index in range(5):
        (src / "tree" / f"f{index}").write_bytes(b"new")
        (dst / "tree" / f"f{index}").write_bytes(b"old")
    asked = []

    async def ask(conflict):
        asked.append(conflict)
        return ConflictDecision(ConflictChoice.OVERWRITE, apply_to_all=True)

    transfer = Transfer(LocalEndpoint(src), LocalEndpoint(dst), [((b"tree",), (b"tree",))], on_conflict=ask)
    report = await transfer.run()
    assert report.ok
    assert len(asked) == 1 and asked[0].existing.size == 3
    assert all((dst / "tree" / f"f{i}").read_bytes() == b"new" for i in range(5))


async def test_cancel_from_the_dialog_stops_the_transfer(tmp_path: Path) -> None:
    src, dst = setup(tmp_path, b"new", b"old", source_mtime=1000, dest_mtime=1000)

    async def ask(conflict):
        return ConflictDecision(ConflictChoice.CANCEL)

    report = await copy(src, dst, on_conflict=ask)
    assert not report.ok and report.items[0].state is ItemState.CANCELLED
    assert (dst / "a.txt").read_bytes() == b"old"


async def test_existing_local_symlink_is_replaced_and_its_target_untouched(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (src / "a.txt").write_bytes(b"downloaded")
    target = tmp_path / "precious.txt"
    target.write_bytes(b"precious")
    (dst / "a.txt").symlink_to(target)
    report = await copy(src, dst, ConflictChoice.OVERWRITE)
    assert report.ok
    assert not (dst / "a.txt").is_symlink()
    assert (dst / "a.txt").read_bytes() == b"downloaded"
    assert target.read_bytes() == b"precious"


async def test_symlinked_folder_in_the_destination_is_not_written_through(tmp_path: Path) -> None:
    src, dst, elsewhere = tmp_path / "src", tmp_path / "dst", tmp_path / "elsewhere"
    (src / "tree").mkdir(parents=True)
    (src / "tree" / "f").write_bytes(b"data")
    dst.mkdir()
    elsewhere.mkdir()
    (dst / "tree").symlink_to(elsewhere)
    report = await Transfer(LocalEndpoint(src), LocalEndpoint(dst), [((b"tree",), (b"tree",))]).run()
    assert not report.ok
    assert "not a folder" in report.failed[0].error
    assert list(elsewhere.iterdir()) == []
