"""A big file over several SFTP channels of one connection: identical bytes, per-range resume, a stingy server."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import asyncssh
import pytest

from sshdeck.core.transfer import Journal, LocalEndpoint, SftpEndpoint, Transfer, TransferOptions
from sshdeck.core.transfer.ranges import merge, missing
from tests.core.transfer_servers import CuttingProxy, HostileServer, HostileTree, Remote, connect_openssh

MIB = 1024 * 1024
SIZE = 8 * MIB
REQUEST = [((b"big.bin",), (b"big.bin",))]


def ranged(**overrides) -> TransferOptions:
    """Ranges of 1 MiB from 1 MiB up, and several channels even on loopback (which alone would pick one)."""
    values = dict(ranged_from=MIB, range_size=MIB, channels_start=3, channels_max=4)
    values.update(overrides)
    return TransferOptions(**values)


class Channels:
    """The endpoint's channel factory: one more SFTP client on the newest connection, counted."""

    def __init__(self, remote: Remote) -> None:
        self.remote = remote
        self.opened = 0
        self.refused = 0

    async def __call__(self) -> asyncssh.SFTPClient:
        try:
            client = await self.remote.conns[-1].start_sftp_client()
        except asyncssh.Error:
            self.refused += 1
            raise
        self.opened += 1
        return client


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sides(tmp_path: Path, direction: str, data: bytes) -> tuple[Path, Path]:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    (there if direction == "download" else here).joinpath("big.bin").write_bytes(data)
    return here, there


async def endpoints(remote: Remote, channels: Channels, here: Path, there: Path, direction: str):
    remote_end = SftpEndpoint(await remote.sftp(), os.fsencode(str(there)), reconnect=remote.sftp, channels=channels)
    local_end = LocalEndpoint(here)
    return (remote_end, local_end) if direction == "download" else (local_end, remote_end)


def test_missing_ranges_are_the_gaps_cut_into_pieces() -> None:
    assert merge([(5, 9), (0, 3), (3, 4), (8, 12)]) == [(0, 4), (5, 12)]
    assert missing([(0, 4), (5, 12)], 20, 3) == [(4, 5), (12, 15), (15, 18), (18, 20)]
    assert missing([], 7, 4) == [(0, 4), (4, 7)]
    assert missing([(0, 7)], 7, 4) == []


@pytest.mark.parametrize("direction", ["download", "upload"])
async def test_big_file_over_several_channels_arrives_byte_identical(openssh_server, tmp_path: Path,
                                                                     direction: str, monkeypatch) -> None:
    import threading

    import sshdeck.core.transfer.local as local

    writers: set[bool] = set()
    real_pwrite = local._pwrite_all

    def watched(fd: int, data: bytes, offset: int) -> None:
        if len(data) >= local.LocalWriteFile.THREADED_FROM:
            writers.add(threading.current_thread() is threading.main_thread())
        real_pwrite(fd, data, offset)

    monkeypatch.setattr(local, "_pwrite_all", watched)
    data = os.urandom(SIZE)
    here, there = sides(tmp_path, direction, data)
    remote = Remote(lambda: connect_openssh(openssh_server))
    channels = Channels(remote)
    try:
        source, dest = await endpoints(remote, channels, here, there, direction)
        report = await Transfer(source, dest, REQUEST, ranged()).run()
    finally:
        await remote.close()
    assert report.ok, [i.error for i in report.failed]
    assert channels.opened >= 2  # the main channel plus at least two more did the copying
    arrived = (here if direction == "download" else there) / "big.bin"
    assert sha(arrived) == hashlib.sha256(data).hexdigest()
    assert report.items[0].bytes_copied == SIZE
    assert not (arrived.parent / ".big.bin.sshdeck-part").exists()
    if direction == "download":
        assert writers == {False}  # every big block was written to the local file off the event loop


