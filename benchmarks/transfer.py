"""sshdeck's transfer engine against OpenSSH's `sftp`, same sshd, same run.

Starts Debian's sshd on loopback (tests/support/openssh.py), then times:
a 256 MiB get and put, 2,000 x 4 KiB files get -r / put -r, and the big file
and 200 small files through a proxy adding 10 ms each way (20 ms RTT).
Both clients' times include connecting.  OpenSSH runs with its default
ciphers (what users get); sshdeck prefers AES-GCM.  Prints each time and the
ratio OpenSSH / sshdeck (higher is better for sshdeck).

    python benchmarks/transfer.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import asyncssh  # noqa: E402

from sshdeck.core.transfer import LocalEndpoint, SftpEndpoint, Transfer, TransferOptions  # noqa: E402
from tests.support.openssh import OpenSSHServer  # noqa: E402

GCM = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com"]
TARGETS = {"big loopback": 1.1, "small loopback": 1.0, "big 20ms": 3.0, "small 20ms": 10.0}


class Bench:
    def __init__(self, work: Path, server: OpenSSHServer) -> None:
        self.work = work
        self.server = server
        self.known_hosts = work / "known_hosts"

    def known_for(self, port: int) -> str:
        key_type, key = self.server.host_public_key().split()[:2]
        return f"[127.0.0.1]:{port} {key_type} {key}\n"

    # -- OpenSSH ---------------------------------------------------------------------

    def sftp(self, port: int, commands: str) -> float:
        self.known_hosts.write_text(self.known_for(port))
        batch = self.work / "batch"
        batch.write_text(commands)
        argv = [
            "sftp", "-q", "-b", str(batch), "-P", str(port), "-i", str(self.server.client_key),
            "-F", "/dev/null", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=yes",
            f"{self.server.username}@127.0.0.1",
        ]
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    # -- sshdeck ---------------------------------------------------------------------

    async def sshdeck(self, port: int, remote_root: Path, local_root: Path, name: str, upload: bool) -> float:
        start = time.perf_counter()
        conn = await asyncssh.connect(
            "127.0.0.1", port, username=self.server.username, client_keys=[str(self.server.client_key)],
            known_hosts=asyncssh.import_known_hosts(self.known_for(port)), config=None, agent_path=None,
            preferred_auth="publickey", encryption_algs=GCM, window=16 * 1024 * 1024,
        )
        try:
            sftp = await conn.start_sftp_client()
            # Extra SFTP channels on the same connection, as the app and `sshdeck cp` give it (big files on long links).
            remote = SftpEndpoint(sftp, os.fsencode(str(remote_root)), channels=conn.start_sftp_client)
            local = LocalEndpoint(local_root)
            source, dest = (local, remote) if upload else (remote, local)
            report = await Transfer(source, dest, [((name.encode(),), (name.encode(),))], TransferOptions()).run()
        finally:
            conn.close()
            await conn.wait_closed()
        elapsed = time.perf_counter() - start
        if not report.ok:
            raise SystemExit(f"sshdeck transfer failed: {[i.error for i in report.failed][:5]}")
        return elapsed


def make_files(root: Path, big_mib: int, small_count: int, small_latency: int) -> None:
    with open(root / "big.bin", "wb") as handle:
        for _ in range(big_mib):
            handle.write(os.urandom(1024 * 1024))
    for folder, count in (("small", small_count), ("small200", small_latency)):
        (root / folder).mkdir()
        for index in range(count):
            (root / folder / f"f{index:05d}").write_bytes(os.urandom(4096))


def fresh(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


async def run(quick: bool) -> int:
    big_mib, small_count = (64, 500) if quick else (256, 2000)
    with tempfile.TemporaryDirectory(prefix="sshdeck-bench-") as tmp:
        work = Path(tmp)
        remote, local = work / "remote", work / "local"
        remote.mkdir()
        local.mkdir()
        make_files(remote, big_mib, small_count, 200)
        shutil.copy(remote / "big.bin", local / "big.bin")
        shutil.copytree(remote / "small", local / "small")
        shutil.copytree(remote / "small200", local / "small200")
        with OpenSSHServer(work / "sshd") as server:
            bench = Bench(work, server)
            proxy = subprocess.Popen(
                [sys.executable, str(REPO / "benchmarks" / "tcp_delay_proxy.py"), str(server.port), "10"],
                stdout=subprocess.PIPE,
            )
            try:
                proxy_port = int(proxy.stdout.readline())
                rows = []
                for label, port, name, key in (
                    ("256 MiB get" if not quick else f"{big_mib} MiB get", server.port, "big.bin", "big loopback"),
                    (f"{small_count} x 4 KiB get -r", server.port, "small", "small loopback"),
                    ("big get, 20 ms RTT", proxy_port, "big.bin", "big 20ms"),
                    ("200 x 4 KiB get -r, 20 ms RTT", proxy_port, "small200", "small 20ms"),
                ):
                    for upload in (False, True):
                        rows.append(await measure(bench, port, remote, local, name, upload, label, key))
            finally:
                proxy.terminate()
                proxy.wait()
        print()
        print(f"{'case':40} {'OpenSSH s':>10} {'sshdeck s':>10} {'ratio':>7} {'target':>7}")
        missed = 0
        for label, ours, theirs, key in rows:
            ratio = theirs / ours
            target = TARGETS[key]
            mark = "" if ratio >= target else "  MISSED"
            missed += bool(mark)
            print(f"{label:40} {theirs:10.2f} {ours:10.2f} {ratio:7.2f} {target:7.1f}{mark}")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\npeak RSS of the benchmark process (sshdeck side): {rss:.0f} MB; {os.cpu_count()} CPUs")
        return 1 if missed else 0


async def measure(bench: Bench, port: int, remote: Path, local: Path, name: str, upload: bool, label: str, key: str):
    """One case: OpenSSH first, then sshdeck, each into a fresh destination."""
    direction = "put" if upload else "get"
    label = label.replace("get", direction)
    out_remote, out_local = remote / "out", local / "out"
    fresh(out_remote, out_local)
    out_remote.mkdir()
    out_local.mkdir()
    recurse = "-r " if name != "big.bin" else ""
    if upload:
        theirs = bench.sftp(port, f"put {recurse}{local / name} {out_remote / name}\n")
    else:
        theirs = bench.sftp(port, f"get {recurse}{remote / name} {out_local / name}\n")
    fresh(out_remote, out_local)
    out_remote.mkdir()
    out_local.mkdir()
    if upload:
        ours = await bench.sshdeck(port, out_remote, local, name, upload=True)
        check = out_remote / name
    else:
        ours = await bench.sshdeck(port, remote, out_local, name, upload=False)
        check = out_local / name
    original = (remote if not upload else local) / name
    if original.is_dir():
        assert len(os.listdir(check)) == len(os.listdir(original)), "file count differs"
    else:
        assert check.stat().st_size == original.stat().st_size, "size differs"
    print(f"{label:40} OpenSSH {theirs:6.2f}s  sshdeck {ours:6.2f}s", flush=True)
    fresh(out_remote, out_local)
    return label, ours, theirs, key


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64 MiB and 500 files: a smoke run")
    return asyncio.run(run(parser.parse_args().quick))


if __name__ == "__main__":
    sys.exit(main())
