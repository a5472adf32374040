"""The terminal benchmark's `ssh` part: 20 MB of `cat` displayed, and keystroke echo during a get.

Run it with `python -m benchmarks.terminal --part ssh`; `benchmarks/echo.py` reuses its shell and statistics.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `sshdeck` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.echo_probe import EchoProbe  # noqa: E402
from benchmarks.terminal import COLS, ROWS  # noqa: E402

# -- through a real SSH channel --------------------------------------------------------

CAT_BYTES = 20_000_000
TRANSFER_BYTES = 256 << 20
TRANSFER_REPEATS = 3
LATENCY_TARGET_MS = 30.0
# The echo shares the TCP connection with the transfer, so it queues behind the
# SFTP data already in flight: asyncssh's defaults let the 2 MiB channel window fill.
GET_OPTIONS = {
    "asyncssh defaults": {},
    "512 KiB in flight": {"block_size": 64 * 1024, "max_requests": 8},
}
SHELL = "env PS1='$ ' HISTFILE=/dev/null bash --norc --noprofile -i"


def make_text_file(path: Path, size: int) -> None:
    """Log-like lines, `size` bytes."""
    line = b"%08d 2026-05-28 12:00:00 INFO worker.%d handled request GET /api/items?page=%d in %d ms\n"
    lines = (line % (n, n % 8, n % 1000, n % 97) for n in range(size // 60))
    path.write_bytes(b"".join(lines)[:size])


def headless_terminal_app():
    """An app class showing one TerminalView over the whole screen (this benchmark's and echo.py's)."""
    from textual.app import App

    from sshdeck.ui.widgets.terminal_view import TerminalView

    class Headless(App):
        CSS = "TerminalView { width: 1fr; height: 1fr; }"

        def compose(self):
            yield TerminalView()

    return Headless


async def ssh_parts() -> list[str]:
    import asyncssh
    from sshdeck.ui.widgets.terminal_view import TerminalView
    from tests.support.openssh import OpenSSHServer

    Headless = headless_terminal_app()
    with tempfile.TemporaryDirectory(prefix="sshdeck-terminal-bench-") as tmp:
        work = Path(tmp)
        big = work / "big.log"
        make_text_file(big, CAT_BYTES)
        blob = work / "blob.bin"
        with open(blob, "wb") as out:
            out.write(random.Random(5).randbytes(1 << 20) * (TRANSFER_BYTES >> 20))
        with OpenSSHServer(work / "sshd") as server:
            async with asyncssh.connect(
                server.host, port=server.port, username=server.username, client_keys=[str(server.client_key)],
                known_hosts=None, agent_path=None, config=None,
            ) as conn:
                async with Headless().run_test(size=(COLS, ROWS)) as pilot:
                    view = pilot.app.query_one(TerminalView)
                    await pilot.pause()
                    verdicts = await _measure_cat(conn, view, pilot, big)
                    verdicts += await _measure_latency(conn, view, blob, work / "copy.bin")
                    await pilot.pause()
    return verdicts


async def _measure_cat(conn, view, pilot, big: Path) -> list[str]:
    async def run(display: bool) -> tuple[float, float, int]:
        start, cpu = time.perf_counter(), time.process_time()
        process = await conn.create_process(f"cat {big}", term_type="xterm-256color", term_size=(COLS, ROWS), encoding=None)
        total = 0
        while data := await process.stdout.read(65536):
            total += len(data)
            if display:
                view.feed(data)
                await view.pace()
        if display:
            view.flush()
            await pilot.pause()  # the last frame is drawn
        return time.perf_counter() - start, time.process_time() - cpu, total

    channel, _, _ = await run(display=False)
    shown, cpu, total = await run(display=True)
    tail = big.read_bytes()[-40:].decode().rstrip("\n").split("\n")[-1]
    if tail not in "\n".join(view.terminal.display()):
        print(f"warning: the file's last line ({tail!r}) is not on screen")
    print(f"\ncat of {total / 1e6:.1f} MB (PTY output) through SSH into a {COLS}x{ROWS} TerminalView")
    print(f"  channel only (read, discard): {channel:6.2f} s  {total / channel / 1e6:6.1f} MB/s")
    print(f"  displayed (emulate + frames): {shown:6.2f} s  {total / shown / 1e6:6.1f} MB/s   ({cpu:.2f} s CPU)")
    return [f"  cat 20 MB through SSH displayed in {shown:.2f} s ({total / shown / 1e6:.1f} MB/s; channel alone {channel:.2f} s)"]


async def _measure_latency(conn, view, blob: Path, copy: Path) -> list[str]:
    shell = await conn.create_process(SHELL, term_type="xterm-256color", term_size=(COLS, ROWS), encoding=None)
    probe = EchoProbe(shell, view)
    await asyncio.sleep(0.5)  # the prompt
    idle = await probe.sample(60)
    runs = []
    for name, options in GET_OPTIONS.items():
        busy, took = [], 0.0
        for _ in range(TRANSFER_REPEATS):  # p99 needs more keystrokes than one transfer lasts
            sftp = await conn.start_sftp_client()
            started = time.perf_counter()
            transfer = asyncio.create_task(sftp.get(str(blob), str(copy), **options))
            busy += await probe.sample(None, transfer)
            await transfer
            took += time.perf_counter() - started
            sftp.exit()
            copy.unlink(missing_ok=True)
        runs.append((name, busy, took / TRANSFER_REPEATS))
    probe.close()

    print(f"\nkeystroke echo latency in bash (key sent -> echoed line rendered by Textual), {COLS}x{ROWS}")
    idle_med, idle_p99 = stats(idle)
    print(f"  idle: {'':<47} n={len(idle):4d}  median {idle_med:5.1f} ms  p99 {idle_p99:5.1f} ms")
    verdicts = []
    for name, busy, took in runs:
        med, p99 = stats(busy or [float("nan")])
        rate = TRANSFER_BYTES / took / 1e6
        print(f"  during a 256 MiB SFTP get, {name + ':':<26} n={len(busy):4d}  median {med:5.1f} ms  p99 {p99:5.1f} ms  ({rate:.0f} MB/s)")
        met = "met" if p99 < LATENCY_TARGET_MS else f"MISSED by {p99 - LATENCY_TARGET_MS:.1f} ms"
        verdicts.append(f"  keystroke echo p99 during a 256 MiB get ({name}): {p99:.1f} ms, target < {LATENCY_TARGET_MS:.0f} ms {met}")
    return verdicts


def stats(values: list[float]) -> tuple[float, float]:
    """Median and 99th percentile (nearest rank)."""
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
