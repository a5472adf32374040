"""The app as users see it: `sshdeck HOST:FOLDER` in a real terminal until the folder is on screen.

Starts Debian's sshd on loopback with a folder of 100,000 entries, then
alternately runs
- OpenSSH: `sftp -b` with `ls -1 FOLDER` (a whole process: start, host key,
  key login, list, exit), and
- sshdeck: the app itself, `sshdeck bench:FOLDER`, in a tmux window of
  120×40, timed from the launch until the terminal shows the remote pane's
  complete listing (its first rows and the status line "0 folders, 100000
  files"), read with `tmux capture-pane` every few milliseconds through one
  control-mode client (a `tmux` process per read cost the app's two cores
  ~0.37 s of CPU per second).
Prints each run, medians, the ratio OpenSSH ÷ sshdeck (issue #12's target:
the app's first full frame no slower than `sftp ls -1`, i.e. ≥ 1.0).

`--checkout DIR` (repeatable) times the app of another checkout too, e.g. the
code before a change: `--checkout /work/main --checkout .` alternates OpenSSH,
the old app and the new one in every run.  Each checkout's package is copied
to a temporary folder and byte-compiled there (the checkout itself is never
written to) and run with that checkout's `.venv/bin/python` when it has one.

    python benchmarks/app_frame.py [--runs N] [--entries N] [--checkout DIR ...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import signal
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
SOCKET = os.path.join(tempfile.gettempdir(), f"sshdeck-app-frame-{os.getpid()}.tmux")  # removed at the end


def tmux(*args: str) -> str:
    # A tmux server of its own (-S): another run of this benchmark, or a user's tmux, never shares its session.
    return subprocess.run(["tmux", "-S", SOCKET, *args], capture_output=True, text=True, check=False).stdout


class Checkout:
    """One version of the app to time: this repository, or another checkout's copy."""

    def __init__(self, root: Path, work: Path) -> None:
        self.root = root.resolve()
        self.label = str(root)
        if self.root == REPO:
            self.argv = sshdeck_argv()
            self.pythonpath = ""
            compile_package()  # as `pip install` does: no run pays for compiling sshdeck's modules
            return
        python = self.root / ".venv" / "bin" / "python"
        python = python if python.exists() else Path(sys.executable)
        copy = work / f"checkout-{len(list(work.glob('checkout-*')))}"
        shutil.copytree(self.root / "sshdeck", copy / "sshdeck", ignore=shutil.ignore_patterns("__pycache__"))
        subprocess.run([str(python), "-m", "compileall", "-q", str(copy / "sshdeck")], check=True,
                       stdout=subprocess.DEVNULL)
        self.argv = [str(python), "-m", "sshdeck"]
        self.pythonpath = str(copy)  # ahead of the venv's own (editable) install


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def app_first_frame(bench: Bench, port: int, folder: Path, entries: int, checkout: Checkout | None = None,
                    timeout: float = 60.0) -> tuple[float, float]:
    """Seconds from launching the app to the whole listing on screen, and the CPU seconds the app used until then.

    The CPU figure moves much less than the time on a shared machine: other processes slow the app
    down but do not make it do more work.
    """
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in bench.env.items() if k.startswith(("HOME", "XDG_")))
    argv = checkout.argv if checkout is not None else sshdeck_argv()
    if checkout is not None and checkout.pythonpath:
        env += f" PYTHONPATH={shlex.quote(checkout.pythonpath)}"
    command = f"env {env} TERM=xterm-256color {shlex.join(argv)} --local {shlex.quote(str(bench.work))} " \
              f"bench{port}:{shlex.quote(str(folder))}"
    tmux("kill-session", "-t", SESSION)
    done = f"0 folders, {entries} files"
    start = time.perf_counter()
    # Started in the work folder: `python -m sshdeck` puts the current folder first on sys.path, and
    # from this checkout it would import this checkout's package whatever `--checkout` said.
    tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", "-c", str(bench.work), command)
    pid = int(tmux("display-message", "-p", "-t", SESSION, "#{pane_pid}").strip() or 0)
    watcher = ScreenWatcher(SESSION)
    try:
        while time.perf_counter() - start < timeout:
            screen = watcher.capture()
            if done in screen and "entry-000000.txt" in screen:
                return time.perf_counter() - start, cpu_seconds(pid)
            time.sleep(0.005)
        raise SystemExit(f"the app did not show the listing within {timeout:.0f} s:\n{screen}")
    finally:
        watcher.close()
        tmux("kill-session", "-t", SESSION)
        end_process(pid)


