"""The real `sshdeck --demo` whose terminal is closed under it while it draws: it quits the normal way.

A closed terminal (an xterm closed, tmux killing its pane) hangs up: every
write to it fails with EIO from then on, and the app usually gets SIGHUP.
Textual's output thread died at the first failed write, the app's next frames
filled its queue and blocked the event loop for good, and the app lingered
until the stop watchdog ended it 15 s after the SIGHUP (for ever without one).
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path

from sshdeck.core.logs import log_file
from tests.e2e.test_demo_in_tmux import Tmux, sshdeck_command, tmux  # noqa: F401 - the fixture

WATCHDOG_AND_MORE = 40.0  # only so a broken build cannot hang the test: the watchdog ends the app 15 s after SIGHUP


class Terminal:
    """A pty of 100x30 the app draws on; its output is read (and dropped) so the app never blocks on a full pty."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.output = bytearray()
        self._closing = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._closing.is_set():
            if select.select([self.master], [], [], 0.05)[0]:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    return
                if not data:
                    return
                self.output += data

    def wait_for(self, text: bytes, since: int = 0, timeout: float = 60.0) -> None:
        """Until `text` is drawn (after the first `since` bytes of output)."""
        deadline = time.monotonic() + timeout
        while text not in self.output[since:]:
            assert time.monotonic() < deadline, f"{text!r} never drawn"
            time.sleep(0.05)

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> None:
        """The window closes: the terminal hangs up under the app."""
        self._closing.set()
        self._reader.join()
        os.close(self.master)


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def count(path: Path) -> int:
    try:
        return int(path.read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def test_a_terminal_closed_while_the_app_draws_is_noticed_and_the_app_quits_the_normal_way(tmp_path: Path) -> None:
    """The terminal is a pty this test owns, not the app's controlling terminal: closing it sends no signal.

    Nothing but the failed writes tells the app its terminal has gone (as when a program in between does not pass the SIGHUP on).
    """
    local = tmp_path / "local-side"
    local.mkdir()
    (tmp_path / "tmp").mkdir()
    counter = tmp_path / "lines-printed"
    env = dict(os.environ, TERM="xterm-256color", SHELL="/bin/sh", TMPDIR=str(tmp_path / "tmp"), LANG="C.UTF-8")
    env.pop("TEXTUAL_DRIVER", None)
    terminal = Terminal()
    app = subprocess.Popen([*sshdeck_command().split(), "--demo"], cwd=local, env=env, start_new_session=True,
                           stdin=terminal.slave, stdout=terminal.slave, stderr=terminal.slave)
    os.close(terminal.slave)
    try:
        terminal.wait_for(b"disk-image.bin")
        sandboxes = list((tmp_path / "tmp").glob("sshdeck-demo-*"))
        assert len(sandboxes) == 1
        # A shell tab printing without pause: the app draws frame after frame.
        drawn = len(terminal.output)
        terminal.type("\x0f")
        terminal.wait_for(b"Files", since=drawn)  # the tab bar appears with the shell's tab
        terminal.type(f"i=0; while [ $i -lt 100000 ]; do i=$((i+1)); echo $i; echo $i > {counter}; sleep 0.01; done\r")
        assert wait_until(lambda: count(counter) >= 10, 60), "the shell tab's loop did not start"

        terminal.close()  # and no SIGHUP
        assert wait_until(lambda: app.poll() is not None, WATCHDOG_AND_MORE), "sshdeck outlived its closed terminal"
        status = app.returncode
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()

    log = log_file().read_text()
    assert "the terminal has gone: pausing transfers and quitting" in log
    assert "still running" not in log  # no watchdog had to end it
    assert "sshdeck quit (exit status 129)" in log  # the normal way out, clean-ups done
    assert status == 128 + signal.SIGHUP  # as if the hang-up's signal had come
    assert not sandboxes[0].exists()
    assert "Traceback" not in log


def ended(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def test_killing_its_tmux_session_while_the_app_draws_quits_the_normal_way(tmux: Tmux, tmp_path: Path) -> None:
    """As users close a terminal: the app leads the pane's session, so the kernel sends it SIGHUP and SIGCONT.

    Textual restarted on that SIGCONT over the dead terminal, with an output thread that died at once.
    """
    local = tmp_path / "local-side"
    local.mkdir()
    counter = tmp_path / "lines-printed"
    tmux.run("new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30",
             f"cd {local} && SHELL=/bin/sh exec {sshdeck_command()} --demo")
    pid = int(tmux.run("display", "-p", "-t", "e2e", "#{pane_pid}").strip())
    tmux.wait_for("demo:/", "disk-image.bin")
    sandboxes = list((tmp_path / "tmp").glob("sshdeck-demo-*"))
    assert len(sandboxes) == 1
    tmux.keys("C-o")
    tmux.wait_for("Files")  # the shell tab is open
    tmux.run("send-keys", "-t", "e2e", "-l",
             f"i=0; while [ $i -lt 100000 ]; do i=$((i+1)); echo $i; echo $i > {counter}; sleep 0.01; done")
    tmux.keys("Enter")
    assert wait_until(lambda: count(counter) >= 10, 60), "the shell tab's loop did not start"

    tmux.kill()  # the window closes
    assert wait_until(lambda: ended(pid), WATCHDOG_AND_MORE), "sshdeck outlived its terminal even past the watchdog"

    log = log_file().read_text()
    assert "still running" not in log  # the watchdog did not have to end it
    assert "pausing transfers and quitting" in log  # on the SIGHUP, or on the failed writes if they came first
    assert "sshdeck quit (exit status 129)" in log
    assert not sandboxes[0].exists()
    assert "Traceback" not in log
