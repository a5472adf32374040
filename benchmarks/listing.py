"""Opening a 100,000-entry remote folder: sshdeck against OpenSSH's `sftp`.

Starts Debian's sshd on loopback (tests/support/openssh.py), fills a folder
with 100,000 empty files, then measures, best of 3 each, in the same run:

  sftp     `sftp -b batch` running `ls -1 <folder>` (output to /dev/null);
           this includes sftp's own connection setup.
  sshdeck  "open folder to first full frame" on an open connection:
           SftpFS.list to completion, then the pane's PaneModel (sorting),
           then a headless Textual FileList showing the rows (first render);
           with --no-frame, SftpFS.list and sort_entries only.
  cold     the same, connection setup included (like the sftp figure).

and prints the times and the ratio OpenSSH / sshdeck (target: >= 1.0).

    python benchmarks/listing.py [--entries N] [--runs N] [--no-frame]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import asyncssh  # noqa: E402

from sshdeck.core.fs.listing import sort_entries  # noqa: E402
from sshdeck.core.fs.sftp import SftpFS  # noqa: E402
from tests.support.openssh import OpenSSHServer, find_sshd  # noqa: E402


def make_folder(folder: Path, count: int) -> None:
    folder.mkdir()
    flags = os.O_CREAT | os.O_WRONLY | os.O_EXCL
    for index in range(count):
        os.close(os.open(folder / f"file-{index:06d}.txt", flags, 0o644))


def time_sftp(server: OpenSSHServer, known_hosts: Path, batch: Path) -> float:
    command = [
        "sftp", "-q", "-b", str(batch), "-i", str(server.client_key),
        "-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes",
        "-o", "BatchMode=yes", "-F", "/dev/null",
        "-P", str(server.port), f"{server.username}@{server.host}",
    ]
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


# The options the app's sessions use (sshdeck/core/connect.py): AES-GCM first,
# a 16 MiB window; key login with an explicit known_hosts, no ssh_config.
CIPHERS = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com"]


class Connection:
    """One SSH connection and the SftpFS over it, as a pane gets it."""

    def __init__(self, server: OpenSSHServer, known_hosts: Path) -> None:
        self.server = server
        self.known_hosts = known_hosts
        self.conn: asyncssh.SSHClientConnection | None = None

    async def open(self) -> SftpFS:
        self.conn = await asyncssh.connect(
            self.server.host,
            self.server.port,
            username=self.server.username,
            client_keys=[str(self.server.client_key)],
            known_hosts=str(self.known_hosts),
            config=None,
            agent_path=None,
            preferred_auth="publickey",
            encryption_algs=CIPHERS,
            window=16 * 1024 * 1024,
        )
        return SftpFS(await self.conn.start_sftp_client(), "bench")

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            await self.conn.wait_closed()


class Frame:
    """A headless Textual app with the pane's FileList, to time the first paint of the rows.

    It goes through the pane's own model (PaneModel.set_listing sorts, hides
    dot files, keeps the selection), then FileList.refresh_rows and one refresh.
    """

    def __init__(self) -> None:
        from textual.app import App

        from sshdeck.core.pane_model import PaneModel
        from sshdeck.ui.widgets.file_list import FileList

        self.model = PaneModel()

        class ListApp(App):
            def compose(inner):
                yield FileList(self.model)

        self.app = ListApp()
        self.file_list_type = FileList
        self._context = None
        self.pilot = None

    async def __aenter__(self) -> "Frame":
        self._context = self.app.run_test(size=(120, 40))
        self.pilot = await self._context.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._context.__aexit__(*exc)

    async def show(self, folder: str, entries: list) -> None:
        self.model.set_listing(folder, entries)
        self.app.query_one(self.file_list_type).refresh_rows()
        await self.pilot.pause()  # returns once the screen has been refreshed


async def open_folder(fs, folder: str, frame: Frame | None) -> tuple[float, float, int]:
    """Seconds to the first batch, seconds to the full frame, entry count."""
    start = time.perf_counter()
    first = 0.0
    entries = []
    async for batch in fs.list(folder):
        if not first:
            first = time.perf_counter() - start
        entries.extend(batch)
    if frame is not None:
        await frame.show(folder, entries)
    else:
        sort_entries(entries)
    return first, time.perf_counter() - start, len(entries)


async def measure(server, known_hosts, folder, batch, empty, runs, frame_wanted) -> dict[str, object]:
    """Best of `runs` for each figure; the tools take turns, so load changes hit both alike."""
    frame = Frame() if frame_wanted else None
    if frame is not None:
        await frame.__aenter__()
    times: dict[str, list[float]] = {"sftp": [], "connect": [], "warm": [], "first": [], "cold": []}
    try:
        warm_source = Connection(server, known_hosts)
        fs = await warm_source.open()
        cipher = warm_source.conn.get_extra_info("send_cipher")
        try:
            for _ in range(runs):
                times["sftp"].append(time_sftp(server, known_hosts, batch))
                first, total, count = await open_folder(fs, str(folder), frame)
                times["warm"].append(total)
                times["first"].append(first)
                times["connect"].append(time_sftp(server, known_hosts, empty))
                start = time.perf_counter()
                cold_source = Connection(server, known_hosts)
                cold_fs = await cold_source.open()
                try:
                    await open_folder(cold_fs, str(folder), frame)
                finally:
                    await cold_source.close()
                times["cold"].append(time.perf_counter() - start)
        finally:
            await warm_source.close()
    finally:
        if frame is not None:
            await frame.__aexit__(None, None, None)
    best: dict[str, object] = {name: min(values) for name, values in times.items()}
    best["count"] = count
    best["cipher"] = cipher
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-frame", action="store_true", help="stop at the sorted rows, no Textual")
    args = parser.parse_args()
    if find_sshd() is None or shutil.which("sftp") is None:
        print("needs OpenSSH's sshd and sftp (apt-get install openssh-server openssh-client)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="sshdeck-bench-"))
    try:
        started = time.perf_counter()
        folder = work / "big folder"
        make_folder(folder, args.entries)
        print(f"made {args.entries:,} files in {time.perf_counter() - started:.1f} s")
        with OpenSSHServer(work / "sshd") as server:
            known_hosts = server.write_known_hosts(work / "known_hosts")
            batch = work / "batch"
            batch.write_text(f'ls -1 "{folder}"\n')
            empty = work / "empty-batch"
            empty.write_text("pwd\n")
            ours = asyncio.run(measure(server, known_hosts, folder, batch, empty, args.runs, not args.no_frame))
        sftp_best, connect_best = ours["sftp"], ours["connect"]
        what = "list + PaneModel + first FileList frame" if not args.no_frame else "list + sort"
        print(f"asyncssh {asyncssh.__version__}, cipher {ours['cipher']}, {ours['count']:,} entries listed by sshdeck")
        print(f"OpenSSH sftp -b 'ls -1':      {sftp_best:.3f} s  (of which connecting ~{connect_best:.3f} s)")
        print(f"sshdeck open folder ({what}): {ours['warm']:.3f} s  (first batch after {ours['first'] * 1000:.0f} ms)")
        print(f"sshdeck incl. connecting:     {ours['cold']:.3f} s")
        print(f"ratio OpenSSH / sshdeck (open folder):      {sftp_best / ours['warm']:.2f}  (target >= 1.0)")
        print(f"ratio OpenSSH / sshdeck (both connecting):  {sftp_best / ours['cold']:.2f}")
        print(f"ratio OpenSSH listing only / sshdeck:       {(sftp_best - connect_best) / ours['warm']:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
