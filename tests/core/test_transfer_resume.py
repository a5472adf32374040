"""A cut connection and a killed process both end in a byte-identical file, resumed, not restarted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sshdeck.core.transfer import ConflictChoice, Journal, LocalEndpoint, Transfer, TransferOptions
from tests.core.transfer_servers import CuttingProxy, Remote, connect_openssh

SIZE = 4 * 1024 * 1024


@pytest.mark.parametrize("direction", ["download", "upload"])
async def test_cut_connection_mid_file_resumes_to_identical_bytes(openssh_server, tmp_path: Path, direction: str) -> None:
    data = os.urandom(SIZE)
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    (there if direction == "download" else here).joinpath("big.bin").write_bytes(data)
    proxy = await CuttingProxy(openssh_server.host, openssh_server.port, cut_after=1024 * 1024, upstream=direction == "upload").start()
    remote = Remote(lambda: connect_openssh(openssh_server, proxy.port))
    try:
        remote_end = await remote.endpoint(there)
        local_end = LocalEndpoint(here)
        source, dest = (remote_end, local_end) if direction == "download" else (local_end, remote_end)
        # Long enough for the dropped session's server process to finish writing what it received.
        options = TransferOptions(backoff_initial=0.3)
        report = await Transfer(source, dest, [((b"big.bin",), (b"big.bin",))], options).run()
    finally:
        await remote.close()
        await proxy.close()
    assert proxy.cuts == 1 and proxy.connections == 2
    assert report.ok, [i.error for i in report.failed]
    item = report.items[0]
    assert item.attempts == 2
    if direction == "download":
        # Upstream, sshd may drop what it buffered when the link dies, so an upload can
        # legitimately restart; the journal test below covers resuming an upload.
        assert item.resumed_from and item.resumed_from > 0
    assert (here if direction == "download" else there).joinpath("big.bin").read_bytes() == data


async def test_cut_connection_without_retries_leaves_the_final_name_untouched(openssh_server, tmp_path: Path) -> None:
    data = os.urandom(SIZE)
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    (there / "big.bin").write_bytes(data)
    (here / "big.bin").write_bytes(b"the old version")
    proxy = await CuttingProxy(openssh_server.host, openssh_server.port, cut_after=1024 * 1024).start()
    remote = Remote(lambda: connect_openssh(openssh_server, proxy.port))
    try:
        options = TransferOptions(retries=0, conflict=ConflictChoice.OVERWRITE)
        report = await Transfer(await remote.endpoint(there), LocalEndpoint(here), [((b"big.bin",), (b"big.bin",))], options).run()
    finally:
        await remote.close()
        await proxy.close()
    assert not report.ok and "connection lost" in report.failed[0].error
    assert (here / "big.bin").read_bytes() == b"the old version"
    partial = here / ".big.bin.sshdeck-part"
    assert 0 < partial.stat().st_size < SIZE
    assert data.startswith(partial.read_bytes())


KILLED_RUN = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    sys.path.insert(0, {repo!r})
    from sshdeck.core.transfer import ConflictChoice, Journal, LocalEndpoint, Transfer, TransferOptions

    def progress(snapshot):
        if snapshot.bytes_done >= 3 * 1024 * 1024:
            os.kill(os.getpid(), signal.SIGKILL)

    async def main():
        # A small memory budget keeps the copy slow enough to be killed mid-file.
        options = TransferOptions(progress_interval=0, memory_limit=1024 * 1024)
        transfer = Transfer(LocalEndpoint({src!r}), LocalEndpoint({dst!r}), [((b"tree",), (b"tree",))], options,
                            journal=Journal(), on_progress=progress)
        await transfer.run()

    asyncio.run(main())
    """
)


async def test_killed_queue_is_listed_and_resumed_after_restart(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "tree").mkdir(parents=True)
    dst.mkdir()
    small = {f"s{i}": os.urandom(1000) for i in range(3)}
    for name, content in small.items():
        (src / "tree" / name).write_bytes(content)
    big = os.urandom(16 * 1024 * 1024)
    (src / "tree" / "z-big.bin").write_bytes(big)
    script = KILLED_RUN.format(repo=str(Path(__file__).resolve().parents[2]), src=str(src), dst=str(dst))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()
    partial = dst / "tree" / ".z-big.bin.sshdeck-part"
    assert partial.exists() and not (dst / "tree" / "z-big.bin").exists()
    kept = partial.stat().st_size
    assert kept > 0

    journal = Journal()
    unfinished = journal.unfinished()
    assert len(unfinished) == 1
    record = unfinished[0]
    assert record.state == "interrupted" and record.dest.endswith(str(dst))
    transfer = Transfer.resume_job(record, LocalEndpoint(src), LocalEndpoint(dst), journal=journal)
    report = await transfer.run()
    assert report.ok, [i.error for i in report.failed]
    big_item = next(i for i in report.items if i.dst[-1] == b"z-big.bin")
    assert big_item.resumed_from == kept
    assert (dst / "tree" / "z-big.bin").read_bytes() == big
    for name, content in small.items():
        assert (dst / "tree" / name).read_bytes() == content
    assert not partial.exists()
    assert journal.unfinished() == []


