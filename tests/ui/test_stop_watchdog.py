"""A stop signal ends sshdeck even when the app cannot wind down (a busy loop, a shutdown that hangs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent("""
    import shutil, sys
    from sshdeck.ui import stop_watchdog

    sandbox = sys.argv[1]
    stop_watchdog.at_hard_exit(lambda: shutil.rmtree(sandbox))
    asked = []
    assert stop_watchdog.install(asked.append, grace=0.5) is not None
    print("ready", flush=True)
    while True:  # the event loop never comes back: only the watchdog can end this
        pass
""")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_process_that_cannot_wind_down_is_ended_by_the_watchdog_with_its_clean_ups(tmp_path: Path, signum) -> None:
    sandbox = tmp_path / "sshdeck-demo-x"
    sandbox.mkdir()
    (sandbox / "file").write_text("demo")
    process = subprocess.Popen([sys.executable, "-c", SCRIPT, str(sandbox)], stdout=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2])))
    try:
        assert process.stdout.readline().strip() == "ready"
        process.send_signal(signum)
        assert process.wait(timeout=30) == 128 + signum
    finally:
        process.kill()
    assert not sandbox.exists()


def test_handlers_are_put_back_when_uninstalled() -> None:
    from sshdeck.ui import stop_watchdog

    before = signal.getsignal(signal.SIGTERM)
    uninstall = stop_watchdog.install(lambda signum: None, grace=60)
    assert uninstall is not None and signal.getsignal(signal.SIGTERM) is not before
    uninstall()
    assert signal.getsignal(signal.SIGTERM) is before


HUNG_SHUTDOWN = textwrap.dedent("""
    import queue, shutil, sys
    from sshdeck.ui import stop_watchdog

    sandbox = sys.argv[1]
    stop_watchdog.at_hard_exit(lambda: shutil.rmtree(sandbox))
    stop_watchdog.arm_exit(0, 0.5, "the app began to quit")
    print("quitting", flush=True)
    full = queue.Queue(1)
    full.put("frame")
    full.put("the last frame")  # Textual's output thread is gone with the terminal: this never returns
""")


def test_a_shutdown_that_hangs_on_a_vanished_terminal_still_ends_the_process(tmp_path: Path) -> None:
    sandbox = tmp_path / "sshdeck-demo-y"
    sandbox.mkdir()
    process = subprocess.Popen([sys.executable, "-c", HUNG_SHUTDOWN, str(sandbox)], stdout=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2])))
    try:
        assert process.stdout.readline().strip() == "quitting"
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    assert not sandbox.exists()



GONE_TERMINAL = textwrap.dedent("""
    import os, queue, shutil, sys
    from sshdeck.ui import stop_watchdog

    sandbox = sys.argv[1]
    stop_watchdog.at_hard_exit(lambda: shutil.rmtree(sandbox))
    # The terminal's modes were saved at start; the terminal has gone since (tmux kill-server):
    # setting them again fails with termios.error, which is not an OSError.
    stop_watchdog._saved_tty = (os.open(os.devnull, os.O_RDWR), [0, 0, 0, 0, 0, 0, [b"\\0"] * 32])
    stop_watchdog.arm_exit(0, 0.5, "the app began to quit")
    print("quitting", flush=True)
    full = queue.Queue(1)
    full.put("frame")
    full.put("the last frame")
""")


def test_the_watchdog_ends_the_process_even_when_the_terminal_cannot_be_restored(tmp_path: Path) -> None:
    """Seen: demo processes left running for an hour after their tmux server was killed (the watchdog thread died)."""
    sandbox = tmp_path / "sshdeck-demo-z"
    sandbox.mkdir()
    process = subprocess.Popen([sys.executable, "-c", GONE_TERMINAL, str(sandbox)], stdout=subprocess.PIPE, text=True,
                               stderr=subprocess.DEVNULL,
                               env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2])))
    try:
        assert process.stdout.readline().strip() == "quitting"
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    assert not sandbox.exists()


@pytest.mark.parametrize("interrupted", ["make_sample_tree", "DemoServer"])
def test_a_stop_signal_while_the_demo_sandbox_is_being_made_leaves_no_sandbox(tmp_path: Path, monkeypatch,
                                                                              interrupted: str) -> None:
    """Seen: a terminal closed 0.4 s after `sshdeck --demo` started left a sshdeck-demo-* folder behind."""
    import tempfile

    from sshdeck.core.ssh import demo, remote_source
    from sshdeck.cli import _exit_on_signal

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def signal_arrives(*args, **kwargs):  # what sshdeck's start-up handler does on SIGHUP, mid-way
        _exit_on_signal(signal.SIGHUP, None)

    module = demo if interrupted == "make_sample_tree" else remote_source
    monkeypatch.setattr(module, interrupted, signal_arrives)
    with pytest.raises(SystemExit) as stopped:
        remote_source.DemoSource(None)
    assert stopped.value.code == 128 + signal.SIGHUP
    assert list(tmp_path.glob("sshdeck-demo-*")) == []