@pytest.mark.parametrize("direction", ["download", "upload"])
async def test_cut_connection_resumes_only_the_missing_ranges(openssh_server, tmp_path: Path, direction: str) -> None:
    data = os.urandom(SIZE)
    here, there = sides(tmp_path, direction, data)
    journal = Journal()
    proxy = await CuttingProxy(openssh_server.host, openssh_server.port, cut_after=5 * MIB,
                               upstream=direction == "upload").start()
    remote = Remote(lambda: connect_openssh(openssh_server, proxy.port))
    channels = Channels(remote)
    try:
        source, dest = await endpoints(remote, channels, here, there, direction)
        first = await Transfer(source, dest, REQUEST, ranged(retries=0), journal=journal).run()
    finally:
        await remote.close()
        await proxy.close()
    assert proxy.cuts == 1 and not first.ok
    [record] = journal.unfinished()
    kept = journal.ranges(record.id, (b"big.bin",))
    assert kept, "the first run recorded no finished range before the cut"
    assert channels.opened >= 2

    remote = Remote(lambda: connect_openssh(openssh_server))
    channels = Channels(remote)
    try:
        source, dest = await endpoints(remote, channels, here, there, direction)
        second = await Transfer.resume_job(record, source, dest, journal=journal, options=ranged()).run()
    finally:
        await remote.close()
    assert second.ok, [i.error for i in second.failed]
    item = second.items[0]
    already = sum(end - start for start, end in kept)
    assert item.resumed_from == already
    assert item.bytes_copied == SIZE - already < SIZE
    arrived = (here if direction == "download" else there) / "big.bin"
    assert sha(arrived) == hashlib.sha256(data).hexdigest()
    assert journal.unfinished() == []


async def test_server_allowing_two_sessions_still_completes(make_openssh_server, tmp_path: Path) -> None:
    server = make_openssh_server("MaxSessions 2")
    data = os.urandom(SIZE)
    here, there = sides(tmp_path, "download", data)
    remote = Remote(lambda: connect_openssh(server))
    channels = Channels(remote)
    try:
        source, dest = await endpoints(remote, channels, here, there, "download")
        # A shell already holds one of the two sessions, the transfer's own SFTP channel the other.
        shell = await remote.conns[-1].create_process("sleep 60")
        report = await Transfer(source, dest, REQUEST, ranged(channels_start=4, channels_max=8)).run()
        shell.close()
    finally:
        await remote.close()
    assert report.ok, [i.error for i in report.failed]
    assert channels.refused >= 1 and channels.opened == 0
    assert sha(here / "big.bin") == hashlib.sha256(data).hexdigest()


async def test_without_a_channel_factory_a_big_file_goes_over_the_one_channel(openssh_server, tmp_path: Path) -> None:
    data = os.urandom(SIZE)
    here, there = sides(tmp_path, "download", data)
    remote = Remote(lambda: connect_openssh(openssh_server))
    try:
        source = SftpEndpoint(await remote.sftp(), os.fsencode(str(there)), reconnect=remote.sftp)
        report = await Transfer(source, LocalEndpoint(here), REQUEST, ranged()).run()
    finally:
        await remote.close()
    assert report.ok, [i.error for i in report.failed]
    assert report.items[0].ranges_done is None  # the plain in-order copy: its partial is a prefix
    assert sha(here / "big.bin") == hashlib.sha256(data).hexdigest()