async def test_upload_resumes_from_the_remote_partial_recorded_in_the_journal(openssh_server, tmp_path: Path) -> None:
    data = os.urandom(SIZE)
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    (here / "big.bin").write_bytes(data)
    # What a killed upload leaves: a remote partial, a journal record of the source's size and mtime.
    (there / ".big.bin.sshdeck-part").write_bytes(data[:1_500_000])
    mtime = (here / "big.bin").stat().st_mtime
    journal = Journal()
    remote = Remote(lambda: connect_openssh(openssh_server))
    try:
        dest = await remote.endpoint(there)
        source = LocalEndpoint(here)
        requests = [((b"big.bin",), (b"big.bin",))]
        job = journal.start_job(source.describe(), dest.describe(), requests, TransferOptions().to_journal())
        journal.item_started(job, (b"big.bin",), (b".big.bin.sshdeck-part",), SIZE, mtime)
        journal.finish_job(job, "failed")
        record = journal.unfinished()[0]
        report = await Transfer.resume_job(record, source, dest, journal=journal).run()
    finally:
        await remote.close()
    assert report.ok, [i.error for i in report.failed]
    assert report.items[0].resumed_from == 1_500_000
    assert (there / "big.bin").read_bytes() == data
    assert not (there / ".big.bin.sshdeck-part").exists()


async def test_partial_is_restarted_when_the_source_changed(tmp_path: Path) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    (here / "f.bin").write_bytes(b"B" * 100_000)
    (there / ".f.bin.sshdeck-part").write_bytes(b"A" * 50_000)
    journal = Journal()
    source, dest = LocalEndpoint(here), LocalEndpoint(there)
    requests = [((b"f.bin",), (b"f.bin",))]
    job = journal.start_job(source.describe(), dest.describe(), requests, {})
    # Recorded for an older version of the source (other mtime): the partial must not be trusted.
    journal.item_started(job, (b"f.bin",), (b".f.bin.sshdeck-part",), 100_000, 12345.0)
    journal.finish_job(job, "failed")
    report = await Transfer.resume_job(journal.unfinished()[0], source, dest, journal=journal).run()
    assert report.ok and report.items[0].resumed_from is None
    assert (there / "f.bin").read_bytes() == b"B" * 100_000


def test_journal_remembers_how_to_name_and_reach_each_side(tmp_path: Path) -> None:
    from sshdeck.core.transfer import Place

    journal = Journal(tmp_path / "j.sqlite3")
    places = (Place("~/Downloads", "/home/me/Downloads"),
              Place("box (me@10.0.0.5:22)", "/srv/data", target="box:/srv/data", remote=True))
    job = journal.start_job("local:/home/me/Downloads", "sftp://target:box:/srv/data/srv/data", [((b"a",), (b"a",))],
                            {}, places)
    journal.finish_job(job, "interrupted")
    journal.close()
    [record] = Journal(tmp_path / "j.sqlite3").unfinished()
    assert (record.source_place, record.dest_place) == places
    assert record.dest_place.can_connect and not record.source_place.can_connect


def test_a_journal_from_before_places_still_opens_and_lists_its_jobs(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE jobs (id INTEGER PRIMARY KEY, created REAL NOT NULL, pid INTEGER NOT NULL, state TEXT NOT NULL,"
        " source TEXT NOT NULL, dest TEXT NOT NULL, requests TEXT NOT NULL, options TEXT NOT NULL);"
        "INSERT INTO jobs VALUES (1, 0, 1, 'interrupted', 'local:/a', 'local:/b', '[]', '{}');"
    )
    db.commit()
    db.close()
    [record] = Journal(path).unfinished()
    assert record.source == "local:/a" and record.source_place is None and record.dest_place is None
