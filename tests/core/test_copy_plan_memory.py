"""`sshdeck cp -r` from a hostile server stays bounded in memory (issue #10).

A copy plan is held in memory before the first byte moves.  Two hostile
shapes, served by listing_servers.py and copied by the real `sshdeck`
process: one endless folder, and a tree of many small folders (each far
under the per-folder listing limit, together as big as the test asks).  The
peak RSS of the process, less the peak of copying a one-file folder, must
stay under a per-entry budget.  The plan budget (530 bytes an entry) fails
with the old plan objects (a `Planned` plus a dict-backed `TransferItem` per
entry: 816 bytes measured) and holds with the compact ones (~470), which keeps
a run at the default copy_entries (500,000) under 300 MiB, as README says.  Memory
is read at points of work (the plan done, the process ended), never by time.

CPMEM_N / CPMEM_K (entries of the endless run, files per tree folder) scale
the runs up, e.g. to the default copy_entries, to measure by hand.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from sshdeck.core.fs.limits import DEFAULT_COPY_ENTRIES
from tests.core.listing_servers import TREE, EndlessFolderServer, EndlessServer, endless_server
from tests.core.test_listing_limits import SSHDECK, command_env, peak_rss_kib, write_settings

# Runs a command and writes its exit status and peak RSS (KiB, of its only child) to a file.
PEAK = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,"
    " stderr=open(sys.argv[1] + '.err', 'wb'))\n"
    "open(sys.argv[1], 'w').write(f'{code} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}')\n"
)

FOLDERS = 200
FILES = int(os.environ.get("CPMEM_K", "1000"))
TREE_ENTRIES = 1 + FOLDERS + FOLDERS * FILES  # /tree, its folders, their files


async def peak_of(argv: list[str], env: dict[str, str], report: Path) -> tuple[int, int, str]:
    """(exit status, peak RSS in KiB, stderr) of `sshdeck argv` run to its end."""
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", PEAK, str(report), SSHDECK, *argv, env=env)
    await asyncio.wait_for(process.wait(), timeout=300)
    code, peak = report.read_text().split()
    return int(code), int(peak), Path(str(report) + ".err").read_text()


async def baseline(tmp_path: Path, env: dict[str, str], config: Path) -> int:
    """Peak RSS (KiB) of the same command copying a one-file folder: interpreter, asyncssh, one connection."""
    dest = tmp_path / "base"
    dest.mkdir()
    code, peak, err = await peak_of(["cp", "-r", "-F", str(config), "--batch", "endless-box:/small", str(dest)], env,
                                    tmp_path / "base.peak")
    assert code == 0, err
    return peak


def serve_tree(server: EndlessServer) -> None:
    (server.root / TREE).mkdir()
    EndlessFolderServer.tree_folders, EndlessFolderServer.tree_files = FOLDERS, FILES


def per_entry(base: int, peak: int, entries: int, what: str) -> float:
    """Bytes an entry; also checks README's promise: at the default copy_entries the run stays under 300 MiB."""
    value = (peak - base) * 1024 / entries
    at_default = base * 1024 + value * DEFAULT_COPY_ENTRIES
    print(f"\n{what}: base {base} KiB, peak {peak} KiB: {value:.0f} bytes an entry; "
          f"{at_default / 2**20:.0f} MiB at {DEFAULT_COPY_ENTRIES:,} entries")
    assert at_default < 300 * 2**20
    return value


async def test_cp_r_of_an_endless_folder_stops_at_copy_entries_in_bounded_memory(tmp_path: Path) -> None:
    entries = int(os.environ.get("CPMEM_N", "200000"))
    dest = tmp_path / "dest"
    dest.mkdir()
    async with endless_server(tmp_path) as server:
        env, config = command_env(tmp_path, server)
        write_settings(f"[limits]\ncopy_entries = {entries}\n")
        base = await baseline(tmp_path, env, config)
        EndlessFolderServer.served = 0
        code, peak, err = await peak_of(
            ["cp", "-r", "-F", str(config), "--batch", "endless-box:/endless", str(dest)], env, tmp_path / "run.peak"
        )
    assert code == 1
    assert (f"FAILED: /endless: stopped planning the copy after {entries:,} entries "
            "(limit copy_entries in settings.toml); nothing was copied") in err.splitlines()
    assert "Traceback" not in err
    assert entries <= EndlessFolderServer.served < 2 * entries  # it listed that far, and stopped
    assert list(dest.rglob("*")) == []
    # The folder's listing is all there is (the old code listed on to 5,000,000 entries).
    assert per_entry(base, peak, entries, "endless folder") < 320


async def test_cp_r_of_a_tree_of_many_small_folders_plans_in_bounded_memory(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    async with endless_server(tmp_path) as server:
        serve_tree(server)
        env, config = command_env(tmp_path, server)
        write_settings(f"[limits]\ncopy_entries = {TREE_ENTRIES}\n")  # the whole tree just fits
        base = await baseline(tmp_path, env, config)
        process = await asyncio.create_subprocess_exec(
            SSHDECK, "cp", "-r", "-F", str(config), "--batch", f"endless-box:/{TREE}", str(dest),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            env=env,
        )
        peaks: list[int] = []

        def planned() -> None:
            # The first file is opened once the whole plan is made: the peak so far is the plan's.
            if not peaks:
                peaks.append(peak_rss_kib(process.pid))
                process.send_signal(signal.SIGKILL)

        EndlessFolderServer.on_tree_open = planned
        try:
            await asyncio.wait_for(process.wait(), timeout=300)
        finally:
            EndlessFolderServer.on_tree_open = None
            EndlessFolderServer.tree_folders = EndlessFolderServer.tree_files = 0
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert peaks, "the copy never started"
    # Every folder was created before the first file: the whole plan was made.
    assert len([p for p in (dest / TREE).iterdir() if p.is_dir()]) == FOLDERS
    assert per_entry(base, peaks[0], TREE_ENTRIES, "planned tree") < 530


async def test_cp_r_of_a_tree_past_copy_entries_is_refused_whole_in_bounded_memory(tmp_path: Path) -> None:
    cap = TREE_ENTRIES // 2  # every folder is small; the walk as a whole passes the cap halfway
    dest = tmp_path / "dest"
    dest.mkdir()
    async with endless_server(tmp_path) as server:
        serve_tree(server)
        env, config = command_env(tmp_path, server)
        write_settings(f"[limits]\ncopy_entries = {cap}\n")
        base = await baseline(tmp_path, env, config)
        try:
            code, peak, err = await peak_of(
                ["cp", "-r", "-F", str(config), "--batch", f"endless-box:/{TREE}", str(dest)], env, tmp_path / "run.peak"
            )
        finally:
            EndlessFolderServer.tree_folders = EndlessFolderServer.tree_files = 0
    # The folder being listed when the plan filled up: the 1 + 200 + 99 * FILES-th entry is in folder 100.
    full = (cap - 1 - FOLDERS) // FILES + 1
    assert code == 1
    assert (f"FAILED: /{TREE}/d{full:011d}: stopped planning the copy after {cap:,} entries "
            "(limit copy_entries in settings.toml); nothing was copied") in err.splitlines()
    assert err.splitlines()[-1].startswith("sshdeck cp: 0 of 0 files copied")
    assert list(dest.rglob("*")) == []  # not even the folders
    assert per_entry(base, peak, cap, "refused tree") < 530
