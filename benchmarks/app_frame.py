"""The app as users see it: `sshdeck HOST:FOLDER` in a real terminal until the folder is on screen.

Starts Debian's sshd on loopback with a folder of 100,000 entries, then
alternately runs
- OpenSSH: `sftp -b` with `ls -1 FOLDER` (a whole process: start, host key,
  key login, list, exit), and
- sshdeck: the app itself, `sshdeck bench:FOLDER`, in a tmux window of
  120×40, timed from the launch until the terminal shows the remote pane's
  complete listing (its first rows and the status line "0 folders, 100000
  files"), read with `tmux capture-pane` every few milliseconds.
Prints each run, medians, the ratio OpenSSH ÷ sshdeck (issue #12's target:
the app's first full frame no slower than `sftp ls -1`, i.e. ≥ 1.0).

    python benchmarks/app_frame.py [--runs N] [--entries N]
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.shipped import Bench, compile_package, sshdeck_argv  # noqa: E402
from tests.support.openssh import OpenSSHServer  # noqa: E402

SESSION = "sshdeck-app-frame"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def app_first_frame(bench: Bench, port: int, folder: Path, entries: int, timeout: float = 60.0) -> float:
    """Seconds from launching the app to the whole listing on screen."""
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in bench.env.items() if k.startswith(("HOME", "XDG_")))
    command = f"env {env} TERM=xterm-256color {shlex.join(sshdeck_argv())} --local {shlex.quote(str(bench.work))} " \
              f"bench{port}:{shlex.quote(str(folder))}"
    tmux("kill-session", "-t", SESSION)
    done = f"0 folders, {entries} files"
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", command)
    try:
        while time.perf_counter() - start < timeout:
            screen = tmux("capture-pane", "-p", "-t", SESSION)
            if done in screen and "entry-000000.txt" in screen:
                return time.perf_counter() - start
            time.sleep(0.005)
        raise SystemExit(f"the app did not show the listing within {timeout:.0f} s:\n{screen}")
    finally:
        tmux("kill-session", "-t", SESSION)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per tool (default 3; medians)")
    parser.add_argument("--entries", type=int, default=100_000, help="entries in the folder (default 100,000)")
    args = parser.parse_args()
    if not shutil.which("tmux"):
        raise SystemExit("tmux is needed (apt-get install tmux)")
    compile_package()  # as `pip install` does: no run pays for compiling sshdeck's modules
    with tempfile.TemporaryDirectory(prefix="sshdeck-app-frame-") as tmp:
        work = Path(tmp)
        many = work / "remote" / "many"
        many.mkdir(parents=True)
        for index in range(args.entries):
            (many / f"entry-{index:06d}.txt").touch()
        with OpenSSHServer(work / "sshd") as server:
            bench = Bench(work, server)
            bench.add_port(server.port)
            ssh = bench.home / ".ssh"
            shutil.copy(work / "ssh_config", ssh / "config")  # the app reads ~/.ssh/config, as ssh does
            theirs: list[float] = []
            ours: list[float] = []
            for run in range(args.runs):  # alternate, so drift hurts both alike
                seconds, _ = bench.sftp(server.port, f"ls -1 {many}\n")
                theirs.append(seconds)
                ours.append(app_first_frame(bench, server.port, many, args.entries))
                print(f"run {run + 1}: sftp ls -1 {theirs[-1]:.2f} s, sshdeck app to the full listing {ours[-1]:.2f} s", flush=True)
    openssh, sshdeck = statistics.median(theirs), statistics.median(ours)
    ratio = openssh / sshdeck
    print(f"\n{args.entries:,}-entry folder, medians of {args.runs}: OpenSSH sftp ls -1 {openssh:.2f} s, "
          f"sshdeck app's first full frame {sshdeck:.2f} s, ratio {ratio:.2f} (target ≥ 1.0{'' if ratio >= 1 else ', missed'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
