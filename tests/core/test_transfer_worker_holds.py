"""No worker process starts while the app has a shell tab open (procpool.HOLDS): the shell's echo needs the cores."""

from __future__ import annotations

from pathlib import Path

import pytest

from sshdeck.core.transfer import procpool
from tests.core.worker_support import Workers, copy_through_workers, options, sha


@pytest.mark.parametrize("held", [True, False])
async def test_a_held_process_copies_a_big_file_without_a_worker(
        openssh_server, trust_store, tmp_path: Path, monkeypatch, held: bool) -> None:
    monkeypatch.setattr(procpool, "HOLDS", set())
    import sshdeck.core.transfer.procranges as procranges

    monkeypatch.setattr(procranges, "HOLDS", procpool.HOLDS)
    shell = object()
    if held:
        procpool.hold_workers(shell)
    workers = Workers(monkeypatch)
    if held:
        workers.settled.set()  # nothing to wait for: the parent copies alone
    report, data, arrived = await copy_through_workers(openssh_server, trust_store, tmp_path, "get", options())
    procpool.release_workers(shell)
    assert report.ok, [i.error for i in report.failed]
    assert (workers.started == []) is held  # without the hold the same copy starts one (options(): at once)
    assert sha(arrived.read_bytes()) == sha(data)
    assert procpool.HOLDS == set()
