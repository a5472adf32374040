"""sshdeck as users run it: the `sshdeck` command against OpenSSH's `sftp`, whole processes, same run.

Starts Debian's sshd on loopback (tests/support/openssh.py), and a relay adding
latency for the long-link cases (tcp_delay_proxy.py, its own process).  Each
case runs OpenSSH's `sftp -b` and `sshdeck cp` / `sshdeck ls` alternately,
each as a fresh process that starts, connects, checks the host key against a
known_hosts file, logs in with a key, transfers and exits — what a user or a
script pays.  Prints each run, then the medians, the ratio OpenSSH ÷ sshdeck
(above 1: sshdeck is faster), the issue's target, and each tool's peak RSS.

sshdeck runs in a private HOME (its own known_hosts holds the server's key);
OpenSSH gets the same key through UserKnownHostsFile.  Nothing is asserted:
these machines are shared and noisy, so read medians, not single runs.

A second table is the proof for targets out of reach: for each case, the CPU
seconds (user + sys) of every process of the sshdeck run — the client (wait4),
sshd's processes for its connection (sampled from /proc, see cpu.py) and the
latency relay (a Python process on the same cores) — and the floor they set:
their sum ÷ the machine's cores.  No tool can finish faster than its CPU allows
on a machine it shares with its server, so the best ratio reachable at that CPU
is OpenSSH's time ÷ the floor; where that is under the target, the target is out
of reach unless sshdeck's CPU per byte (or per file) falls.  That CPU floor
ignores that part of every run is serial: starting, logging in and opening the
file are round trips one after the other, ~10 of them, 1 s at 100 ms.  So each
single-file case also copies a 1-byte file the same way after each sshdeck run,
and the sound floor is that copy's wall time plus the rest of the CPU (the big
run's minus the 1-byte run's) ÷ cores; the verdict comes from it (floor_table).

`--compare-with DIR` also runs the sshdeck package found in DIR (e.g. `git archive`
of an older commit, or a checkout) as a third tool in the same alternation: before
and after, in one session.

    python benchmarks/shipped.py [--quick] [--runs N] [--only 'SUBSTRING[|SUBSTRING…]'] [--compare-with DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.openssh import OpenSSHServer  # noqa: E402


def sshdeck_argv() -> list[str]:
    script = Path(sys.executable).parent / "sshdeck"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sshdeck"]


def compile_package(root: Path = REPO) -> None:
    """Byte-compile sshdeck as `pip install` does, so no run pays for compiling its modules.

    A checkout run with PYTHONDONTWRITEBYTECODE (as on the project's machine) would otherwise
    compile every sshdeck module from source on each start: ~0.1 s of a 1-byte copy that no
    installed copy pays.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "sshdeck")], check=True,
                   stdout=subprocess.DEVNULL)


def run_timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])}… failed ({process.returncode}): {error[-500:]}")
    return elapsed, usage.ru_maxrss / 1024


@dataclass
class Case:
    label: str
    target: float
    openssh: list[float] = field(default_factory=list)
    sshdeck: list[float] = field(default_factory=list)
    before: list[float] = field(default_factory=list)  # --compare-with: the older sshdeck
    openssh_rss: float = 0.0
    sshdeck_rss: float = 0.0
    samples: list = field(default_factory=list)  # cpu.Sample of each sshdeck run: client, sshd and relay CPU
    # cpu.Sample of a 1-byte copy the same way at the same round trip, after each sshdeck run: its wall
    # time is the part no CPU can shorten (start, login, open, close: all serial round trips).
    serial: list = field(default_factory=list)


