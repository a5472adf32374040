"""Where the CPU goes in one big transfer: seconds of CPU (user + sys) per GiB for sshd and for each client.

Starts Debian's sshd on loopback (tests/support/openssh.py) and copies one big
file with OpenSSH's `sftp -b` and with `sshdeck cp`, get and put, alternating,
each a whole process.  For every run it reads:

- the client's CPU: `os.wait4` on the client process (user + sys, including
  its own waited-for children: `sftp` runs `ssh`, and that CPU is counted);
- the server's CPU: every process below the listening sshd (the connection's
  privilege-separated processes and internal-sftp) is sampled from
  /proc/PID/stat every 10 ms while the client runs, and the last `utime +
  stime` seen of each is summed: everything the server spent on that
  connection (key exchange, crypto, internal-sftp, disk), less at most 10 ms
  per process.  (The listener's `cutime` is not used: sshd's processes do not
  all reap their children, so it misses some of them.)
- with `--rtt`, the relay's own CPU (tcp_delay_proxy.py, a Python process on
  the same cores).

and prints, per GiB: wall seconds, CPU seconds of each side, and their sum
divided by the wall time — the cores in use.  On a 2-core machine a sum near
2.0 means both cores were busy for the whole copy: neither tool can go faster
there without spending less CPU per byte.

    python benchmarks/cpu.py [--mib N] [--runs N] [--rtt MS] [--ciphers] [--workers] [--profile FILE]

`--workers` adds `sshdeck cp` with a worker process forced on and forced off
(benchmarks/cp_workers.py): its client CPU includes the worker's.
`--ciphers` adds OpenSSH's `sftp` forced to aes128-gcm@openssh.com (sshdeck's
first choice; OpenSSH's own first choice is chacha20-poly1305), to tell the
cipher's share from the tool's.  `--profile FILE` runs `sshdeck cp` under
cProfile (one get, stats written to FILE) instead.  Nothing is asserted; read medians.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.shipped import Bench, compile_package, sshdeck_argv  # noqa: E402
from tests.support.openssh import OpenSSHServer  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def own_cpu(pid: int) -> float:
    """CPU seconds `pid` itself used so far (utime + stime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def children_of(pid: int) -> list[int]:
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out.extend(int(child) for child in (task / "children").read_text().split())
    except OSError:  # it ended meanwhile
        pass
    return out


def has_children(pid: int) -> bool:
    return bool(children_of(pid))


class TreeSampler(threading.Thread):
    """CPU seconds of every process below `pid`, sampled until stopped (see the module's docstring)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.seen: dict[tuple[int, int], float] = {}  # (pid, start time) -> last utime + stime
        self.stopping = threading.Event()

    def sample(self) -> None:
        pending = children_of(self.pid)
        while pending:
            pid = pending.pop()
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self.seen[(pid, int(fields[19]))] = (int(fields[11]) + int(fields[12])) / TICK
            pending.extend(children_of(pid))

    def run(self) -> None:
        while not self.stopping.wait(0.01):
            self.sample()

    def stop(self) -> float:
        self.stopping.set()
        self.join()
        return sum(self.seen.values())


@dataclass
class Sample:
    wall: float
    client: float
    server: float
    relay: float
    rss: float = 0.0  # the client's peak RSS, MB


@dataclass
class Row:
    label: str
    samples: list[Sample] = field(default_factory=list)


def run(argv: list[str], env: dict[str, str] | None, sshd_pid: int, relay_pid: int | None) -> Sample:
    sampler = TreeSampler(sshd_pid)
    sampler.start()
    before_relay = own_cpu(relay_pid) if relay_pid else 0.0
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv[:3])}… failed: {error[-500:]}")
    # The connection's sshd processes end just after the client.
    deadline = time.monotonic() + 10
    while has_children(sshd_pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    server = sampler.stop()
    relay = own_cpu(relay_pid) - before_relay if relay_pid else 0.0
    return Sample(wall, usage.ru_utime + usage.ru_stime, server, relay, usage.ru_maxrss / 1024)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="file size in MiB (default 1024)")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool and direction (default 3; medians)")
    parser.add_argument("--rtt", type=int, default=0, help="round trip in ms added by a relay (default 0: loopback)")
    parser.add_argument("--ciphers", action="store_true", help="also OpenSSH's sftp with aes128-gcm@openssh.com")
    parser.add_argument("--only", choices=("get", "put"), help="one direction only")
    parser.add_argument("--compare-with", metavar="DIR",
                        help="also run the sshdeck package found in DIR (e.g. `git archive` of an older commit), "
                             "to compare before and after in one run")
    parser.add_argument("--profile", metavar="FILE", help="run one `sshdeck cp` under cProfile, stats to FILE")
    parser.add_argument("--workers", action="store_true",
                        help="also `sshdeck cp` with a worker process forced on, and forced off (benchmarks/cp_workers.py)")
    args = parser.parse_args()
    gib = args.mib / 1024
    compile_package()
    if args.compare_with:
        compile_package(Path(args.compare_with).resolve())
    with tempfile.TemporaryDirectory(prefix="sshdeck-cpu-") as tmp:
        work = Path(tmp)
        remote, local, out = work / "remote", work / "local", work / "out"
        for folder in (remote, local, out):
            folder.mkdir()
        chunk = os.urandom(1024 * 1024)
        with open(remote / "big.bin", "wb") as handle:
            for index in range(args.mib):
                handle.write(chunk[index % 7:] + chunk[: index % 7])
        os.link(remote / "big.bin", local / "big.bin")
        relay = None
        with OpenSSHServer(work / "sshd") as server:
            sshd_pid = server._process.pid  # noqa: SLF001 - the listener whose children are the connections
            bench = Bench(work, server)
            port = server.port
            try:
                if args.rtt:
                    relay = subprocess.Popen(
                        [sys.executable, str(REPO / "benchmarks" / "tcp_delay_proxy.py"), str(server.port),
                         str(args.rtt // 2)],
                        stdout=subprocess.PIPE,
                    )
                    port = int(relay.stdout.readline())
                bench.add_port(port)
                rows = measure(bench, port, remote, local, out, args, sshd_pid, relay.pid if relay else None)
            finally:
                if relay is not None:
                    relay.terminate()
                    relay.wait()
        report(rows, gib, args)
    return 0


def measure(bench: Bench, port: int, remote: Path, local: Path, out: Path, args, sshd_pid: int,
            relay_pid: int | None) -> list[Row]:
    def sftp(commands: str, cipher: str | None) -> list[str]:
        batch = bench.work / "batch"
        batch.write_text(commands)
        return [
            "sftp", "-q", "-b", str(batch), "-P", str(port), "-i", str(bench.server.client_key),
            "-F", "/dev/null", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            *(["-o", f"Ciphers={cipher}"] if cipher else []),
            "-o", f"UserKnownHostsFile={bench.known_hosts}", "-o", "StrictHostKeyChecking=yes",
            f"{bench.server.username}@127.0.0.1",
        ]

    def sshdeck(*args_: str) -> list[str]:
        command = sshdeck_argv()
        if args.profile:
            command = [sys.executable, "-m", "cProfile", "-o", args.profile, command[-1]]
        return [*command, "cp", "-F", str(bench.work / "ssh_config"), "--batch", *args_]

    tools: list[tuple[str, object]] = [] if args.profile else [("OpenSSH sftp", None)]
    if args.ciphers and not args.profile:
        tools.append(("sftp aes128-gcm", "aes128-gcm@openssh.com"))
    if args.compare_with:
        tools.append(("sshdeck cp (before)", "before"))
    tools.append(("sshdeck cp", "sshdeck"))
    if args.workers and not args.profile:
        tools += [("cp, no worker", "never"), ("cp, 1 worker", "force")]
    rows: dict[str, Row] = {}
    directions = [args.only] if args.only else ["get", "put"]
    for direction in directions:
        for _ in range(args.runs):  # alternate, so drift hurts every tool alike
            for name, how in tools:
                for path in out.iterdir():
                    path.unlink() if path.is_file() else shutil.rmtree(path)
                ours = how in ("sshdeck", "before", "never", "force")
                if direction == "get":
                    argv = (sshdeck(f"bench{port}:{remote / 'big.bin'}", str(out)) if ours
                            else sftp(f"get {remote / 'big.bin'} {out / 'big.bin'}\n", how))
                else:
                    argv = (sshdeck(str(local / "big.bin"), f"bench{port}:{out}") if ours
                            else sftp(f"put {local / 'big.bin'} {out / 'big.bin'}\n", how))
                if how in ("never", "force"):  # the same command through the wrapper that forces the choice
                    argv = [sys.executable, str(REPO / "benchmarks" / "cp_workers.py"), how, *argv[argv.index("cp"):]]
                env = bench.env if ours else None
                if how == "before":
                    env = dict(bench.env, PYTHONPATH=str(Path(args.compare_with).resolve()))
                sample = run(argv, env, sshd_pid, relay_pid)
                assert (out / "big.bin").stat().st_size == args.mib * 1024 * 1024, "size differs"
                label = f"{direction} {name}"
                rows.setdefault(label, Row(label)).samples.append(sample)
                print(f"  {label:24} wall {sample.wall:6.2f} s  client {sample.client:6.2f} s  "
                      f"sshd {sample.server:6.2f} s" + (f"  relay {sample.relay:6.2f} s" if relay_pid else ""),
                      flush=True)
    return list(rows.values())


def report(rows: list[Row], gib: float, args) -> None:
    print()
    where = f"{args.rtt} ms round trip through a relay" if args.rtt else "loopback"
    print(f"per GiB, medians of {args.runs} run(s), {where}, {os.cpu_count()} CPUs; CPU = user + sys seconds")
    relay = " relay CPU" if args.rtt else ""
    print(f"{'case':24} {'wall':>7} {'client CPU':>11} {'sshd CPU':>9}{relay} {'cores busy':>11}")
    for row in rows:
        wall = statistics.median(s.wall for s in row.samples) / gib
        client = statistics.median(s.client for s in row.samples) / gib
        server = statistics.median(s.server for s in row.samples) / gib
        relay_cpu = statistics.median(s.relay for s in row.samples) / gib
        busy = statistics.median((s.client + s.server + s.relay) / s.wall for s in row.samples)
        extra = f" {relay_cpu:9.2f}s" if args.rtt else ""
        print(f"{row.label:24} {wall:6.2f}s {client:10.2f}s {server:8.2f}s{extra} {busy:11.2f}")


if __name__ == "__main__":
    sys.exit(main())
