"""An in-process SSH/SFTP server for `sshdeck --demo` and for the tests.

It listens on 127.0.0.1 only, on a free port, with a fresh ed25519 host key
and a fresh client key each run; that client key is the only way in.  SFTP
is chrooted to the demo folder, and a shell request starts the user's shell
on a local PTY in that folder.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import shutil
import signal
import struct
import tempfile
import termios
from pathlib import Path
from typing import Any

import asyncssh

log = logging.getLogger(__name__)

DEMO_USER = "demo"


def make_sample_tree(root: Path) -> None:
    """Fill `root` with a small tree that shows what the panes can do."""
    (root / "projects" / "website" / "assets").mkdir(parents=True, exist_ok=True)
    (root / "projects" / "website" / "index.html").write_text(
        "<!doctype html>\n<title>sshdeck demo</title>\n<h1>Hello from the demo server</h1>\n"
    )
    (root / "projects" / "website" / "assets" / "style.css").write_text("body { font-family: sans-serif; }\n")
    (root / "projects" / "notes.md").write_text("# Notes\n\nEverything here lives in a temporary sandbox.\n")
    (root / "photos 2024").mkdir(exist_ok=True)
    (root / "photos 2024" / "été à Lyon.txt").write_text("Non-ASCII names round-trip.\n")
    (root / "photos 2024" / "café menu.txt").write_text("Names with spaces too.\n")
    (root / "empty folder").mkdir(exist_ok=True)
    (root / "logs").mkdir(exist_ok=True)
    (root / "logs" / "app.log").write_text(
        "".join(f"2026-11-22T10:{i // 60:02d}:{i % 60:02d} INFO request {i} served\n" for i in range(500))
    )
    with open(root / "disk-image.bin", "wb") as handle:
        # A few MB of incompressible-looking bytes, generated cheaply.
        block = os.urandom(64 * 1024)
        for _ in range(48):
            handle.write(block)
    (root / "README.txt").write_text(
        "This is sshdeck's demo server.\n"
        "Browse with the arrow keys, Enter opens a folder, Backspace goes up.\n"
    )


class _DemoSSHServer(asyncssh.SSHServer):
    """Public-key authentication only, for the one user the demo knows."""

    def __init__(self, authorized: asyncssh.SSHAuthorizedKeys) -> None:
        self._authorized = authorized

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return username == DEMO_USER and self._authorized.validate(key, "", "127.0.0.1") is not None


class DemoServer:
    """A throwaway SSH server on loopback serving one folder.

    Use as an async context manager, or call start() and close().
    """

    host = "127.0.0.1"
    username = DEMO_USER

    def __init__(
        self,
        root: Path,
        *,
        shell: bool = True,
        sftp: bool = True,
        sftp_server: type[asyncssh.SFTPServer] = asyncssh.SFTPServer,
    ) -> None:
        """`sftp_server` lets tests serve through a misbehaving SFTPServer subclass."""
        self.root = Path(root).resolve()
        self.port = 0
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key = asyncssh.generate_private_key("ssh-ed25519")
        self._shell = shell
        self._sftp = sftp
        self._sftp_server = sftp_server
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._shells: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        authorized = asyncssh.import_authorized_keys(
            self.client_key.export_public_key().decode("ascii")
        )
        options: dict[str, Any] = {}
        if self._sftp:
            root, server_class = str(self.root), self._sftp_server
            options["sftp_factory"] = lambda chan: server_class(chan, chroot=root)
        if self._shell:
            options["process_factory"] = self._start_shell
        self._acceptor = await asyncssh.create_server(
            lambda: _DemoSSHServer(authorized),
            self.host,
            0,
            server_host_keys=[self.host_key],
            config=None,
            allow_scp=False,
            line_editor=False,
            encoding=None,
            **options,
        )
        self.port = self._acceptor.sockets[0].getsockname()[1]
        log.info("demo server listening on %s:%d serving %s", self.host, self.port, self.root)

    async def close(self) -> None:
        for task in list(self._shells):
            task.cancel()
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
            self._acceptor = None

    async def __aenter__(self) -> "DemoServer":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def known_hosts(self) -> asyncssh.SSHKnownHosts:
        """A known_hosts object trusting exactly this server's host key."""
        line = f"[{self.host}]:{self.port} {self.host_key.export_public_key().decode('ascii').strip()}\n"
        return asyncssh.import_known_hosts(line)

    def host_key_fingerprint(self) -> str:
        return self.host_key.get_fingerprint("sha256")

    # -- the shell -------------------------------------------------------------

    def _start_shell(self, process: asyncssh.SSHServerProcess) -> None:
        task = asyncio.ensure_future(self._run_shell(process))
        self._shells.add(task)
        task.add_done_callback(self._shells.discard)

    async def _run_shell(self, process: asyncssh.SSHServerProcess) -> None:
        shell = shutil.which("bash") or "/bin/sh"
        command = process.command
        argv = [shell, "-c", command] if command else [shell, "-i"]
        master, slave = os.openpty()
        width, height, _, _ = process.term_size
        _set_winsize(master, width or 80, height or 24)
        env = {
            "HOME": str(self.root),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TERM": process.term_type or "xterm-256color",
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "PS1": r"demo:\w\$ ",
            "SHELL": shell,
        }

        def make_controlling_tty() -> None:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        try:
            child = await asyncio.create_subprocess_exec(
                *argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                cwd=self.root,
                env=env,
                preexec_fn=make_controlling_tty,
            )
        except OSError as exc:
            os.close(master)
            os.close(slave)
            process.stderr.write(f"cannot start a shell: {exc}\r\n".encode())
            process.exit(127)
            return
        os.close(slave)
        os.set_blocking(master, False)
        loop = asyncio.get_running_loop()
        output_done = asyncio.Event()

        def on_output() -> None:
            try:
                data = os.read(master, 65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if data:
                try:
                    process.stdout.write(data)
                    return
                except (OSError, asyncssh.Error):
                    pass  # the client closed the channel: stop reading, the shell is hung up below
            loop.remove_reader(master)
            output_done.set()

        loop.add_reader(master, on_output)

        async def pump_input() -> None:
            while True:
                try:
                    data = await process.stdin.read(65536)
                except asyncssh.TerminalSizeChanged as change:
                    _set_winsize(master, change.width, change.height)
                    continue
                except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                    continue
                if not data:
                    return
                await _write_all(master, data)

        input_task = asyncio.ensure_future(pump_input())
        exited = asyncio.ensure_future(child.wait())
        # The client closing the channel hangs the shell up, as sshd does (its output has nowhere to go).
        hung_up = asyncio.ensure_future(process.channel.wait_closed())
        try:
            await asyncio.wait({exited, hung_up}, return_when=asyncio.FIRST_COMPLETED)
            if not exited.done():
                return
            status = exited.result()
            await asyncio.wait_for(output_done.wait(), timeout=1)
        except asyncio.TimeoutError:
            status = child.returncode or 0
        except asyncio.CancelledError:
            status = 130
        finally:
            input_task.cancel()
            hung_up.cancel()
            loop.remove_reader(master)
            if child.returncode is None:
                try:
                    os.killpg(child.pid, signal.SIGHUP)
                except ProcessLookupError:
                    pass
            os.close(master)
        process.exit(status if status >= 0 else 128 - status)


def _set_winsize(fd: int, width: int, height: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


async def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            await asyncio.sleep(0.01)
            continue
        except OSError:
            return
        view = view[written:]


class DemoSandbox:
    """The folder the demo serves: the user's, or a fresh temporary one."""

    def __init__(self, folder: Path | None) -> None:
        self.created = folder is None
        if folder is None:
            self.path = Path(tempfile.mkdtemp(prefix="sshdeck-demo-"))
            try:
                make_sample_tree(self.path)
            except BaseException:  # a stop signal during start-up (SystemExit) too: no sandbox left behind
                shutil.rmtree(self.path, ignore_errors=True)
                raise
        else:
            self.path = Path(folder).expanduser().resolve()
            if not self.path.is_dir():
                raise NotADirectoryError(f"{folder}: not a folder")

    def cleanup(self) -> None:
        if self.created:
            shutil.rmtree(self.path, ignore_errors=True)
