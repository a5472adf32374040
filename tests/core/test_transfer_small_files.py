"""Small files: a shared syncfs before their renames, packets joined per event-loop turn, more files in flight.

Downloads of small files are made durable by a few syncfs(2) calls shared by
many files (durable.py `SyncGroup`), each file renamed onto its final name only
after a syncfs that began after it asked; where syncfs fails or is missing,
each file is fsynced on its own.  The requests of one event-loop turn leave in
one socket write (coalesce.py).  A folder of small files has four times
`parallel_files` files in flight (engine.py).  Counted, never timed.
"""

from __future__ import annotations

import asyncio
import errno
import os
from pathlib import Path

import asyncssh
import pytest

import sshdeck.core.transfer.engine as engine
import sshdeck.core.transfer.durable as durable
import sshdeck.core.transfer.local as local
from sshdeck.core.transfer import Journal, LocalEndpoint, SftpEndpoint, Transfer, TransferOptions
from tests.core.fs_servers import crafted_server

COUNT = 40


def small_files(root: Path, count: int = COUNT) -> dict[str, bytes]:
    root.mkdir(parents=True, exist_ok=True)
    files = {f"f{index:03d}": os.urandom(100 + index * 97) for index in range(count)}
    for name, data in files.items():
        (root / name).write_bytes(data)
    return files


def fd_name(fd: int) -> str:
    return os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))


async def download(there: Path, here: Path, options: TransferOptions | None = None):
    async with crafted_server(lambda chan: asyncssh.SFTPServer(chan, chroot=os.fsencode(there))) as (_conn, sftp):
        return await Transfer(SftpEndpoint(sftp, "/"), LocalEndpoint(here), [((b"tree",), (b"tree",))],
                              options or TransferOptions()).run()


