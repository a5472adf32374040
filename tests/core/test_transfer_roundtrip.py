"""Trees with awkward names travel to OpenSSH's sshd and back byte for byte."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sshdeck.core.transfer import LocalEndpoint, Transfer, TransferOptions
from tests.core.transfer_servers import Remote, connect_openssh

AWKWARD = [
    b"plain.txt",
    b"with space.txt",
    b"quote's \"double\".txt",
    b"glob*?[ab].txt",
    b"back\\slash.txt",
    b"new\nline.txt",
    "unicodé ✓ 日本.txt".encode(),
    b"bad-utf8-\xff\xfe.bin",
    b"-dash-start",
    b"empty.txt",
]


def make_tree(root: Path) -> dict[bytes, bytes]:
    """A tree with every awkward name, an empty file and an empty folder; returns relative path -> content."""
    expected: dict[bytes, bytes] = {}
    base = os.fsencode(root)
    os.mkdir(base)
    for folder in (b"", b"sub dir", b"sub dir/deeper \\ [x]"):
        if folder:
            os.mkdir(os.path.join(base, folder))
        for index, name in enumerate(AWKWARD):
            content = b"" if name == b"empty.txt" else (name * (index + 1) + os.urandom(index * 997))
            rel = os.path.join(folder, name) if folder else name
            with open(os.path.join(base, rel), "wb") as handle:
                handle.write(content)
            expected[rel] = content
    os.mkdir(os.path.join(base, b"empty folder"))
    expected[b"empty folder/"] = b""
    os.utime(os.path.join(base, b"plain.txt"), (1_500_000_000, 1_500_000_000))
    os.chmod(os.path.join(base, b"plain.txt"), 0o640)
    return expected


def read_tree(root: Path) -> dict[bytes, bytes]:
    found: dict[bytes, bytes] = {}
    base = os.fsencode(root)
    for folder, dirs, files in os.walk(base):
        rel_folder = os.path.relpath(folder, base)
        for name in files:
            rel = name if rel_folder == b"." else os.path.join(rel_folder, name)
            with open(os.path.join(folder, name), "rb") as handle:
                found[rel] = handle.read()
        for name in dirs:
            path = os.path.join(folder, name)
            if not os.listdir(path):
                rel = name if rel_folder == b"." else os.path.join(rel_folder, name)
                found[rel + b"/"] = b""
    return found


async def test_awkward_names_round_trip_byte_exact_through_openssh(openssh_server, tmp_path: Path) -> None:
    source = tmp_path / "source"
    expected = make_tree(source)
    remote_root = tmp_path / "remote"
    remote_root.mkdir()
    back = tmp_path / "back"
    back.mkdir()
    remote = Remote(lambda: connect_openssh(openssh_server))
    try:
        up = Transfer(LocalEndpoint(tmp_path), await remote.endpoint(remote_root), [((b"source",), (b"tree",))])
        report = await up.run()
        assert report.ok, [i.error for i in report.failed]
        assert read_tree(remote_root / "tree") == expected
        down = Transfer(await remote.endpoint(remote_root), LocalEndpoint(back), [((b"tree",), (b"tree",))])
        report = await down.run()
        assert report.ok, [i.error for i in report.failed]
    finally:
        await remote.close()
    assert read_tree(back / "tree") == expected
    copied = back / "tree" / "plain.txt"
    assert int(copied.stat().st_mtime) == 1_500_000_000
    assert copied.stat().st_mode & 0o777 == 0o640
    # No temporary file is left behind anywhere.
    assert not [p for p in back.rglob("*") if p.name.endswith(".sshdeck-part")]


async def test_remote_to_remote_copy_across_two_sessions(openssh_server, tmp_path: Path) -> None:
    source = tmp_path / "source"
    expected = make_tree(source)
    target = tmp_path / "target"
    target.mkdir()
    one = Remote(lambda: connect_openssh(openssh_server))
    two = Remote(lambda: connect_openssh(openssh_server))
    try:
        transfer = Transfer(await one.endpoint(tmp_path), await two.endpoint(target), [((b"source",), (b"copy",))])
        report = await transfer.run()
    finally:
        await one.close()
        await two.close()
    assert report.ok, [i.error for i in report.failed]
    assert read_tree(target / "copy") == expected


async def test_move_removes_sources_only_after_they_arrived(openssh_server, tmp_path: Path) -> None:
    source = tmp_path / "source"
    expected = make_tree(source)
    dest = tmp_path / "dest"
    dest.mkdir()
    remote = Remote(lambda: connect_openssh(openssh_server))
    try:
        transfer = Transfer(
            await remote.endpoint(tmp_path), LocalEndpoint(dest), [((b"source",), (b"source",))], TransferOptions(move=True)
        )
        report = await transfer.run()
    finally:
        await remote.close()
    assert report.ok
    assert read_tree(dest / "source") == expected
    assert not source.exists()


@pytest.mark.parametrize("count", [300])
async def test_many_small_files_download_in_parallel(openssh_server, tmp_path: Path, count: int) -> None:
    source = tmp_path / "many"
    source.mkdir()
    for index in range(count):
        (source / f"f{index:04d}").write_bytes(os.urandom(4096))
    dest = tmp_path / "dest"
    dest.mkdir()
    snapshots = []
    remote = Remote(lambda: connect_openssh(openssh_server))
    try:
        transfer = Transfer(
            await remote.endpoint(tmp_path), LocalEndpoint(dest), [((b"many",), (b"many",))], on_progress=snapshots.append
        )
        report = await transfer.run()
    finally:
        await remote.close()
    assert report.ok
    assert len(report.done) == count + 1
    for index in range(count):
        name = f"f{index:04d}"
        assert (dest / "many" / name).read_bytes() == (source / name).read_bytes()
    assert snapshots[-1].finished and snapshots[-1].bytes_done == count * 4096
