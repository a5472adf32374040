"""SIGTERM and SIGHUP always end sshdeck, even when the app cannot wind down.

The app's own answer to a stop signal (ui/quitting.py) runs on the event
loop: pause the transfers, exit, restore the terminal, remove the demo
sandbox.  A loop that is busy, or a shutdown that hangs (Textual's output
thread waiting on a terminal that is gone), would leave the process running
for ever after its window was closed.  So the signal is caught by a plain
`signal.signal` handler — it runs between two bytecodes of the main thread,
whatever the loop is doing — which hands the graceful stop to the loop and
arms a watchdog thread.  If the process is still alive `grace` seconds
later, the watchdog restores the terminal modes saved at start, runs the
registered clean-ups (the demo sandbox) and ends the process with
128 + the signal number, as a shell expects.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)

# Leave the alternate screen, show the cursor, stop mouse reports and bracketed paste.
RESET_TERMINAL = b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?2004l\x1b[?1049l\x1b[?25h"

_cleanups: list[Callable[[], None]] = []
_saved_tty: tuple[int, list] | None = None
_armed = threading.Event()


def remember_terminal() -> None:
    """Save the terminal's modes before the app changes them (a no-op without a terminal)."""
    global _saved_tty
    try:
        import termios

        fd = sys.stdin.fileno()
        _saved_tty = (fd, termios.tcgetattr(fd))
    except (ImportError, OSError, ValueError, AttributeError):
        _saved_tty = None


def at_hard_exit(cleanup: Callable[[], None]) -> None:
    """Run `cleanup` if the watchdog has to end the process."""
    _cleanups.append(cleanup)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def install(graceful: Callable[[int], None], grace: float) -> Callable[[], None] | None:
    """Catch SIGTERM and SIGHUP: `graceful(signum)` from the handler, the watchdog after `grace` seconds.

    `graceful` must only schedule work (e.g. `loop.call_soon_threadsafe`).
    Returns what puts the previous handlers back, or None when handlers
    cannot be installed here (not the main thread).
    """

    def handler(signum: int, _frame: object) -> None:
        arm(signum, grace)
        graceful(signum)

    try:
        previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    except ValueError:
        return None

    def uninstall() -> None:
        for signum, old in previous.items():
            if signal.getsignal(signum) is handler:
                signal.signal(signum, old)

    return uninstall


def arm(signum: int, grace: float) -> None:
    """Start the watchdog once: after a stop signal, end the process `grace` seconds later with 128 + signum."""
    arm_exit(128 + signum, grace, signal.Signals(signum).name)


def arm_exit(code: int, grace: float, reason: str) -> None:
    """Start the watchdog once: if the process still runs `grace` seconds from now, end it with `code`.

    Armed by a stop signal, and by the app when it starts shutting down: Textual's
    shutdown can wait for ever on a terminal that has gone away (its output thread),
    which left processes behind after their window was closed.
    """
    if _armed.is_set():
        return
    _armed.set()
    threading.Thread(target=_hard_exit_after, args=(code, grace, reason), name="sshdeck-stop-watchdog",
                     daemon=True).start()


def _hard_exit_after(code: int, grace: float, reason: str) -> None:
    time.sleep(grace)
    try:
        try:
            log.warning("still running %.0f s after %s: ending the process", grace, reason)
        except BaseException:  # noqa: BLE001 - logging must not keep us alive
            pass
        try:
            restore_terminal()
        except BaseException:  # noqa: BLE001 - a terminal that has gone raises termios.error (not an OSError)
            pass
        for cleanup in _cleanups:
            try:
                cleanup()
            except BaseException:  # noqa: BLE001 - each clean-up is best effort
                pass
    finally:
        os._exit(code)


def restore_terminal() -> None:
    if _saved_tty is not None:
        try:
            import termios

            termios.tcsetattr(_saved_tty[0], termios.TCSANOW, _saved_tty[1])
        except Exception:  # noqa: BLE001 - a terminal that has gone raises termios.error, not an OSError
            pass
    try:
        os.write(sys.__stdout__.fileno(), RESET_TERMINAL)
    except (OSError, ValueError, AttributeError):
        pass