def count_part_fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The temporary files fsynced one by one (os.fsync on a `.sshdeck-part`)."""
    fsynced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        name = fd_name(fd)
        if name.endswith(".sshdeck-part"):
            fsynced.append(name)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return fsynced


@pytest.mark.skipif(durable._load_syncfs() is None, reason="syncfs(2) is Linux's; elsewhere every file is fsynced")
async def test_small_downloaded_files_reach_their_names_only_after_a_shared_syncfs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    there, here = tmp_path / "there", tmp_path / "here"
    files = small_files(there / "tree")
    here.mkdir()
    events: list[tuple[str, object]] = []
    real_syncfs, real_replace, real_sync = durable._syncfs, os.replace, durable.SyncGroup.sync
    calls = 0

    def syncfs(fd: int) -> None:
        nonlocal calls
        calls += 1
        number = calls
        events.append(("begin", number))
        real_syncfs(fd)
        events.append(("end", number))

    async def sync(self, fd: int) -> None:
        events.append(("ask", fd_name(fd)))
        await real_sync(self, fd)

    def replace(src, dst, *args, **kwargs) -> None:
        events.append(("replace", os.fsdecode(src)))
        real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(durable, "_syncfs", syncfs)
    monkeypatch.setattr(durable.SyncGroup, "SLOW", 3600.0)  # a loaded test machine must not turn syncfs off here
    monkeypatch.setattr(durable.SyncGroup, "sync", sync)
    monkeypatch.setattr(os, "replace", replace)
    fsynced = count_part_fsyncs(monkeypatch)

    report = await download(there, here)

    assert report.ok, [i.error for i in report.failed]
    assert {p.name: p.read_bytes() for p in (here / "tree").iterdir()} == files
    assert fsynced == []  # no small file was fsynced on its own
    assert 1 <= calls < len(files)  # the files shared their syncfs calls
    for name in files:
        part = f".{name}.sshdeck-part"
        asked = events.index(("ask", part))
        renamed = events.index(("replace", part))
        # Some syncfs began after this file asked and ended before its rename.
        began = {n for kind, n in events[asked:renamed] if kind == "begin"}
        ended = {n for kind, n in events[asked:renamed] if kind == "end"}
        assert began & ended, f"{name}: renamed without a syncfs that began after it asked"


async def test_when_syncfs_fails_each_small_file_is_fsynced_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    there, here = tmp_path / "there", tmp_path / "here"
    files = small_files(there / "tree")
    here.mkdir()
    failures = 0

    def failing(fd: int) -> None:
        nonlocal failures
        failures += 1
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(durable, "_syncfs", failing)
    fsynced = count_part_fsyncs(monkeypatch)

    report = await download(there, here)

    assert report.ok, [i.error for i in report.failed]
    assert {p.name: p.read_bytes() for p in (here / "tree").iterdir()} == files
    assert failures >= 1
    assert sorted(fsynced) == sorted(f".{name}.sshdeck-part" for name in files)


async def test_without_syncfs_each_small_file_is_fsynced_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    there, here = tmp_path / "there", tmp_path / "here"
    files = small_files(there / "tree")
    here.mkdir()
    monkeypatch.setattr(durable, "_syncfs", None)  # e.g. not Linux
    fsynced = count_part_fsyncs(monkeypatch)

    report = await download(there, here)

    assert report.ok, [i.error for i in report.failed]
    assert {p.name: p.read_bytes() for p in (here / "tree").iterdir()} == files
    assert sorted(fsynced) == sorted(f".{name}.sshdeck-part" for name in files)


async def test_a_file_bigger_than_a_megabyte_is_fsynced_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    there, here = tmp_path / "there", tmp_path / "here"
    (there / "tree").mkdir(parents=True)
    data = os.urandom(local.LocalWriteFile.GROUP_SYNC_UP_TO + 1)
    (there / "tree" / "big").write_bytes(data)
    here.mkdir()
    fsynced = count_part_fsyncs(monkeypatch)

    report = await download(there, here)

    assert report.ok, [i.error for i in report.failed]
    assert (here / "tree" / "big").read_bytes() == data
    assert fsynced == [".big.sshdeck-part"]


async def test_requests_of_one_turn_leave_in_one_socket_write(tmp_path: Path) -> None:
    there, here = tmp_path / "there", tmp_path / "here"
    files = small_files(there / "tree")
    here.mkdir()
    async with crafted_server(lambda chan: asyncssh.SFTPServer(chan, chroot=os.fsencode(there))) as (conn, sftp):
        source = SftpEndpoint(sftp, "/")  # joins the connection's packets from here on
        transport = conn._transport  # noqa: SLF001 - counting the socket writes
        writes = 0
        real_write = transport.write

        def write(data) -> None:
            nonlocal writes
            writes += 1
            real_write(data)

        transport.write = write
        packets_before = conn._send_seq  # noqa: SLF001
        report = await Transfer(source, LocalEndpoint(here), [((b"tree",), (b"tree",))]).run()
        packets = conn._send_seq - packets_before  # noqa: SLF001
        # The connection still works afterwards, and closes cleanly.
        assert (await sftp.stat("/tree/f000")).size == len(files["f000"])
    assert report.ok, [i.error for i in report.failed]
    assert {p.name: p.read_bytes() for p in (here / "tree").iterdir()} == files
    assert packets >= 3 * len(files)  # open, read, close per file at least
    assert writes <= packets // 2, (writes, packets)


async def test_a_folder_of_small_files_has_four_times_parallel_files_in_flight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    files = small_files(src / "tree", count=24)
    (src / "tree" / "big").write_bytes(os.urandom(engine.SMALL_FILE))  # not small: only the first workers take it
    dst.mkdir()
    wanted = 4 * engine.SMALL_FILES_FACTOR
    active = 0
    peak = 0
    everyone_in = asyncio.Event()
    real = engine.copy_file

    async def held(transfer, item, attempt):
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        if peak >= wanted:
            everyone_in.set()
        await asyncio.wait_for(everyone_in.wait(), 10)  # fails the test if fewer ever run at once
        try:
            return await real(transfer, item, attempt)
        finally:
            active -= 1

    monkeypatch.setattr(engine, "copy_file", held)
    report = await Transfer(LocalEndpoint(src), LocalEndpoint(dst), [((b"tree",), (b"tree",))],
                            TransferOptions(parallel_files=4)).run()
    assert report.ok, [i.error for i in report.failed]
    assert peak == wanted
    assert {p.name: p.read_bytes() for p in (dst / "tree").iterdir() if p.name != "big"} == files
    assert (dst / "tree" / "big").stat().st_size == engine.SMALL_FILE


async def test_a_fresh_job_looks_nothing_up_in_the_journal_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    files = small_files(src / "tree")
    dst.mkdir()
    journal = Journal(tmp_path / "journal.sqlite3")
    looked_up = 0
    real = Journal.record

    def record(self, job_id, rel):
        nonlocal looked_up
        looked_up += 1
        return real(self, job_id, rel)

    monkeypatch.setattr(Journal, "record", record)
    report = await Transfer(LocalEndpoint(src), LocalEndpoint(dst), [((b"tree",), (b"tree",))],
                            journal=journal).run()
    journal.close()
    assert report.ok, [i.error for i in report.failed]
    assert {p.name: p.read_bytes() for p in (dst / "tree").iterdir()} == files
    assert looked_up == 0


async def test_after_a_slow_syncfs_the_later_small_files_are_fsynced_on_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A syncfs slower than SyncGroup.SLOW (another program filling the disk): its files are done, the rest fsync."""
    import time

    there, here = tmp_path / "there", tmp_path / "here"
    files = small_files(there / "tree")
    here.mkdir()
    calls = 0

    def slow(fd: int) -> None:
        nonlocal calls
        calls += 1
        time.sleep(durable.SyncGroup.SLOW + 0.05)
        os.fsync(fd)  # stands in for the real call's durability of this file at least

    monkeypatch.setattr(durable, "_syncfs", slow)
    monkeypatch.setattr(durable.SyncGroup, "AT_ONCE", 1)
    fsynced = count_part_fsyncs(monkeypatch)

    report = await download(there, here)

    assert report.ok, [i.error for i in report.failed]
    assert {p.name: p.read_bytes() for p in (here / "tree").iterdir()} == files
    assert calls == 1  # none after the slow one
    assert 1 <= len(fsynced) <= len(files) and len(set(fsynced)) == len(fsynced)


