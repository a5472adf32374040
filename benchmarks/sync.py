"""Folder sync against Debian's sshd on loopback: what a re-sync costs, and planning a big tree.

1. A local tree of 2,000 small files (40 folders) is synced to the server
   once; then 10 files change and the sync runs again.  Prints the planning
   time and what the second run transferred (it must be those 10 and no
   more; the script says so, it never asserts).
2. A 100,000-file tree (100 folders of 1,000) on the server: the time
   OpenSSH's `sftp` takes to list every folder of it (a batch of `ls -1`,
   one per folder: what an `ls -R` would do; sftp has none), against
   sshdeck listing the same tree (scan_tree) and planning a sync of it
   against an identical local copy (both trees listed at once, compared;
   the local tree by a child process, whose CPU is printed apart).

    python benchmarks/sync.py [--small N] [--big N] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import asyncssh  # noqa: E402

from benchmarks.listing import CIPHERS  # noqa: E402
from sshdeck.core.sync import ActionKind, plan_sync, run_plan, scan_tree  # noqa: E402
from sshdeck.core.transfer import LocalEndpoint, SftpEndpoint  # noqa: E402
from tests.support.openssh import OpenSSHServer, find_sshd  # noqa: E402

FIXED = 1_700_000_000


def make_tree(root: Path, files: int, per_folder: int, payload: bytes = b"") -> None:
    flags = os.O_CREAT | os.O_WRONLY | os.O_EXCL
    for index in range(files):
        folder = root / f"dir-{index // per_folder:04d}"
        if index % per_folder == 0:
            folder.mkdir(parents=True)
        path = folder / f"file-{index:06d}.txt"
        fd = os.open(path, flags, 0o644)
        if payload:
            os.write(fd, payload)
        os.close(fd)
        os.utime(path, (FIXED, FIXED))


async def connect(server: OpenSSHServer, known_hosts: Path) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(
        server.host, server.port, username=server.username, client_keys=[str(server.client_key)],
        known_hosts=str(known_hosts), config=None, agent_path=None, preferred_auth="publickey",
        encryption_algs=CIPHERS, window=16 * 1024 * 1024,
    )


async def resync(server: OpenSSHServer, known_hosts: Path, work: Path, count: int) -> None:
    local, remote = work / "small-local", work / "small-remote"
    make_tree(local, count, 50, b"x" * 1024)
    remote.mkdir()
    conn = await connect(server, known_hosts)
    try:
        source, dest = LocalEndpoint(local), SftpEndpoint(await conn.start_sftp_client(), str(remote))
        start = time.perf_counter()
        plan = await plan_sync(source, dest)
        planned = time.perf_counter() - start
        result = await run_plan(source, dest, plan)
        first = time.perf_counter() - start
        print(f"first sync of {count:,} files: planned in {planned:.3f} s, done in {first:.2f} s ({result.summary()})")
        changed = sorted(local.rglob("*.txt"))[:: max(1, count // 10)][:10]
        for path in changed:
            path.write_bytes(b"changed " * 200)
        start = time.perf_counter()
        plan = await plan_sync(source, dest)
        planned = time.perf_counter() - start
        result = await run_plan(source, dest, plan)
        total = time.perf_counter() - start
        updates = plan.count(ActionKind.UPDATE)
        print(f"re-sync after changing {len(changed)}: planning {planned:.3f} s, total {total:.3f} s, "
              f"{updates} updates planned, {result.updated} transferred ({result.summary()})")
        if result.updated != len(changed) or len(plan.actions) != len(changed):
            print(f"  NOTE: expected exactly {len(changed)} transfers, got {len(plan.actions)} actions")
        start = time.perf_counter()
        plan = await plan_sync(source, dest)
        print(f"third plan (nothing changed): {time.perf_counter() - start:.3f} s, {len(plan.actions)} actions")
    finally:
        conn.close()
        await conn.wait_closed()


def children_cpu() -> float:
    """CPU seconds of waited-for child processes so far (the local scan's child; sftp runs are outside the plan)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_sftp(server: OpenSSHServer, known_hosts: Path, batch: Path) -> float:
    command = [
        "sftp", "-q", "-b", str(batch), "-i", str(server.client_key),
        "-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes",
        "-o", "BatchMode=yes", "-F", "/dev/null", "-P", str(server.port), f"{server.username}@{server.host}",
    ]
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


async def big_tree(server: OpenSSHServer, known_hosts: Path, work: Path, count: int, runs: int) -> None:
    remote, local = work / "big-remote", work / "big-local"
    started = time.perf_counter()
    make_tree(remote, count, 1000)
    shutil.copytree(remote, local, copy_function=shutil.copy2)
    print(f"made 2 × {count:,} files in {time.perf_counter() - started:.1f} s")
    batch = work / "ls-batch"
    batch.write_text("".join(f'ls -1 "{folder}"\n' for folder in sorted(remote.iterdir())))
    empty = work / "empty-batch"
    empty.write_text("pwd\n")
    conn = await connect(server, known_hosts)
    times: dict[str, list[float]] = {"sftp": [], "connect": [], "scan": [], "plan": []}
    cpu: dict[str, list[float]] = {"scan": [], "plan": [], "child": []}
    try:
        sftp = await conn.start_sftp_client()
        for _ in range(runs):
            times["sftp"].append(time_sftp(server, known_hosts, batch))
            times["connect"].append(time_sftp(server, known_hosts, empty))
            start, used = time.perf_counter(), time.process_time()
            tree = await scan_tree(SftpEndpoint(sftp, str(remote)))
            times["scan"].append(time.perf_counter() - start)
            cpu["scan"].append(time.process_time() - used)
            start, used, children = time.perf_counter(), time.process_time(), children_cpu()
            plan = await plan_sync(SftpEndpoint(sftp, str(remote)), LocalEndpoint(local))
            times["plan"].append(time.perf_counter() - start)
            cpu["plan"].append(time.process_time() - used)
            cpu["child"].append(children_cpu() - children)
    finally:
        conn.close()
        await conn.wait_closed()
    # Medians: the machine is shared, and a minimum flatters whoever got a quiet moment.
    mid = {name: statistics.median(values) for name, values in times.items()}
    print(f"{len(tree.entries):,} entries listed by sshdeck; the plan has {len(plan.actions)} actions; medians of {runs} runs")
    print(f"OpenSSH sftp, ls -1 of every folder: {mid['sftp']:.3f} s (of which connecting ~{mid['connect']:.3f} s)")
    print(f"sshdeck scan of the remote tree:     {mid['scan']:.3f} s (CPU {statistics.median(cpu['scan']):.3f} s)")
    print(f"sshdeck plan (remote + local tree):  {mid['plan']:.3f} s (CPU {statistics.median(cpu['plan']):.3f} s, "
          f"and {statistics.median(cpu['child']):.3f} s in the local scan's child process)")
    print(f"ratio OpenSSH listing only / sshdeck scan: {(mid['sftp'] - mid['connect']) / mid['scan']:.2f}")
    print(f"ratio OpenSSH listing only / sshdeck plan: {(mid['sftp'] - mid['connect']) / mid['plan']:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if find_sshd() is None or shutil.which("sftp") is None:
        print("needs OpenSSH's sshd and sftp (apt-get install openssh-server openssh-client)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="sshdeck-bench-sync-"))
    try:
        with OpenSSHServer(work / "sshd") as server:
            known_hosts = server.write_known_hosts(work / "known_hosts")
            asyncio.run(resync(server, known_hosts, work, args.small))
            asyncio.run(big_tree(server, known_hosts, work, args.big, args.runs))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