def test_a_journal_from_before_ranges_still_opens_and_reads_prefix_partials(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE jobs (id INTEGER PRIMARY KEY, created REAL NOT NULL, pid INTEGER NOT NULL, state TEXT NOT NULL,"
        " source TEXT NOT NULL, dest TEXT NOT NULL, requests TEXT NOT NULL, options TEXT NOT NULL,"
        " places TEXT NOT NULL DEFAULT '{}');"
        "CREATE TABLE items (job_id INTEGER NOT NULL, dst BLOB NOT NULL, part BLOB, size INTEGER, mtime REAL,"
        " state TEXT NOT NULL, error TEXT, PRIMARY KEY (job_id, dst));"
        "INSERT INTO jobs VALUES (1, 0, 1, 'interrupted', 'local:/a', 'local:/b', '[]', '{}', '{}');"
        "INSERT INTO items VALUES (1, X'612E62696E', X'2E612E62696E2E737368646563682D70617274', 10, 0, 'active', NULL);"
    )
    db.commit()
    db.close()
    journal = Journal(path)
    assert journal.ranges(1, (b"a.bin",)) is None  # an old partial is a prefix
    journal.ranges_done(1, (b"a.bin",), [(0, 4)])
    assert journal.ranges(1, (b"a.bin",)) == [(0, 4)]
    assert [record.id for record in journal.unfinished()] == [1]


def delay_relay(port: int, each_way_ms: int) -> subprocess.Popen:
    """A relay adding latency in front of the test sshd (benchmarks/tcp_delay_proxy.py, its own process)."""
    relay = Path(__file__).resolve().parents[2] / "benchmarks" / "tcp_delay_proxy.py"
    return subprocess.Popen([sys.executable, str(relay), str(port), str(each_way_ms)], stdout=subprocess.PIPE, text=True)


# An upload is split from a 10 ms round trip on, a download from 40 ms (below, one channel is faster).
@pytest.mark.parametrize(("direction", "each_way_ms"), [("download", 30), ("upload", 15)])
async def test_far_link_left_to_decide_copies_in_ranges(openssh_server, tmp_path: Path, direction: str,
                                                         each_way_ms: int) -> None:
    data = os.urandom(SIZE)
    here, there = sides(tmp_path, direction, data)
    proxy = delay_relay(openssh_server.port, each_way_ms)
    far_port = int(proxy.stdout.readline())
    remote = Remote(lambda: connect_openssh(openssh_server, far_port))
    channels = Channels(remote)
    try:
        source, dest = await endpoints(remote, channels, here, there, direction)
        report = await Transfer(source, dest, REQUEST, ranged(channels_start=0)).run()
    finally:
        await remote.close()
        proxy.kill()
        proxy.wait()
    assert report.ok, [i.error for i in report.failed]
    item = report.items[0]
    assert item.ranges_done == [(0, SIZE)]  # a real link: the ranged copy ran
    assert channels.opened >= 2  # it starts with three channels at once
    arrived = (here if direction == "download" else there) / "big.bin"
    assert sha(arrived) == hashlib.sha256(data).hexdigest()


def test_defaults_match_the_readme() -> None:
    options = TransferOptions()
    assert (options.ranged_from, options.range_size, options.channels_max) == (64 * MIB, 16 * MIB, 8)


async def test_download_on_a_short_link_stays_on_one_channel(openssh_server, tmp_path: Path) -> None:
    data = os.urandom(SIZE)
    here, there = sides(tmp_path, "download", data)
    proxy = delay_relay(openssh_server.port, 5)  # a 10 ms round trip: our own window is plenty
    port = int(proxy.stdout.readline())
    remote = Remote(lambda: connect_openssh(openssh_server, port))
    channels = Channels(remote)
    try:
        source, dest = await endpoints(remote, channels, here, there, "download")
        report = await Transfer(source, dest, REQUEST, ranged(channels_start=0)).run()
    finally:
        await remote.close()
        proxy.kill()
        proxy.wait()
    assert report.ok, [i.error for i in report.failed]
    assert report.items[0].ranges_done is None and channels.opened == 0
    assert sha(here / "big.bin") == hashlib.sha256(data).hexdigest()


class ClaimsAnAbsurdSize(HostileTree):
    LISTING = {b"/evil": [(b"huge.bin", "file", 2**62)]}
    DATA = {b"/evil/huge.bin": b"x" * (2 * MIB)}


class OversendsInRanges(HostileTree):
    LISTING = {b"/evil": [(b"big.bin", "file", 4 * MIB)]}
    DATA = {b"/evil/big.bin": b"y" * (4 * MIB)}
    OVERSEND = True


class LongerThanListed(HostileTree):
    LISTING = {b"/evil": [(b"big.bin", "file", 4 * MIB)]}
    DATA = {b"/evil/big.bin": b"z" * (4 * MIB + 1)}


@pytest.mark.parametrize(("server_class", "reason"), [
    (ClaimsAnAbsurdSize, "ended at"),
    (OversendsInRanges, "for a"),
    (LongerThanListed, "more than its listed"),
])
async def test_hostile_server_cannot_fool_a_ranged_copy(tmp_path: Path, server_class, reason: str) -> None:
    dest = tmp_path / "jail" / "dest"
    dest.mkdir(parents=True)
    async with HostileServer(server_class) as server:
        conn = await server.connect()
        try:
            source = SftpEndpoint(await conn.start_sftp_client(), b"/", channels=conn.start_sftp_client)
            report = await Transfer(source, LocalEndpoint(dest), [((b"evil",), (b"evil",))], ranged()).run()
        finally:
            conn.close()
            await conn.wait_closed()
    [failed] = report.failed
    assert reason in failed.error
    # Nothing at the final name: at most the partial (removed when it is still empty).
    assert {p.name for p in (dest / "evil").iterdir()} <= {f".{failed.dst[-1].decode()}.sshdeck-part"}
    assert {p.name for p in tmp_path.iterdir()} == {"jail"}


async def test_cp_forecast_counts_the_recorded_ranges_not_the_partial_length(tmp_path: Path) -> None:
    from sshdeck.core.transfer.partials import inspect_partials

    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    (here / "big.bin").write_bytes(b"a" * (4 * MIB))
    (there / ".big.bin.sshdeck-part").write_bytes(b"a" * (3 * MIB))  # a hole from 1 to 2 MiB
    journal = Journal(tmp_path / "j.sqlite3")
    source, dest = LocalEndpoint(here), LocalEndpoint(there)
    job = journal.start_job(source.describe(), dest.describe(), REQUEST, {})
    journal.item_started(job, (b"big.bin",), (b".big.bin.sshdeck-part",), 4 * MIB, (here / "big.bin").stat().st_mtime,
                         ranges=[(0, MIB), (2 * MIB, 3 * MIB)])
    journal.finish_job(job, "failed")
    [partial] = await inspect_partials(journal, journal.unfinished()[0], source, dest)
    assert partial.continues and partial.size == 2 * MIB


class NeverAnswersClose(HostileTree):
    """Serves a file but never answers a request to close it (a slow or stuck server, or a long link)."""

    LISTING = {b"/far": [(b"big.bin", "file", 4 * MIB)]}
    DATA = {b"/far/big.bin": os.urandom(4 * MIB)}
    closes_asked = 0

    async def close(self, file_obj: object) -> None:
        type(self).closes_asked += 1
        await asyncio.Event().wait()


@pytest.mark.parametrize("options", [TransferOptions(), ranged()], ids=["one channel", "in ranges"])
async def test_download_is_committed_without_waiting_for_the_server_to_close_its_source(
        tmp_path: Path, options: TransferOptions) -> None:
    # Closing the source handle (and the extra channels) costs round trips the local rename does not need.
    NeverAnswersClose.closes_asked = 0
    async with HostileServer(NeverAnswersClose) as server:
        conn = await server.connect()
        try:
            source = SftpEndpoint(await conn.start_sftp_client(), b"/", channels=conn.start_sftp_client)
            copy = Transfer(source, LocalEndpoint(tmp_path), [((b"far",), (b"far",))], options)
            report = await asyncio.wait_for(copy.run(), 60)  # before: waited for the close replies forever
        finally:
            conn.close()
            await conn.wait_closed()
    assert report.ok, [i.error for i in report.failed]
    assert (tmp_path / "far" / "big.bin").read_bytes() == NeverAnswersClose.DATA[b"/far/big.bin"]
    assert NeverAnswersClose.closes_asked >= 1  # the close was sent, only its reply not waited for
    assert not (tmp_path / "far" / ".big.bin.sshdeck-part").exists()


class MainOpenWaitsForAnother(HostileTree):
    """The first open of the file is answered only once another channel has opened it too."""

    LISTING = {b"/far": [(b"big.bin", "file", 4 * MIB)]}
    DATA = {b"/far/big.bin": os.urandom(4 * MIB)}
    opens = 0
    second: asyncio.Event | None = None

    async def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        cls = type(self)
        cls.opens += 1
        if cls.opens == 1:
            await cls.second.wait()
        else:
            cls.second.set()
        return path


async def test_download_in_ranges_opens_its_extra_channels_while_the_main_one_opens_the_file(tmp_path: Path) -> None:
    # Before, the extra channels were opened only after the main channel's open was answered (a round trip later).
    MainOpenWaitsForAnother.opens, MainOpenWaitsForAnother.second = 0, asyncio.Event()
    async with HostileServer(MainOpenWaitsForAnother) as server:
        conn = await server.connect()
        try:
            source = SftpEndpoint(await conn.start_sftp_client(), b"/", channels=conn.start_sftp_client)
            copy = Transfer(source, LocalEndpoint(tmp_path), [((b"far",), (b"far",))], ranged())
            report = await asyncio.wait_for(copy.run(), 60)
        finally:
            conn.close()
            await conn.wait_closed()
    assert report.ok, [i.error for i in report.failed]
    assert (tmp_path / "far" / "big.bin").read_bytes() == MainOpenWaitsForAnother.DATA[b"/far/big.bin"]
    assert MainOpenWaitsForAnother.opens == 3  # the main channel and two more, as ranged() asks


class UnreadableFile(HostileTree):
    LISTING = {b"/far": [(b"big.bin", "file", 4 * MIB)]}

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        raise asyncssh.SFTPPermissionDenied("not yours")


async def test_download_whose_file_cannot_be_opened_fails_cleanly_with_its_early_channels(tmp_path: Path) -> None:
    async with HostileServer(UnreadableFile) as server:
        conn = await server.connect()
        try:
            source = SftpEndpoint(await conn.start_sftp_client(), b"/", channels=conn.start_sftp_client)
            report = await asyncio.wait_for(
                Transfer(source, LocalEndpoint(tmp_path), [((b"far",), (b"far",))], ranged()).run(), 60)
        finally:
            conn.close()
            await conn.wait_closed()
    [failed] = report.failed
    assert "permission denied" in failed.error
    assert not (tmp_path / "far" / "big.bin").exists() and not (tmp_path / "far" / ".big.bin.sshdeck-part").exists()
