"""What the worker-process tests share: options that start a worker at once, and a watch on every worker."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
from pathlib import Path

import sshdeck.core.transfer.ranges as ranges_module
from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.session import ConnectSpec, Session
from sshdeck.core.ssh.worker_ticket import ticket_for
from sshdeck.core.transfer import Journal, LocalEndpoint, SftpEndpoint, Transfer, TransferOptions
from sshdeck.core.transfer.procpool import ProcWorker
from sshdeck.core.trust import HostKeyDecision

MIB = 1024 * 1024
SIZE = 12 * MIB + 7
REQUEST = [((b"big.bin",), (b"big.bin",))]



def options(**overrides) -> TransferOptions:
    """1 MiB ranges, and a worker started at once (whatever this process's CPU use: tests count, never time)."""
    values = dict(ranged_from=MIB, range_size=MIB, workers_from=MIB, workers_when_busy=0.0)
    values.update(overrides)
    return TransferOptions(**values)


def sshd_spec(server) -> ConnectSpec:
    return ConnectSpec(host=server.host, port=server.port, user=server.username, ssh_config=None, use_agent=False,
                       identity_files=(str(server.client_key),))


async def trust_once(_check) -> HostKeyDecision:
    return HostKeyDecision.ONCE


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Workers:
    """Every worker process started, the ranges each copied; the parent's own channels wait until a worker
    has copied its first range or failed to start, so the worker surely gets work whatever the machine's speed."""

    def __init__(self, monkeypatch, kill_in_range: int | None = None, loopback: bool = True) -> None:
        self.started: list[ProcWorker] = []
        self.refused: list[str] = []
        self.seen: list[bytes] = []  # each running worker's command line and environment
        self.ranges = 0
        self.calls = 0
        self.killed = 0
        self.kill_in_range = kill_in_range
        self.settled = asyncio.Event()
        real_start, real_copy, real_pump = ProcWorker.start, ProcWorker.copy, ranges_module.pump
        watch = self

        async def start(worker, *args, **kwargs):
            watch.started.append(worker)
            try:
                await real_start(worker, *args, **kwargs)
            except BaseException:
                watch.refused.append(worker.reason or "")
                watch.settled.set()
                raise
            proc = Path(f"/proc/{worker.pid}")
            watch.seen.append((proc / "cmdline").read_bytes() + (proc / "environ").read_bytes())

        async def copy(worker, span, landed):
            watch.calls += 1
            number = watch.calls

            def counted(count: int) -> None:
                landed(count)
                if number == watch.kill_in_range and not watch.killed:
                    watch.killed += 1
                    os.kill(worker.pid, signal.SIGKILL)  # mid-range: some of its bytes are written, some not

            await real_copy(worker, span, counted)
            watch.ranges += 1
            watch.settled.set()

        async def held_pump(*args, **kwargs):
            await asyncio.wait_for(watch.settled.wait(), 60)
            return await real_pump(*args, **kwargs)

        monkeypatch.setattr(ProcWorker, "start", start)
        monkeypatch.setattr(ProcWorker, "copy", copy)
        monkeypatch.setattr(ranges_module, "pump", held_pump)
        # Loopback, whatever the machine's load: a first request slowed past 10 ms by a busy machine
        # would take the link for a far one, where no worker starts (the full suite failed so once).
        if loopback:
            import sshdeck.core.transfer.procranges as procranges
            monkeypatch.setattr(ranges_module, "far_link", lambda _remote: False)
            monkeypatch.setattr(procranges, "far_link", lambda _remote: False)

    def all_ended(self) -> bool:
        return all(w.process is not None and w.process.returncode is not None for w in self.started)


async def copy_through_workers(server, trust_store, tmp_path: Path, direction: str, opts: TransferOptions,
                               journal: Journal | None = None, ticket=None, during=None):
    """(report, data, arrived path) of one copy of a SIZE file with the session's worker ticket."""
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir(exist_ok=True)
    there.mkdir(exist_ok=True)
    source_file = (there if direction == "get" else here) / "big.bin"
    if not source_file.exists():
        source_file.write_bytes(os.urandom(SIZE))
    data = source_file.read_bytes()
    async with Session(sshd_spec(server), ConnectCallbacks(decide_host_key=trust_once), trust=trust_store) as session:
        remote = SftpEndpoint(await session.sftp(), os.fsencode(str(there)), label="sshd")
        remote.worker_ticket = lambda: (ticket or ticket_for)(session)
        local = LocalEndpoint(here)
        source, dest = (remote, local) if direction == "get" else (local, remote)
        transfer = Transfer(source, dest, REQUEST, opts, journal=journal)
        if during is None:
            report = await transfer.run()
        else:
            running = asyncio.ensure_future(transfer.run())
            await during(transfer)
            report = await running
    return report, data, (here if direction == "get" else there) / "big.bin"
