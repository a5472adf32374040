"""A big file copied in part by a worker process over its own connection (procranges.py): against sshd, counted."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.session import Session
from sshdeck.core.ssh.worker_ticket import ticket_for
from sshdeck.core.transfer import Journal, LocalEndpoint, SftpEndpoint, Transfer, TransferOptions
from sshdeck.core.transfer.procpool import ProcWorker
from tests.core.worker_support import (
    MIB, REQUEST, SIZE, Workers, copy_through_workers, options, sha, sshd_spec, trust_once,
)


@pytest.mark.parametrize("direction", ["get", "put"])
async def test_big_file_copied_partly_by_a_worker_process_arrives_byte_identical(
        openssh_server, trust_store, tmp_path: Path, direction: str, monkeypatch) -> None:
    workers = Workers(monkeypatch)
    report, data, arrived = await copy_through_workers(openssh_server, trust_store, tmp_path, direction, options())
    assert report.ok, [i.error for i in report.failed]
    assert len(workers.started) == 1 and workers.refused == []
    assert workers.ranges >= 1  # the worker process copied some ranges, the parent the rest
    assert workers.all_ended()  # and it ended with the file
    assert sha(arrived.read_bytes()) == sha(data)
    item = report.items[0]
    assert item.bytes_done == SIZE and item.bytes_copied == SIZE  # nothing counted twice
    assert not (arrived.parent / ".big.bin.sshdeck-part").exists()


@pytest.mark.parametrize("direction", ["get", "put"])
async def test_a_worker_killed_mid_range_leaves_its_ranges_to_the_parent_and_the_file_is_identical(
        openssh_server, trust_store, tmp_path: Path, direction: str, monkeypatch) -> None:
    workers = Workers(monkeypatch, kill_in_range=3)  # two ranges at once per worker: the third starts after one ended
    report, data, arrived = await copy_through_workers(openssh_server, trust_store, tmp_path, direction, options())
    assert report.ok, [i.error for i in report.failed]
    assert workers.killed == 1 and workers.ranges >= 1
    assert sha(arrived.read_bytes()) == sha(data)
    item = report.items[0]
    assert item.bytes_done == SIZE  # the killed range's bytes were counted once, by the parent's copy
    assert workers.all_ended()


async def test_a_copy_cancelled_while_a_worker_helps_stops_it_and_resumes_byte_identical(
        openssh_server, trust_store, tmp_path: Path, monkeypatch) -> None:
    workers = Workers(monkeypatch)
    journal = Journal()

    async def cancel_after_two_worker_ranges(transfer: Transfer) -> None:
        for _ in range(6000):
            if workers.ranges >= 2:
                break
            await asyncio.sleep(0.01)
        transfer.cancel()

    first, data, arrived = await copy_through_workers(openssh_server, trust_store, tmp_path, "get",
                                                      options(retries=0), journal, during=cancel_after_two_worker_ranges)
    assert not first.ok and workers.ranges >= 2
    assert workers.all_ended()  # cancel stopped the worker process
    [record] = journal.unfinished()
    kept = journal.ranges(record.id, (b"big.bin",))
    already = sum(end - start for start, end in kept)
    assert already >= 2 * MIB  # the worker's ranges were recorded by the parent as it reported them

    async with Session(sshd_spec(openssh_server), ConnectCallbacks(decide_host_key=trust_once), trust=trust_store) as session:
        remote = SftpEndpoint(await session.sftp(), os.fsencode(str(tmp_path / "there")), label="sshd")
        second = await Transfer.resume_job(record, remote, LocalEndpoint(tmp_path / "here"), journal=journal,
                                           options=options(workers_max=0)).run()
    assert second.ok, [i.error for i in second.failed]
    assert second.items[0].bytes_copied == SIZE - already
    assert sha(arrived.read_bytes()) == sha(data)


@pytest.mark.parametrize("direction", ["get", "put"])
async def test_sshdeck_cp_hands_ranges_of_a_big_file_to_a_worker(openssh_server, trust_store, tmp_path: Path,
                                                                  direction: str, monkeypatch) -> None:
    import functools
    import io

    from sshdeck.commands import cp, cp_copy
    from tests.core.test_transfer_cp_command import parse

    config = tmp_path / "ssh_config"
    config.write_text(f"Host box\n  HostName 127.0.0.1\n  Port {openssh_server.port}\n  User {openssh_server.username}\n"
                      f"  IdentityFile {openssh_server.client_key}\n  IdentitiesOnly yes\n")
    openssh_server.write_known_hosts(trust_store.read_files[0])
    monkeypatch.setattr(cp_copy, "TransferOptions", functools.partial(TransferOptions, ranged_from=MIB, range_size=MIB,
                                                                  workers_from=MIB, workers_when_busy=0.0))
    workers = Workers(monkeypatch)
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    data = os.urandom(SIZE)
    (there if direction == "get" else here).joinpath("big.bin").write_bytes(data)
    paths = ([f"box:{there / 'big.bin'}", str(here)] if direction == "get" else [str(here / "big.bin"), f"box:{there}"])
    err = io.StringIO()
    status = await cp.run_async(parse("-F", str(config), "--batch", *paths), stderr=err, trust=trust_store)
    assert status == 0, err.getvalue()
    assert workers.refused == [] and workers.ranges >= 1 and workers.all_ended()
    arrived = (here if direction == "get" else there) / "big.bin"
    assert sha(arrived.read_bytes()) == sha(data)


async def test_pausing_a_copy_pauses_its_worker_and_resuming_finishes_the_file(
        openssh_server, trust_store, tmp_path: Path, monkeypatch) -> None:
    workers = Workers(monkeypatch)
    sent: list[str] = []
    real_send = ProcWorker._send

    def send(worker, message: dict) -> None:
        if message.get("op") in ("pause", "resume"):
            sent.append(message["op"])
        real_send(worker, message)

    monkeypatch.setattr(ProcWorker, "_send", send)

    async def pause_then_resume(transfer: Transfer) -> None:
        for _ in range(6000):
            if workers.ranges >= 1:
                break
            await asyncio.sleep(0.01)
        transfer.pause()
        for _ in range(6000):
            if sent:
                break
            await asyncio.sleep(0.01)
        transfer.unpause()

    report, data, arrived = await copy_through_workers(openssh_server, trust_store, tmp_path, "get", options(),
                                                       during=pause_then_resume)
    assert report.ok, [i.error for i in report.failed]
    assert sent[:2] == ["pause", "resume"]  # the worker was told, not left copying
    assert sha(arrived.read_bytes()) == sha(data)


async def test_under_a_speed_limit_no_worker_starts(openssh_server, trust_store, tmp_path: Path, monkeypatch) -> None:
    workers = Workers(monkeypatch)
    workers.settled.set()  # nothing to wait for: the parent copies alone
    report, data, arrived = await copy_through_workers(openssh_server, trust_store, tmp_path, "get",
                                                       options(limit=64 * MIB))
    assert report.ok, [i.error for i in report.failed]
    assert workers.started == []  # a worker would not obey the limit
    assert sha(arrived.read_bytes()) == sha(data)


async def test_two_big_files_at_once_share_one_worker_process(openssh_server, trust_store, tmp_path: Path,
                                                               monkeypatch) -> None:
    from sshdeck.core.transfer import procpool

    workers = Workers(monkeypatch)
    most: list[int] = []
    real_start = ProcWorker.start

    async def start(worker, *args, **kwargs):
        most.append(len(procpool.LIVE) + 1)
        await real_start(worker, *args, **kwargs)

    monkeypatch.setattr(ProcWorker, "start", start)
    there, here = tmp_path / "there", tmp_path / "here"
    there.mkdir()
    here.mkdir()
    data = {name: os.urandom(SIZE) for name in (b"a.bin", b"b.bin")}
    for name, content in data.items():
        (there / name.decode()).write_bytes(content)
    async with Session(sshd_spec(openssh_server), ConnectCallbacks(decide_host_key=trust_once), trust=trust_store) as session:
        remote = SftpEndpoint(await session.sftp(), os.fsencode(str(there)), label="sshd")
        remote.worker_ticket = lambda: ticket_for(session)
        request = [((name,), (name,)) for name in data]
        report = await Transfer(remote, LocalEndpoint(here), request, options(workers_max=1)).run()
    assert report.ok, [i.error for i in report.failed]
    assert most and max(most) == 1 and workers.ranges >= 1  # never two worker processes at once
    assert workers.all_ended()
    for name, content in data.items():
        assert sha((here / name.decode()).read_bytes()) == sha(content)


async def test_the_apps_bulk_route_hands_ranges_to_a_worker(openssh_server, trust_store, tmp_path: Path,
                                                            monkeypatch) -> None:
    from sshdeck.core.ssh.bulk import BulkLink
    from sshdeck.core.ssh.bulk_routes import BulkRecipe, BulkRoutes

    workers = Workers(monkeypatch)
    there, here = tmp_path / "there", tmp_path / "here"
    there.mkdir()
    here.mkdir()
    data = os.urandom(SIZE)
    (here / "big.bin").write_bytes(data)
    async with Session(sshd_spec(openssh_server), ConnectCallbacks(decide_host_key=trust_once), trust=trust_store) as session:
        link, routes = BulkLink(session), BulkRoutes()
        shared = SftpEndpoint(await session.sftp(), str(there), label="sshd")
        routes.remember(shared, BulkRecipe(link, str(there), "sshd", "sftp://sshd"))
        transfer = Transfer(LocalEndpoint(str(here)), shared, REQUEST, options())
        async with routes.route(transfer) as links:
            assert links == [link]  # the transfer runs on the bulk connection, and a worker helps it
            report = await transfer.run()
        await link.close()
    assert report.ok, [i.error for i in report.failed]
    assert workers.refused == [] and workers.ranges >= 1 and workers.all_ended()
    assert sha((there / "big.bin").read_bytes()) == sha(data)


@pytest.mark.parametrize(("own_share", "idle_cores", "starts"), [
    (0.3, 1.0, False),  # this process is not the limit: its thread has time to spare
    (1.0, 0.0, False),  # the limit, but no idle core: a worker would only compete for the same ones
    (1.0, 1.0, True),   # the limit, with a core to spare: a worker helps
])
async def test_a_worker_starts_only_when_this_process_is_the_limit_and_a_core_is_idle(
        openssh_server, trust_store, tmp_path: Path, monkeypatch, own_share: float, idle_cores: float,
        starts: bool) -> None:
    import itertools

    import sshdeck.core.transfer.procranges as procranges

    ticks = itertools.count()
    monkeypatch.setattr(procranges, "WATCH", 0.01)
    monkeypatch.setattr(procranges, "cpu_share", lambda *_: own_share)
    # Between two looks, `idle_cores` cores of the machine were idle on average.
    monkeypatch.setattr(procranges, "idle_seconds", lambda: next(ticks) * idle_cores * procranges.WATCH * 100)
    clock = itertools.count()
    monkeypatch.setattr(procranges, "wall_clock", lambda: next(clock) * procranges.WATCH * 100)
    workers = Workers(monkeypatch)
    if not starts:
        workers.settled.set()
    report, data, arrived = await copy_through_workers(openssh_server, trust_store, tmp_path, "get",
                                                       options(workers_when_busy=0.85))
    assert report.ok, [i.error for i in report.failed]
    assert (len(workers.started) == 1) is starts
    assert sha(arrived.read_bytes()) == sha(data)


async def test_no_worker_on_a_long_link(openssh_server, trust_store, tmp_path: Path, monkeypatch) -> None:
    """A worker pays off only where this process's crypto is the limit (a near, fast link): on a 20 ms link the
    benchmark's get and put were slower with one (its second connection's set-up and CPU), so none starts."""
    monkeypatch.setattr(SftpEndpoint, "measured_round_trip", property(lambda self: 0.020))
    workers = Workers(monkeypatch, loopback=False)  # the relay's real round trip decides
    report, data, arrived = await copy_through_workers(openssh_server, trust_store, tmp_path, "get", options())
    assert report.ok, [i.error for i in report.failed]
    assert workers.started == [] and workers.ranges == 0
    assert sha(arrived.read_bytes()) == sha(data)
