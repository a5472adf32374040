"""A shell on this computer, on a local PTY, for a shell tab with no host (mc's Ctrl+O).

`LocalShellProcess` offers the part of asyncssh's `SSHClientProcess` a shell
tab uses (stdout/stderr readers, stdin writer, `change_terminal_size`,
`wait_closed`, `close`, `exit_status`, `exit_signal`), so the tab does not
care whether its bytes come from a channel or a PTY.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import signal
import struct
import termios

READ_SIZE = 65536


class _PtyReader:
    """Reads the PTY's output; b"" at the end (the shell exited)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._loop = asyncio.get_running_loop()
        self._ready = asyncio.Event()
        self._eof = False
        self._loop.add_reader(fd, self._ready.set)

    async def read(self, n: int = READ_SIZE) -> bytes:
        while not self._eof:
            try:
                data = os.read(self._fd, n)
            except BlockingIOError:
                self._ready.clear()
                await self._ready.wait()
                continue
            except OSError:  # EIO: the child side closed
                data = b""
            if not data:
                self.stop()
            return data
        return b""

    def stop(self) -> None:
        if not self._eof:
            self._eof = True
            self._loop.remove_reader(self._fd)
            self._ready.set()


class _EmptyReader:
    """A PTY merges stderr into stdout: this one ends at once."""

    async def read(self, n: int = READ_SIZE) -> bytes:
        return b""


class _PtyWriter:
    def __init__(self, fd: int) -> None:
        self._fd = fd

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]


class LocalShellProcess:
    """The user's login shell ($SHELL, else /bin/sh) on a new PTY in `cwd`."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self._fd = fd
        self.stdout = _PtyReader(fd)
        self.stderr = _EmptyReader()
        self.stdin = _PtyWriter(fd)
        self.exit_status: int | None = None
        self.exit_signal: tuple[str, bool, str, str] | None = None
        self._closed = False

    @classmethod
    async def start(cls, term_type: str, cols: int, rows: int, cwd: str, command: str | None = None) -> "LocalShellProcess":
        shell = os.environ.get("SHELL") or "/bin/sh"
        argv = [shell, "-c", command] if command else [shell, "-l"]
        env = dict(os.environ, TERM=term_type)
        pid, fd = pty.fork()
        if pid == 0:  # the child: a new session whose controlling terminal is the PTY
            try:
                os.chdir(cwd)
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        os.set_blocking(fd, False)
        process = cls(pid, fd)
        process.change_terminal_size(cols, rows)
        return process

    def change_terminal_size(self, cols: int, rows: int) -> None:
        fcntl.ioctl(self._fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    async def wait_closed(self) -> None:
        while self.exit_status is None and self.exit_signal is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped by close()
                self.exit_signal = ("HUP", False, "", "")
                break
            if pid == 0:
                await asyncio.sleep(0.05)
                continue
            if os.WIFSIGNALED(status):
                self.exit_signal = (signal.Signals(os.WTERMSIG(status)).name.removeprefix("SIG"), False, "", "")
            else:
                self.exit_status = os.waitstatus_to_exitcode(status)
        self._release()

    def close(self) -> None:
        """Hang up the shell (as closing a terminal window does) and free the PTY."""
        if self.exit_status is None and self.exit_signal is None:
            try:
                os.kill(self.pid, signal.SIGHUP)
            except ProcessLookupError:
                pass
            self._reap(tries=40)
        self._release()

    def _reap(self, tries: int) -> None:
        """Collect the hung-up child without blocking, so no zombie is left behind."""
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0 and tries > 0:
            if tries == 1:
                os.kill(self.pid, signal.SIGKILL)
            asyncio.get_running_loop().call_later(0.05, self._reap, tries - 1)

    def _release(self) -> None:
        if not self._closed:
            self._closed = True
            self.stdout.stop()
            try:
                os.close(self._fd)
            except OSError:
                pass


def local_shell_starter(folder: str):
    """A shell-tab starter for this computer, starting in `folder` (or the `cwd` a tab asks for)."""

    async def start(
        term_type: str, cols: int, rows: int, command: str | None = None, cwd: str | None = None
    ) -> LocalShellProcess:
        return await LocalShellProcess.start(term_type, cols, rows, cwd or folder, command)

    return start
