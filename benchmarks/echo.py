"""Echo benchmark: a shell's keystroke echo while a 1 GiB transfer runs to the same sshd, shared vs bulk connection.

Run: `python -m benchmarks.echo` (or `python benchmarks/echo.py`; `--size-mib`, `--repeats`).

The app's way, through sshdeck's own core: a `Session` (trust and key login
as the app does them) opens a bash in a PTY, fed into a headless Textual app's
`TerminalView`; a keystroke is timed from sending it to the frame that draws
its echo.  Meanwhile the transfer engine (`Transfer`, the app's options) gets
and puts a 1 GiB file either over the session's shared connection (the
endpoint the panes use) or routed over the host's `BulkLink` exactly as the
app's transfer queue routes it (`BulkRoutes`).  Cases alternate, in one run,
against one Debian sshd on loopback; median and p99 of the echo are printed
with the target (p99 < 30 ms), and how late this process's event loop ran
meanwhile (the rest of an echo's delay is sshd, bash and the machine's load).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `sshdeck` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.terminal import COLS, ROWS  # noqa: E402
from benchmarks.echo_probe import EchoProbe  # noqa: E402
from benchmarks.terminal_ssh import LATENCY_TARGET_MS, SHELL, headless_terminal_app, stats  # noqa: E402

MIB = 1 << 20


async def run(size_mib: int, repeats: int) -> list[str]:
    from sshdeck.core.ssh.bulk import BulkLink
    from sshdeck.core.ssh.bulk_routes import BulkRecipe, BulkRoutes
    from sshdeck.core.ssh.session import ConnectSpec, Session
    from sshdeck.core.transfer import LocalEndpoint, SftpEndpoint, Transfer, TransferOptions
    from sshdeck.core.trust import TrustStore
    from sshdeck.core.transfer.procpool import shell_closed, shell_opened
    from sshdeck.ui.widgets.terminal_view import TerminalView
    from tests.support.openssh import OpenSSHServer

    Headless = headless_terminal_app()

    with tempfile.TemporaryDirectory(prefix="sshdeck-echo-bench-") as tmp:
        work = Path(tmp)
        remote, local = work / "remote", work / "local"
        remote.mkdir()
        local.mkdir()
        block = random.Random(5).randbytes(MIB)
        for folder in (remote, local):
            with open(folder / "blob.bin", "wb") as out:
                for _ in range(size_mib):
                    out.write(block)
        with OpenSSHServer(work / "sshd") as server:
            trust = TrustStore(own_file=work / "known_hosts", read_files=[])
            trust.own_file.write_text(server.known_hosts_line())
            spec = ConnectSpec(host=server.host, port=server.port, user=server.username, ssh_config=None,
                               use_agent=False, identity_files=(str(server.client_key),))
            async with Session(spec, trust=trust) as session:
                link, routes = BulkLink(session), BulkRoutes()
                async with Headless().run_test(size=(COLS, ROWS)) as pilot:
                    view = pilot.app.query_one(TerminalView)
                    await pilot.pause()
                    shell = await session.create_process(SHELL, term_type="xterm-256color", term_size=(COLS, ROWS),
                                                         encoding=None)
                    probe = EchoProbe(shell, view)
                    shell_opened(probe)  # as the app's shell tab does: big files go to a worker process
                    await asyncio.sleep(0.5)  # the prompt
                    idle = await probe.sample(60)
                    results: dict[tuple[str, str], tuple[list[float], float, list[float]]] = {}
                    for _ in range(repeats):
                        for direction in ("get", "put"):
                            for route in ("shared", "bulk"):
                                busy, took, lags = await _one(session, link, routes, probe, direction, route, remote, local,
                                                        SftpEndpoint, LocalEndpoint, Transfer, TransferOptions, BulkRecipe)
                                old = results.get((direction, route), ([], 0.0, []))
                                results[(direction, route)] = (old[0] + busy, old[1] + took, old[2] + lags)
                    probe.close()
                    shell_closed(probe)
                await link.close()
    return _report(size_mib, repeats, idle, results, link.opened)


async def _one(session, link, routes, probe, direction, route, remote, local,
               SftpEndpoint, LocalEndpoint, Transfer, TransferOptions, BulkRecipe) -> tuple[list[float], float, list[float]]:
    # The endpoint the app builds for a pane's folder (ui/transfers.endpoint_for), on the shared connection.
    shared = SftpEndpoint(await session.sftp(), str(remote), label="sshd", descriptor="sftp://sshd",
                          channels=session.start_sftp_client)
    here = LocalEndpoint(str(local))
    if direction == "get":
        source, dest, names = shared, here, ((b"blob.bin",), (b"copy.bin",))
    else:
        source, dest, names = here, shared, ((b"blob.bin",), (b"copy.bin",))
    transfer = Transfer(source, dest, [names], TransferOptions())
    if route == "bulk":
        routes.remember(shared, BulkRecipe(link, str(remote), "sshd", "sftp://sshd"))
    async with routes.route(transfer) as links:
        if route == "bulk" and not links:
            raise SystemExit("the bulk connection could not be opened")
        started = time.perf_counter()
        task = asyncio.create_task(transfer.run())
        lagging = asyncio.create_task(_loop_lag(task))
        busy = await probe.sample(None, task)
        report = await task
        took = time.perf_counter() - started
        lags = await lagging
    if report.failed:
        raise SystemExit(f"{direction} over the {route} connection failed: {report.failed[0].error}")
    ((remote if direction == "put" else local) / "copy.bin").unlink()
    return busy, took, lags


async def _loop_lag(task: asyncio.Task) -> list[float]:
    """How late a 5 ms timer fires while `task` runs: the share of the echo's delay spent in this process's loop."""
    lags = []
    while not task.done():
        began = time.perf_counter()
        await asyncio.sleep(0.005)
        lags.append((time.perf_counter() - began - 0.005) * 1000)
    return lags


def _report(size_mib, repeats, idle, results, opened) -> list[str]:
    print(f"\nkeystroke echo in bash (key sent -> echoed line drawn by Textual), {COLS}x{ROWS}, "
          f"during a {size_mib} MiB transfer to the same sshd ({repeats} run(s) each, alternating)")
    med, p99 = stats(idle)
    print(f"  idle{'':<38} n={len(idle):4d}  median {med:5.1f} ms  p99 {p99:5.1f} ms")
    verdicts = []
    for (direction, route), (busy, took, lags) in results.items():
        med, p99 = stats(busy or [float("nan")])
        rate = size_mib * MIB * repeats / took / 1e6
        where = "the shell's connection (shared)" if route == "shared" else "its own connection (bulk)"
        lag = stats(lags or [float("nan")])[1]
        print(f"  {direction} over {where:<32} n={len(busy):4d}  median {med:5.1f} ms  p99 {p99:5.1f} ms  "
              f"({rate:.0f} MB/s; this process's event loop late by {lag:.1f} ms at p99)")
        met = "met" if p99 < LATENCY_TARGET_MS else f"MISSED by {p99 - LATENCY_TARGET_MS:.1f} ms"
        verdicts.append(f"  echo p99 during a {size_mib} MiB {direction}, {route}: {p99:.1f} ms "
                        f"(median {med:.1f}), target < {LATENCY_TARGET_MS:.0f} ms {met}")
    print(f"  bulk connections opened: {opened}")
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="size of the file moved (MiB)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each case, alternating (one 1 GiB run gives ~100 keys: its p99 would be its worst)")
    args = parser.parse_args(argv)
    verdicts = asyncio.run(run(args.size_mib, args.repeats))
    print("\ntargets:")
    print("\n".join(verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