class Bench:
    def __init__(self, work: Path, server: OpenSSHServer) -> None:
        self.work = work
        self.server = server
        self.home = work / "home"
        (self.home / ".ssh").mkdir(parents=True)
        self.env = dict(os.environ, HOME=str(self.home), XDG_CONFIG_HOME=str(self.home / ".config"),
                        XDG_DATA_HOME=str(self.home / ".local/share"), XDG_STATE_HOME=str(self.home / ".local/state"),
                        XDG_CACHE_HOME=str(self.home / ".cache"))
        self.env.pop("SSH_AUTH_SOCK", None)
        self.known_hosts = work / "known_hosts"
        self.ports: list[int] = []
        self.sshd_pid = 0  # the listening sshd: its children are the connections (CPU sampled per run)
        self.relays: dict[int, int] = {}  # relay port -> relay process id
        self.port = 0  # the case's port: whose relay's CPU counts
        self.before: Path | None = None  # --compare-with
        self.last = None  # the cpu.Sample of the latest run

    def run(self, argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
        """Run one whole process; its wall time and peak RSS, its CPU and the server's in `self.last`."""
        from benchmarks.cpu import run  # here: cpu.py imports this module

        if not self.sshd_pid:
            return run_timed(argv, env)
        self.last = run(argv, env, self.sshd_pid, self.relays.get(self.port))
        return self.last.wall, self.last.rss

    def add_port(self, port: int) -> None:
        """Trust the server's key at this port, for both tools, and name it `benchN` in an ssh_config."""
        self.ports.append(port)
        key_type, key = self.server.host_public_key().split()[:2]
        lines = "".join(f"[127.0.0.1]:{p} {key_type} {key}\n" for p in self.ports)
        self.known_hosts.write_text(lines)
        own = self.home / ".config" / "sshdeck"
        own.mkdir(parents=True, exist_ok=True, mode=0o700)
        (own / "known_hosts").write_text(lines)
        config = "".join(
            f"Host bench{p}\n  HostName 127.0.0.1\n  Port {p}\n  User {self.server.username}\n"
            f"  IdentityFile {self.server.client_key}\n  IdentitiesOnly yes\n"
            for p in self.ports
        )
        (self.work / "ssh_config").write_text(config)

    def sftp(self, port: int, commands: str) -> tuple[float, float]:
        batch = self.work / "batch"
        batch.write_text(commands)
        return self.run([
            "sftp", "-q", "-b", str(batch), "-P", str(port), "-i", str(self.server.client_key),
            "-F", "/dev/null", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=yes",
            f"{self.server.username}@127.0.0.1",
        ])

    def sshdeck(self, *args: str, before: bool = False) -> tuple[float, float]:
        env = dict(self.env, PYTHONPATH=str(self.before)) if before and self.before else self.env
        return self.run([*sshdeck_argv(), *args[:1], "-F", str(self.work / "ssh_config"), "--batch", *args[1:]],
                        env=env)


def fresh(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    path.mkdir(parents=True)


def make_tree(root: Path, big_mib: int, far_mib: int, small: int, small_far: int, listing: int) -> None:
    root.mkdir(parents=True)
    chunk = os.urandom(1024 * 1024)
    for name, mib in (("big.bin", big_mib), ("far.bin", far_mib)):
        with open(root / name, "wb") as handle:
            for index in range(mib):
                handle.write(chunk[index % 7:] + chunk[: index % 7])
    (root / "one-byte").write_bytes(b"x")
    for folder, count in (("small", small), ("small200", small_far)):
        (root / folder).mkdir()
        for index in range(count):
            (root / folder / f"f{index:05d}").write_bytes(os.urandom(4096))
    (root / "many").mkdir()
    for index in range(listing):
        (root / "many" / f"entry-{index:06d}.txt").touch()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, 1 run: a smoke test of the script")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool and case (default 3; medians)")
    parser.add_argument("--only", default="", help="run only cases whose label contains this text "
                        "(several: separated by '|', e.g. '1-byte|GiB get|MiB get, 100 ms')")
    parser.add_argument("--compare-with", metavar="DIR",
                        help="also run the sshdeck package in DIR (e.g. `git archive` of an older commit) "
                             "as a third tool, alternating: before and after in one session")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    big, small, listing = (32, 200, 5000) if args.quick else (1024, 2000, 100_000)
    far_big = 32 if args.quick else 256
    compile_package()
    before = Path(args.compare_with).resolve() if args.compare_with else None
    if before is not None:
        compile_package(before)
    with tempfile.TemporaryDirectory(prefix="sshdeck-shipped-") as tmp:
        work = Path(tmp)
        remote, local, out = work / "remote", work / "local", work / "out"
        make_tree(remote, big, far_big, small, 200, listing)
        shutil.copytree(remote, local, ignore=shutil.ignore_patterns("many"))
        with OpenSSHServer(work / "sshd") as server:
            bench = Bench(work, server)
            bench.sshd_pid = server._process.pid  # noqa: SLF001 - the listener whose children are the connections
            bench.before = before
            bench.add_port(server.port)
            proxies = {}
            try:
                for delay_ms in (10, 50):  # each way: 20 ms and 100 ms round trips
                    proxy = subprocess.Popen(
                        [sys.executable, str(REPO / "benchmarks" / "tcp_delay_proxy.py"), str(server.port), str(delay_ms)],
                        stdout=subprocess.PIPE,
                    )
                    proxies[delay_ms * 2] = (proxy, int(proxy.stdout.readline()))
                    bench.add_port(proxies[delay_ms * 2][1])
                    bench.relays[proxies[delay_ms * 2][1]] = proxy.pid
                cases = plan(remote, local, out, big, small, listing, far_big, server.port,
                             proxies[20][1], proxies[100][1])
                results = []
                for label, target, theirs, ours, check in cases:
                    if args.only and not any(part in label for part in args.only.split("|")):
                        continue
                    case = Case(label, target)
                    bench.port = ours.port  # type: ignore[attr-defined]
                    tools = [("OpenSSH", theirs, case.openssh), ("sshdeck", ours, case.sshdeck)]
                    if before is not None:
                        tools.append(("before", lambda b, ours=ours: ours(b, before=True), case.before))
                    for _ in range(runs):  # alternate, so drift hurts every tool alike
                        for name, command, times in tools:
                            fresh(out)
                            seconds, rss = command(bench)
                            check()
                            times.append(seconds)
                            if name == "OpenSSH":
                                case.openssh_rss = max(case.openssh_rss, rss)
                            elif name == "sshdeck":
                                case.sshdeck_rss = max(case.sshdeck_rss, rss)
                                case.samples.append(bench.last)
                                if hasattr(command, "serial") and bench.sshd_pid:
                                    last = bench.last
                                    fresh(out)
                                    command.serial(bench)
                                    case.serial.append(bench.last)
                                    bench.last = last
                            cpu = "" if bench.last is None else (
                                f"  CPU client {bench.last.client:5.2f} s sshd {bench.last.server:5.2f} s"
                                + (f" relay {bench.last.relay:5.2f} s" if bench.port in bench.relays else ""))
                            print(f"  {label:34} {name:8} {seconds:7.2f} s  {rss:6.0f} MB{cpu}", flush=True)
                    results.append(case)
            finally:
                for proxy, _port in proxies.values():
                    proxy.terminate()
                    proxy.wait()
        report(results, runs)
    return 0


def plan(remote: Path, local: Path, out: Path, big: int, small: int, listing: int, far_big: int,
         port: int, port20: int, port100: int):
    """(label, target, OpenSSH command, sshdeck command, check) for each case."""

    def same_size(path: Path, original: Path):
        def check() -> None:
            if original.is_dir():
                assert len(os.listdir(path)) == len(os.listdir(original)), f"{path}: file count differs"
            else:
                assert path.stat().st_size == original.stat().st_size, f"{path}: size differs"
        return check

    def remote_out(name: str) -> Path:
        return out / name

    def at(p: int, command):
        command.port = p  # whose relay's CPU counts
        return command

    def get(p: int, name: str, recurse: bool):
        flag = "-r " if recurse else ""
        theirs = lambda b: b.sftp(p, f"get {flag}{remote / name} {out / name}\n")  # noqa: E731
        ours = lambda b, before=False: b.sshdeck(  # noqa: E731
            "cp", *(["-r"] if recurse else []), f"bench{p}:{remote / name}", str(out), before=before)
        if not recurse and name != "one-byte":  # the serial part of the floor (floor_table)
            ours.serial = lambda b: b.sshdeck("cp", f"bench{p}:{remote / 'one-byte'}", str(out))
        return theirs, at(p, ours), same_size(out / name, remote / name)

    def put(p: int, name: str, recurse: bool):
        flag = "-r " if recurse else ""
        theirs = lambda b: b.sftp(p, f"put {flag}{local / name} {remote_out(name)}\n")  # noqa: E731
        ours = lambda b, before=False: b.sshdeck(  # noqa: E731
            "cp", *(["-r"] if recurse else []), str(local / name), f"bench{p}:{out}", before=before)
        if not recurse:
            ours.serial = lambda b: b.sshdeck("cp", str(local / "one-byte"), f"bench{p}:{out}")
        return theirs, at(p, ours), same_size(remote_out(name), local / name)

    def listing_case(p: int):
        theirs = lambda b: b.sftp(p, f"ls -1 {remote / 'many'}\n")  # noqa: E731
        ours = lambda b, before=False: b.sshdeck("ls", f"bench{p}:{remote / 'many'}", before=before)  # noqa: E731
        return theirs, at(p, ours), lambda: None

    size = f"{big // 1024} GiB" if big >= 1024 else f"{big} MiB"
    return [
        ("1-byte get (fixed cost)", 0.6, *get(port, "one-byte", False)),
        (f"{size} get, loopback", 1.2, *get(port, "big.bin", False)),
        (f"{size} put, loopback", 1.2, *put(port, "big.bin", False)),
        (f"{small:,} x 4 KiB get -r, loopback", 1.2, *get(port, "small", True)),
        (f"{small:,} x 4 KiB put -r, loopback", 1.2, *put(port, "small", True)),
        (f"{far_big} MiB get, 20 ms RTT", 3.0, *get(port20, "far.bin", False)),
        (f"{far_big} MiB put, 20 ms RTT", 3.0, *put(port20, "far.bin", False)),
        (f"{far_big} MiB get, 100 ms RTT", 8.0, *get(port100, "far.bin", False)),
        ("200 x 4 KiB get -r, 20 ms RTT", 10.0, *get(port20, "small200", True)),
        ("200 x 4 KiB put -r, 20 ms RTT", 10.0, *put(port20, "small200", True)),
        (f"{listing:,}-entry ls", 1.5, *listing_case(port)),
    ]


def report(results: list[Case], runs: int) -> None:
    print()
    print(f"medians of {runs} run(s); ratio = OpenSSH ÷ sshdeck (above 1: sshdeck is faster); {os.cpu_count()} CPUs")
    before = any(case.before for case in results)
    extra = f" {'before':>9} {'ratio':>6}" if before else ""
    print(f"{'case':36} {'OpenSSH':>9} {'sshdeck':>9} {'ratio':>6}{extra} {'target':>7}  {'RSS OpenSSH/sshdeck':>20}")
    for case in results:
        theirs, ours = statistics.median(case.openssh), statistics.median(case.sshdeck)
        ratio = theirs / ours
        mark = "" if ratio >= case.target else "  (missed)"
        old = ""
        if before:
            then = statistics.median(case.before) if case.before else float("nan")
            old = f" {then:8.2f}s {theirs / then:6.2f}"
        print(f"{case.label:36} {theirs:8.2f}s {ours:8.2f}s {ratio:6.2f}{old} {case.target:7.1f}  "
              f"{case.openssh_rss:8.0f} / {case.sshdeck_rss:.0f} MB{mark}")
    floor_table(results)


def floor_table(results: list[Case]) -> None:
    """The floor of each case, as a Markdown table for the README (medians of the sshdeck runs).

    Two floors.  The CPU floor: total CPU (client + sshd + relay) ÷ cores, as if every
    second of the run could keep every core busy.  The sound floor adds what no core can
    shorten: the same copy of a 1-byte file at the same round trip, run after each sshdeck
    run, is all serial (interpreter start, imports, TCP, key exchange, login, channel,
    SFTP start, open, close, exit: round trips, one after the other), so its wall time is
    paid in full, and only the rest of the CPU — the big run's minus the 1-byte run's —
    can be spread over the cores: floor = wall(1 byte) + (CPU(big) − CPU(1 byte)) ÷ cores.
    The verdict comes from the sound floor where a case has one (single-file copies).
    """
    rows = [case for case in results if case.samples]
    if not rows:
        return
    cores = os.cpu_count() or 1
    print()
    print(f"Floors of the sshdeck runs (medians; CPU = user + sys seconds of client, sshd and relay; {cores} cores)")
    print(f"CPU floor = total CPU ÷ {cores}; sound floor = 1-byte copy's wall time at the same round trip "
          f"(serial) + (total CPU − its CPU) ÷ {cores};")
    print("best = OpenSSH's time ÷ floor: the best ratio this machine allows at sshdeck's CPU and round trips")
    print()
    print("| case | sshdeck | client CPU | sshd CPU | relay CPU | total CPU | CPU floor | best | 1-byte wall "
          "| 1-byte CPU | sound floor | best | OpenSSH | target | |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for case in rows:
        client = statistics.median(s.client for s in case.samples)
        server = statistics.median(s.server for s in case.samples)
        relay = statistics.median(s.relay for s in case.samples)
        total = statistics.median(s.client + s.server + s.relay for s in case.samples)
        floor = total / cores
        theirs, ours = statistics.median(case.openssh), statistics.median(case.sshdeck)
        best = theirs / floor if floor else float("inf")
        sound = best_sound = None
        serial_wall = serial_cpu = "—"
        if case.serial:
            wall = statistics.median(s.wall for s in case.serial)
            cpu = statistics.median(s.client + s.server + s.relay for s in case.serial)
            sound = wall + max(total - cpu, 0.0) / cores
            best_sound = theirs / sound
            serial_wall, serial_cpu = f"{wall:.2f} s", f"{cpu:.2f} s"
        reach = best_sound if best_sound is not None else best
        beyond = "out of reach at this CPU and these round trips" if sound is not None else "out of reach at this CPU"
        verdict = "met" if theirs / ours >= case.target else beyond if reach < case.target else "reachable"
        sound_text = f"{sound:.2f} s | {best_sound:.2f}" if sound is not None else "— | —"
        print(f"| {case.label} | {ours:.2f} s | {client:.2f} s | {server:.2f} s | {relay:.2f} s | {total:.2f} s "
              f"| {floor:.2f} s | {best:.2f} | {serial_wall} | {serial_cpu} | {sound_text} | {theirs:.2f} s "
              f"| {case.target:g} | {verdict} |")


if __name__ == "__main__":
    sys.exit(main())
