"""A hostile SFTP server cannot make a download write outside the chosen folder."""

from __future__ import annotations

import os
from pathlib import Path

from sshdeck.core.transfer import LocalEndpoint, SftpEndpoint, Transfer, TransferOptions
from tests.core.transfer_servers import HostileServer, HostileTree


def snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


async def download(server_class, tmp_path: Path, options: TransferOptions | None = None):
    """Copy the server's /evil into tmp_path/jail/dest; return (report, files added outside dest)."""
    jail = tmp_path / "jail"
    dest = jail / "dest"
    dest.mkdir(parents=True)
    (jail / "outside.txt").write_text("keep")
    before = snapshot(tmp_path)
    async with HostileServer(server_class) as server:
        conn = await server.connect()
        try:
            sftp = await conn.start_sftp_client()
            transfer = Transfer(SftpEndpoint(sftp, b"/"), LocalEndpoint(dest), [((b"evil",), (b"evil",))], options)
            report = await transfer.run()
        finally:
            conn.close()
            await conn.wait_closed()
    after = snapshot(tmp_path)
    outside = {p for p in after - before if not p.startswith("jail/dest")}
    assert (jail / "outside.txt").read_text() == "keep"
    return report, outside, dest / "evil"


def errors(report) -> dict[str, str]:
    return {item.name: item.error for item in report.failed}


class TraversalNames(HostileTree):
    LISTING = {
        b"/evil": [
            (b"../escape.txt", "file", 4),
            (b"a/../../../x.txt", "file", 4),
            (b"/tmp/absolute.txt", "file", 4),
            (b"sub\0nul", "file", 4),
            (b"", "file", 4),
            (b".", "file", 4),
            (b"ok.txt", "file", 4),
        ]
    }
    DATA = {b"/evil/ok.txt": b"good", b"/evil/../escape.txt": b"evil"}


async def test_names_with_slashes_dots_and_absolute_paths_are_refused(tmp_path: Path) -> None:
    report, outside, evil = await download(TraversalNames, tmp_path)
    assert not outside
    assert (evil / "ok.txt").read_bytes() == b"good"
    assert sorted(os.listdir(evil)) == ["ok.txt"]
    messages = " | ".join(item.error for item in report.failed)
    assert messages.count("unsafe name from the source") == 5
    assert "evil: entry '../escape.txt': unsafe name from the source: name contains '/'" in messages
    assert "contains '/'" in messages and "NUL" in messages and "empty name" in messages
    assert not report.ok


class DuplicateNames(HostileTree):
    LISTING = {b"/evil": [(b"dup.txt", "file", 3), (b"dup.txt", "file", 3), (b"single.txt", "file", 3)]}
    DATA = {b"/evil/dup.txt": b"one", b"/evil/single.txt": b"two"}


async def test_duplicate_names_in_one_listing_are_an_error(tmp_path: Path) -> None:
    report, outside, evil = await download(DuplicateNames, tmp_path)
    assert not outside
    assert not (evil / "dup.txt").exists()
    assert (evil / "single.txt").read_bytes() == b"two"
    assert [e for e in errors(report).values() if "more than once" in e]


class LinkToRoot(HostileTree):
    LISTING = {
        b"/evil": [(b"root", "link", 0), (b"y", "link", 0), (b"z", "link", 0), (b"file.txt", "file", 2)],
    }
    LINKS = {b"/evil/root": b"/", b"/evil/y": b"..", b"/evil/z": b"y/.."}
    DATA = {b"/evil/file.txt": b"ok"}


async def test_symlinks_to_root_and_chained_relative_links_are_skipped(tmp_path: Path) -> None:
    report, outside, evil = await download(LinkToRoot, tmp_path)
    assert not outside
    assert sorted(os.listdir(evil)) == ["file.txt"]
    skipped = {item.name: item.error for item in report.skipped}
    assert all("symbolic link skipped" in skipped[f"evil/{n}"] for n in ("root", "y", "z"))
    assert report.ok  # skipping links is the rule, not a failure


async def test_followed_links_become_real_folders_never_links(tmp_path: Path) -> None:
    report, outside, evil = await download(LinkToRoot, tmp_path, TransferOptions(follow_links=True))
    assert not outside
    for name in ("root", "y", "z"):
        path = evil / name
        assert path.is_dir() and not path.is_symlink()
    assert not [p for p in evil.rglob("*") if p.is_symlink()]


class SendsTooMuch(HostileTree):
    LISTING = {b"/evil": [(b"big.bin", "file", 100_000)]}
    DATA = {b"/evil/big.bin": os.urandom(100_000)}
    OVERSEND = True


async def test_server_sending_more_than_asked_fails_the_item(tmp_path: Path) -> None:
    report, outside, evil = await download(SendsTooMuch, tmp_path)
    assert not outside
    assert not (evil / "big.bin").exists()
    assert "bytes for a" in errors(report)["evil/big.bin"]


class ClaimsTooLittle(HostileTree):
    LISTING = {b"/evil": [(b"short-claim.bin", "file", 100)]}
    DATA = {b"/evil/short-claim.bin": os.urandom(5000)}


class ClaimsTooMuch(HostileTree):
    LISTING = {b"/evil": [(b"long-claim.bin", "file", 600_000)]}
    DATA = {b"/evil/long-claim.bin": os.urandom(1000)}


async def test_server_lying_about_sizes_fails_and_writes_nothing_at_the_final_name(tmp_path: Path) -> None:
    report, outside, evil = await download(ClaimsTooLittle, tmp_path)
    assert not outside
    assert "more than its listed 100 bytes" in errors(report)["evil/short-claim.bin"]
    assert not (evil / "short-claim.bin").exists()
    part = evil / ".short-claim.bin.sshdeck-part"
    assert not part.exists() or part.stat().st_size > 0  # an empty partial is not left behind

    report, outside, evil = await download(ClaimsTooMuch, tmp_path / "second")
    assert "ended at 1000 bytes but was listed as 600000" in errors(report)["evil/long-claim.bin"]
    assert not (evil / "long-claim.bin").exists()
