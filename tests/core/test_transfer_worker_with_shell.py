"""While the app has a shell tab open (procpool.SHELLS), a big file is copied by a worker process alone.

Copied in the app's own event loop, a 1 GiB transfer kept that loop ~95% busy
(py-spy) and a shell tab's echo waited behind it: p99 45 ms for a get and
67 ms for a put in a real terminal (benchmarks/echo_app.py).  In a worker
process the kernel's scheduler runs the app as soon as a key arrives, as it
does `ssh` beside OpenSSH's `sftp`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sshdeck.core.transfer.ranges as ranges_module
from sshdeck.core.transfer import procpool
from tests.core.worker_support import SIZE, Workers, copy_through_workers, options, sha

MIB = 1024 * 1024


def shell_open(monkeypatch, holder: object) -> list[int]:
    """A shell tab open (a fresh SHELLS for this test); the starts of the ranges the parent's channels copy."""
    import sshdeck.core.transfer.procranges as procranges

    monkeypatch.setattr(procpool, "SHELLS", set())
    monkeypatch.setattr(procranges, "SHELLS", procpool.SHELLS)
    procpool.shell_opened(holder)
    parent: list[int] = []
    pump = ranges_module.pump  # Workers' hold on the parent's first range, when Workers came first

    async def counted_pump(*args, **kwargs):
        parent.append(kwargs["start"])
        return await pump(*args, **kwargs)

    monkeypatch.setattr(ranges_module, "pump", counted_pump)
    return parent


@pytest.mark.parametrize("direction", ["get", "put"])
async def test_with_a_shell_open_a_worker_copies_the_big_file_alone(
        openssh_server, trust_store, tmp_path: Path, monkeypatch, direction: str) -> None:
    shell = object()
    workers = Workers(monkeypatch)
    parent = shell_open(monkeypatch, shell)
    # Whatever this process's CPU use: the shell alone starts the worker (workers_when_busy is not 0 here).
    report, data, arrived = await copy_through_workers(openssh_server, trust_store, tmp_path, direction,
                                                       options(workers_when_busy=0.85))
    procpool.shell_closed(shell)
    assert report.ok, [i.error for i in report.failed]
    assert len(workers.started) == 1
    ranges = -(-SIZE // MIB)
    # The parent's channel took no range: the shell was open before the copy began.
    assert parent == [] and workers.ranges == ranges
    assert sha(arrived.read_bytes()) == sha(data)
    assert procpool.SHELLS == set()


async def test_without_a_shell_the_parent_copies_until_its_cpu_is_the_limit(
        openssh_server, trust_store, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(procpool, "SHELLS", set())
    workers = Workers(monkeypatch)
    workers.settled.set()  # nothing to wait for: no worker is expected
    # A CPU share no process reaches: the parent copies alone, as a small transfer or a slow machine does.
    report, data, arrived = await copy_through_workers(openssh_server, trust_store, tmp_path, "get",
                                                       options(workers_when_busy=2.0))
    assert report.ok, [i.error for i in report.failed]
    assert workers.started == []
    assert sha(arrived.read_bytes()) == sha(data)


async def test_with_a_shell_open_two_big_files_take_turns_with_one_worker(
        openssh_server, trust_store, tmp_path: Path, monkeypatch) -> None:
    # One worker at a time (each takes a core, as `sftp` copies one file at a time): the second file waits,
    # its own channel copying nothing meanwhile, and gets a worker when the first one's ends.
    import os

    from sshdeck.core.ssh.auth import ConnectCallbacks
    from sshdeck.core.ssh.session import Session
    from sshdeck.core.ssh.worker_ticket import ticket_for
    from sshdeck.core.transfer import LocalEndpoint, SftpEndpoint, Transfer
    import sshdeck.core.transfer.procranges as procranges
    from tests.core.worker_support import sshd_spec, trust_once

    workers = Workers(monkeypatch)
    parent = shell_open(monkeypatch, tmp_path)
    most = 0
    real_copy = procpool.ProcWorker.copy

    nices = set()

    async def watched(worker, span, landed):
        nonlocal most
        most = max(most, len(procpool.LIVE))
        nices.add(os.getpriority(os.PRIO_PROCESS, worker.pid))
        return await real_copy(worker, span, landed)

    monkeypatch.setattr(procpool.ProcWorker, "copy", watched)
    there, here = tmp_path / "there", tmp_path / "here"
    there.mkdir()
    here.mkdir()
    blobs = {name: os.urandom(SIZE) for name in ("one.bin", "two.bin")}
    for name, data in blobs.items():
        (there / name).write_bytes(data)
    async with Session(sshd_spec(openssh_server), ConnectCallbacks(decide_host_key=trust_once),
                       trust=trust_store) as session:
        remote = SftpEndpoint(await session.sftp(), os.fsencode(str(there)), label="sshd")
        remote.worker_ticket = lambda: ticket_for(session)
        request = [((name.encode(),), (name.encode(),)) for name in blobs]
        report = await Transfer(remote, LocalEndpoint(here), request, options(workers_when_busy=0.85)).run()
    procpool.shell_closed(tmp_path)
    assert report.ok, [i.error for i in report.failed]
    assert len(workers.started) == 2 and most == 1
    # Below the app's priority, so the kernel runs the app first when a key arrives on two busy cores.
    assert nices == {os.getpriority(os.PRIO_PROCESS, 0) + procranges.SHELL_NICE}
    ranges = 2 * -(-SIZE // MIB)
    assert parent == [] and workers.ranges == ranges  # the second file's channel waited, copying nothing
    for name, data in blobs.items():
        assert sha((here / name).read_bytes()) == sha(data)
