"""Textual's Linux driver, for a terminal that can vanish under the app (a closed window, a killed tmux).

Once a terminal has hung up, writing to it fails with EIO and reading it
returns end-of-file at once, for ever.  Textual's driver was not made for
that, and sshdeck lingered until its stop watchdog ended it (15 s after the
SIGHUP), in one closed terminal in three to six during start-up or a big
listing's load:

- its output thread dies at the first write that fails, and the app's next
  writes fill the thread's queue (30 frames) then block the event loop for
  good: quitting never gets past `WriterThread.stop`;
- the SIGCONT that comes with the hang-up (sent to a session leader) makes it
  restart application mode on the dead terminal, with a new output thread
  that dies at once;
- its input thread spins on the end-of-file.

`SshdeckDriver` writes through `TerminalOutput`, which never raises: at the
first failed write it reports the terminal gone, and from then on drops what
it is given, so the output thread keeps draining its queue and nothing
blocks.  A gone terminal (found by that write, by a stop signal's check, or by
a SIGCONT's) also stops the input thread, turns off the restart on SIGCONT,
points the process's output descriptors on that terminal at /dev/null, so
that nothing printed later (Python's final flush of stderr included) fails,
and tells the app (`TerminalGone`), which quits as on SIGHUP: a terminal can
go without the signal reaching sshdeck (a program in between that does not
pass it on), and nobody can use the app any more.
A terminal still there (`kill -HUP` from elsewhere) is left alone: the app
restores it on the way out as usual.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import termios
import threading
from typing import IO, Callable

from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

log = logging.getLogger(__name__)

# What a terminal that has hung up answers to tcgetattr (EIO), or a pty whose other side is gone.
GONE_ERRNOS = (errno.EIO, errno.ENXIO)
# What a write answers when nobody will ever read it: a hung-up terminal, a pipe without reader, a closed descriptor.
WRITE_GONE_ERRNOS = (errno.EIO, errno.ENXIO, errno.EPIPE, errno.EBADF)


def terminal_gone(fd: int) -> bool:
    """True when `fd` is a terminal that has hung up (not merely something that is not a terminal)."""
    try:
        termios.tcgetattr(fd)
    except termios.error as exc:
        return bool(exc.args) and exc.args[0] in GONE_ERRNOS
    except (OSError, ValueError):
        return False
    return False


class TerminalGone(Message):
    """Sent to the app when its terminal has gone: there is nobody left to use it, so it should quit."""


class TerminalOutput:
    """The driver's output stream: drops writes instead of raising once the terminal has gone."""

    def __init__(self, file: IO[str], on_gone: Callable[[], None]) -> None:
        self._file = file
        self._on_gone = on_gone
        self.gone = False

    def write(self, text: str) -> None:
        if self.gone:
            return
        try:
            self._file.write(text)
        except (OSError, ValueError) as exc:
            self._failed(exc)

    def flush(self) -> None:
        if self.gone:
            return
        try:
            self._file.flush()
        except (OSError, ValueError) as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        # Another error (EAGAIN on a terminal another program left non-blocking) costs this frame only.
        if isinstance(exc, ValueError) or exc.errno in WRITE_GONE_ERRNOS or terminal_gone(self.fileno()):
            self._lost()

    def fileno(self) -> int:
        try:
            return self._file.fileno()
        except (OSError, ValueError):
            return -1

    def _lost(self) -> None:
        self.gone = True
        self._on_gone()


class SshdeckDriver(LinuxDriver):
    """LinuxDriver that stops using a terminal once it has gone, instead of blocking on it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._gone = threading.Event()
        self._terminal = sys.__stderr__  # where Textual draws
        self._file = TerminalOutput(self._terminal, self.terminal_lost)
        try:  # the output thread exists to wait on a slow terminal: one left non-blocking would drop frames
            os.set_blocking(self._output_fd(), True)
        except (OSError, ValueError):
            pass

    @property
    def is_gone(self) -> bool:
        return self._gone.is_set()

    def check_terminal(self) -> bool:
        """Look whether the terminal has gone (e.g. on a stop signal); if so, stop using it.  True if gone."""
        if not self.is_gone and terminal_gone(self._output_fd()):
            self.terminal_lost()
        return self.is_gone

    def terminal_lost(self) -> None:
        """The terminal has hung up: never write to it, read it or restart on it again.

        Called from the output thread (a failed write) or a signal handler: only sets
        flags and moves file descriptors, which is safe from either.
        """
        if self._gone.is_set():
            return
        self._gone.set()
        self._file.gone = True
        self._auto_restart = False  # a SIGCONT must not start application mode on the dead terminal
        self.exit_event.set()  # the input thread would spin on end-of-file
        self._silence_dead_descriptors()
        try:
            log.info("the terminal has gone: no more output to it")
        except Exception:  # noqa: BLE001 - from a signal handler, logging must not get in the way
            pass
        try:
            self.send_message(TerminalGone())  # thread-safe: through the loop's call_soon_threadsafe
        except RuntimeError:  # the loop has closed: the app is over anyway
            pass

    def _output_fd(self) -> int:
        try:
            return self._terminal.fileno()
        except (OSError, ValueError, AttributeError):
            return -1

    def _silence_dead_descriptors(self) -> None:
        """Point stdout/stderr at /dev/null where they are the dead terminal, so later writes neither fail nor block."""
        try:
            dead = os.fstat(self._output_fd())
        except (OSError, ValueError):
            return
        try:
            null = os.open(os.devnull, os.O_WRONLY)
        except OSError:
            return
        try:
            for fd in (1, 2):
                try:
                    same = os.path.samestat(os.fstat(fd), dead)
                except OSError:
                    continue
                if same:
                    os.dup2(null, fd)
        finally:
            os.close(null)

    def write(self, data: str) -> None:
        if self.is_gone:
            return
        super().write(data)

    def _sigcont_application(self, *args) -> None:
        # A hang-up sends SIGCONT with SIGHUP to a session leader: no restart on a terminal that has gone.
        if self.check_terminal():
            return
        super()._sigcont_application(*args)

    def _sigtstp_application(self, *args) -> None:
        if self.check_terminal():
            return
        super()._sigtstp_application(*args)

    def run_input_thread(self) -> None:
        try:
            super().run_input_thread()
        except OSError:
            if not self.check_terminal():
                raise
