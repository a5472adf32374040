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


def prepared(tmp_path: Path, count: int = COUNT, there: str = "there", here: str = "here") -> tuple[Path, Path, dict[str, bytes]]:
    """(the source folder, an empty target folder, the small files in the source's `tree`)."""
    source, target = tmp_path / there, tmp_path / here
    files = small_files(source / "tree", count)
    target.mkdir()
    return source, target, files


def received(report, target: Path) -> dict[str, bytes]:
    """The files the transfer left in `target`'s `tree`, once it says it went well."""
    assert report.ok, [i.error for i in report.failed]
    return {p.name: p.read_bytes() for p in (target / "tree").iterdir()}


def replace_syncfs(monkeypatch: pytest.MonkeyPatch, body) -> list[int]:
    """durable's syncfs(2) replaced by `body(fd, call number)`; the list holds the calls' numbers."""
    calls: list[int] = []

    def syncfs(fd: int) -> None:
        calls.append(len(calls) + 1)
        body(fd, len(calls))

    monkeypatch.setattr(durable, "_syncfs", syncfs)
    return calls


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
    there, here, files = prepared(tmp_path)
    events: list[tuple[str, object]] = []
    real_syncfs, real_replace, real_sync = durable._syncfs, os.replace, durable.SyncGroup.sync

    def syncfs(fd: int, number: int) -> None:
        events.append(("begin", number))
        real_syncfs(fd)
        events.append(("end", number))

    async def sync(self, fd: int) -> None:
        events.append(("ask", fd_name(fd)))
        await real_sync(self, fd)

    def replace(src, dst, *args, **kwargs) -> None:
        events.append(("replace", os.fsdecode(src)))
        real_replace(src, dst, *args, **kwargs)

    calls = replace_syncfs(monkeypatch, syncfs)
    monkeypatch.setattr(durable.SyncGroup, "SLOW", 3600.0)  # a loaded test machine must not turn syncfs off here
    monkeypatch.setattr(durable.SyncGroup, "sync", sync)
    monkeypatch.setattr(os, "replace", replace)
    fsynced = count_part_fsyncs(monkeypatch)

    report = await download(there, here)

    assert received(report, here) == files
    assert fsynced == []  # no small file was fsynced on its own
    assert 1 <= len(calls) < len(files)  # the files shared their syncfs calls
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
    there, here, files = prepared(tmp_path)

    def failing(fd: int, number: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    failures = replace_syncfs(monkeypatch, failing)
    fsynced = count_part_fsyncs(monkeypatch)

    report = await download(there, here)

    assert received(report, here) == files
    assert len(failures) >= 1
    assert sorted(fsynced) == sorted(f".{name}.sshdeck-part" for name in files)


async def test_without_syncfs_each_small_file_is_fsynced_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    there, here, files = prepared(tmp_path)
    monkeypatch.setattr(durable, "_syncfs", None)  # e.g. not Linux
    fsynced = count_part_fsyncs(monkeypatch)

    report = await download(there, here)

    assert received(report, here) == files
    assert sorted(fsynced) == sorted(f".{name}.sshdeck-part" for name in files)


async def test_a_file_bigger_than_a_megabyte_is_fsynced_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    there, here, _none = prepared(tmp_path, count=0)
    data = os.urandom(local.LocalWriteFile.GROUP_SYNC_UP_TO + 1)
    (there / "tree" / "big").write_bytes(data)
    fsynced = count_part_fsyncs(monkeypatch)

    report = await download(there, here)

    assert received(report, here)["big"] == data
    assert fsynced == [".big.sshdeck-part"]


async def test_requests_of_one_turn_leave_in_one_socket_write(tmp_path: Path) -> None:
    there, here, files = prepared(tmp_path)
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
    assert received(report, here) == files
    assert packets >= 3 * len(files)  # open, read, close per file at least
    assert writes <= packets // 2, (writes, packets)


async def test_a_folder_of_small_files_has_four_times_parallel_files_in_flight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, dst, files = prepared(tmp_path, 24, "src", "dst")
    (src / "tree" / "big").write_bytes(os.urandom(engine.SMALL_FILE))  # not small: only the first workers take it
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
    got = received(report, dst)
    assert peak == wanted
    assert {name: data for name, data in got.items() if name != "big"} == files
    assert (dst / "tree" / "big").stat().st_size == engine.SMALL_FILE


async def test_a_fresh_job_looks_nothing_up_in_the_journal_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, dst, files = prepared(tmp_path, there="src", here="dst")
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
    assert received(report, dst) == files
    assert looked_up == 0


async def test_after_a_slow_syncfs_the_later_small_files_are_fsynced_on_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A syncfs slower than SyncGroup.SLOW (another program filling the disk): its files are done, the rest fsync."""
    import time

    there, here, files = prepared(tmp_path)

    def slow(fd: int, number: int) -> None:
        time.sleep(durable.SyncGroup.SLOW + 0.05)
        os.fsync(fd)  # stands in for the real call's durability of this file at least

    calls = replace_syncfs(monkeypatch, slow)
    monkeypatch.setattr(durable.SyncGroup, "AT_ONCE", 1)
    fsynced = count_part_fsyncs(monkeypatch)

    report = await download(there, here)

    assert received(report, here) == files
    assert len(calls) == 1  # none after the slow one
    assert 1 <= len(fsynced) <= len(files) and len(set(fsynced)) == len(fsynced)


@pytest.mark.parametrize("debug", [False, True])
async def test_request_debug_lines_are_made_only_when_debug_logging_is_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    import logging

    from asyncssh.logging import SSHLogger

    there, here, files = prepared(tmp_path, count=5)
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
    assert received(report, here) == files
    assert bool(made) == debug, sorted(set(made))[:5]


def test_small_file_figures_match_the_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "Up to 128 small files (under 256 KiB) are in flight at once, four times the 32 files" in readme
    assert TransferOptions().parallel_files * engine.SMALL_FILES_FACTOR == 128
    assert engine.SMALL_FILE == 256 * 1024
    assert "A download's small files (up to 1 MiB) are made durable together" in readme
    assert local.LocalWriteFile.GROUP_SYNC_UP_TO == 1024 * 1024
    assert "after one slower than 50 ms" in readme and durable.SyncGroup.SLOW == 0.05
