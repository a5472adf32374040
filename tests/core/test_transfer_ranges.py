"""A big file over several SFTP channels of one connection: identical bytes, per-range resume, a stingy server."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import asyncssh
import pytest

from sshdeck.core.transfer import Journal, LocalEndpoint, SftpEndpoint, Transfer, TransferOptions
from sshdeck.core.transfer.ranges import merge, missing
from tests.core.transfer_servers import CuttingProxy, Remote, connect_openssh

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
                                                                     direction: str) -> None:
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


@pytest.fixture
def far_port(openssh_server):
    """The test sshd behind a relay adding 15 ms each way (benchmarks/tcp_delay_proxy.py, its own process)."""
    relay = Path(__file__).resolve().parents[2] / "benchmarks" / "tcp_delay_proxy.py"
    proxy = subprocess.Popen([sys.executable, str(relay), str(openssh_server.port), "15"], stdout=subprocess.PIPE, text=True)
    try:
        yield int(proxy.stdout.readline())
    finally:
        proxy.kill()
        proxy.wait()


@pytest.mark.parametrize("direction", ["download", "upload"])
async def test_far_link_left_to_decide_copies_in_ranges(openssh_server, far_port: int, tmp_path: Path,
                                                         direction: str) -> None:
    data = os.urandom(SIZE)
    here, there = sides(tmp_path, direction, data)
    remote = Remote(lambda: connect_openssh(openssh_server, far_port))
    channels = Channels(remote)
    try:
        source, dest = await endpoints(remote, channels, here, there, direction)
        report = await Transfer(source, dest, REQUEST, ranged(channels_start=0)).run()
    finally:
        await remote.close()
    assert report.ok, [i.error for i in report.failed]
    item = report.items[0]
    assert item.ranges_done == [(0, SIZE)]  # a 30 ms round trip is a real link: the ranged copy ran
    if direction == "upload":
        # An upload's channel is capped by the server's window: it starts with several at once.
        assert channels.opened >= 2
    arrived = (here if direction == "download" else there) / "big.bin"
    assert sha(arrived) == hashlib.sha256(data).hexdigest()