@pytest.mark.parametrize("debug", [False, True])
async def test_request_debug_lines_are_made_only_when_debug_logging_is_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    import logging

    from asyncssh.logging import SSHLogger

    there, here = tmp_path / "there", tmp_path / "here"
    files = small_files(there / "tree", count=5)
    here.mkdir()
    made: list[str] = []
    real_log = SSHLogger.log

    def log(self, level, msg, *args, **kwargs):
        if str(msg).startswith(("Sending open for", "Sending read for", "Sending close for")):  # the client's requests
            made.append(str(msg))
        return real_log(self, level, msg, *args, **kwargs)

    monkeypatch.setattr(SSHLogger, "log", log)
    asyncssh_logger = logging.getLogger("asyncssh")
    was = asyncssh_logger.level
    asyncssh_logger.setLevel(logging.DEBUG if debug else logging.WARNING)  # setLevel: clears the loggers' caches
    try:
        report = await download(there, here)
    finally:
        asyncssh_logger.setLevel(was)
    assert report.ok, [i.error for i in report.failed]
    assert {p.name: p.read_bytes() for p in (here / "tree").iterdir()} == files
    assert bool(made) == debug, sorted(set(made))[:5]


def test_small_file_figures_match_the_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "Up to 128 small files (under 256 KiB) are in flight at once, four times the 32 files" in readme
    assert TransferOptions().parallel_files * engine.SMALL_FILES_FACTOR == 128
    assert engine.SMALL_FILE == 256 * 1024
    assert "A download's small files (up to 1 MiB) are made durable together" in readme
    assert local.LocalWriteFile.GROUP_SYNC_UP_TO == 1024 * 1024
    assert "after one slower than 50 ms" in readme and durable.SyncGroup.SLOW == 0.05
