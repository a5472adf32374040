"""The bandwidth limit as users run it: `sshdeck cp --limit 8M` of a 64 MiB upload, and OpenSSH's `sftp -l`.

Starts Debian's sshd on loopback (as shipped.py does) and times whole
processes: a limited upload with `sshdeck cp --limit RATE` and with
OpenSSH's `sftp -l` at the same rate (which takes Kbit/s), then each
unlimited for reference.  Prints the achieved rate of each against the limit
(the time includes starting, connecting and logging in, so a limited copy
comes out a little under its limit).  Nothing is asserted: read the medians.

    python benchmarks/limit.py [--mib 64] [--limit 8M] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.shipped import Bench, fresh, run_timed  # noqa: E402
from sshdeck.core.transfer.rate_limit import format_rate, parse_rate  # noqa: E402
from tests.support.openssh import OpenSSHServer  # noqa: E402

MIB = 1024 * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=64, help="size of the file to upload (default 64 MiB)")
    parser.add_argument("--limit", default="8M", help="the limit, as `sshdeck cp --limit` takes it (default 8M)")
    parser.add_argument("--runs", type=int, default=3, help="runs per case (default 3; medians)")
    args = parser.parse_args()
    rate = parse_rate(args.limit)
    kbits = max(1, round(rate * 8 / 1000))  # sftp -l: Kbit/s
    size = args.mib * MIB
    with tempfile.TemporaryDirectory(prefix="sshdeck-limit-") as tmp:
        work = Path(tmp)
        (work / "local").mkdir()
        with open(work / "local" / "big.bin", "wb") as handle:
            for _ in range(args.mib):
                handle.write(bytes(range(256)) * 4096)
        out = work / "out"
        with OpenSSHServer(work / "sshd") as server:
            bench = Bench(work, server)
            bench.add_port(server.port)
            target = f"bench{server.port}:{out}"
            put = f"put {work / 'local' / 'big.bin'} {out}/big.bin\n"
            cases = [
                (f"sshdeck cp --limit {args.limit}", rate,
                 lambda: bench.sshdeck("cp", "--limit", args.limit, str(work / "local" / "big.bin"), target)),
                (f"sftp -l {kbits}", rate, lambda: sftp_limited(bench, server.port, put, kbits)),
                ("sshdeck cp (no limit)", 0, lambda: bench.sshdeck("cp", str(work / "local" / "big.bin"), target)),
                ("sftp (no limit)", 0, lambda: bench.sftp(server.port, put)),
            ]
            results: dict[str, list[float]] = {label: [] for label, _r, _c in cases}
            for _ in range(args.runs):
                for label, _limit, command in cases:
                    fresh(out)
                    seconds, _rss = command()
                    if (out / "big.bin").stat().st_size != size:
                        raise SystemExit(f"{label}: the upload is incomplete")
                    results[label].append(seconds)
                    print(f"  {label:28} {seconds:7.2f} s", flush=True)
    print(f"\n{args.mib} MiB put, loopback, whole processes, medians of {args.runs}:")
    print("| command | limit | time | achieved | of the limit |")
    print("| --- | --- | --- | --- | --- |")
    for label, limit, _command in cases:
        seconds = statistics.median(results[label])
        achieved = size / seconds
        share = f"{achieved / limit:.0%}" if limit else "—"
        print(f"| `{label}` | {format_rate(limit) if limit else 'none'} | {seconds:.2f} s | "
              f"{format_rate(int(achieved))} | {share} |")
    return 0


def sftp_limited(self: Bench, port: int, commands: str, kbits: int) -> tuple[float, float]:
    """`sftp -l KBITS`: OpenSSH's own bandwidth limit (as `Bench.sftp`, plus -l)."""
    batch = self.work / "batch"
    batch.write_text(commands)
    return run_timed([
        "sftp", "-q", "-l", str(kbits), "-b", str(batch), "-P", str(port), "-i", str(self.server.client_key),
        "-F", "/dev/null", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
        "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=yes",
        f"{self.server.username}@127.0.0.1",
    ])

if __name__ == "__main__":
    raise SystemExit(main())