class ScreenWatcher:
    """Reads the pane's screen through one tmux control-mode client (`tmux -C`, its output notifications off).

    A `tmux capture-pane` process every 5 ms cost ~0.37 s of CPU per second (the client's fork and exec, and
    this script), taken from the two cores the app, its child and sshd share while the `sftp` runs had
    no such load; through one client the same polling costs this script ~0.02 s per second.
    """

    def __init__(self, session: str) -> None:
        self.process = subprocess.Popen(
            ["tmux", "-S", SOCKET, "-C", "attach-session", "-t", session, "-f", "no-output,read-only"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1,
        )
        self.session = session

    def capture(self) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"capture-pane -p -t {self.session}\n")
        self.process.stdin.flush()
        lines: list[str] | None = None
        while line := self.process.stdout.readline():
            if line.startswith("%begin") and line.split()[3:4] == ["1"]:  # flags 1: this client's command
                lines = []  # (attaching answers with a block of its own, flags 0, which is no capture)
            elif lines is not None and line.startswith(("%end", "%error")):
                return "".join(lines)
            elif lines is not None:
                lines.append(line)
        return ""  # the session is gone

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


KILLED: list[int] = []  # apps still running a few seconds after their terminal closed


def end_process(pid: int, grace: float = 3.0) -> None:
    """Make sure the app is gone before the next run (it can outlive its closed terminal)."""
    deadline = time.monotonic() + grace
    while pid and time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
            KILLED.append(pid)
        except ProcessLookupError:
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per tool (default 3; medians)")
    parser.add_argument("--entries", type=int, default=100_000, help="entries in the folder (default 100,000)")
    parser.add_argument("--checkout", action="append", type=Path, metavar="DIR",
                        help="time this checkout's app (repeatable; default: this one), alternating with the others")
    return with_tmux(measure, parser.parse_args())


def with_tmux(measure, args: argparse.Namespace) -> int:
    """Run `measure(args)` with this script's own tmux server, whose socket is removed at the end."""
    if not shutil.which("tmux"):
        raise SystemExit("tmux is needed (apt-get install tmux)")
    try:
        return measure(args)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(SOCKET)


def measure(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="sshdeck-app-frame-") as tmp:
        work = Path(tmp)
        checkouts = [Checkout(root, work) for root in (args.checkout or [REPO])]
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
            ours: list[list[float]] = [[] for _ in checkouts]
            cpu: list[list[float]] = [[] for _ in checkouts]
            for run in range(args.runs):  # alternate, so drift hurts all alike
                seconds, _ = bench.sftp(server.port, f"ls -1 {many}\n")
                theirs.append(seconds)
                line = f"run {run + 1}: sftp ls -1 {seconds:.2f} s"
                for checkout, times, used in zip(checkouts, ours, cpu):
                    seconds, cpu_used = app_first_frame(bench, server.port, many, args.entries, checkout)
                    times.append(seconds)
                    used.append(cpu_used)
                    name = f" ({checkout.label})" if len(checkouts) > 1 else ""
                    line += f", sshdeck app{name} to the full listing {seconds:.2f} s ({cpu_used:.2f} s CPU)"
                print(line, flush=True)
    openssh = statistics.median(theirs)
    print(f"\n{args.entries:,}-entry folder, medians of {args.runs}: OpenSSH sftp ls -1 {openssh:.2f} s "
          f"(runs {min(theirs):.2f}–{max(theirs):.2f} s)")
    for checkout, times, used in zip(checkouts, ours, cpu):
        sshdeck = statistics.median(times)
        ratio = openssh / sshdeck
        name = f" ({checkout.label})" if len(checkouts) > 1 else ""
        print(f"sshdeck app{name}'s first full frame {sshdeck:.2f} s (runs {min(times):.2f}–{max(times):.2f} s, "
              f"{statistics.median(used):.2f} s of the app's CPU), ratio {ratio:.2f} "
              f"(target ≥ 1.0{'' if ratio >= 1 else ', missed'})")
    if KILLED:
        print(f"({len(KILLED)} of the app's runs were still running 3 s after tmux closed their terminal, and were killed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
