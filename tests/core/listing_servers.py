"""An SSH server on loopback whose folder `/endless` never stops listing.

Its READDIR keeps producing fresh names, cheaply (one counter, no disk), the
way a hostile server or a looping FUSE mount would.  Everything else is a
real folder served from disk (chrooted), so `cp -r` can walk it.  The client
key, known_hosts and ssh_config are written to files, so `sshdeck ls` / `cp`
can be run as real subprocesses against it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator

import asyncssh

from tests.core.fs_servers import _KeyOnlyServer, file_attrs

ENDLESS = "endless"


class EndlessFolderServer(asyncssh.SFTPServer):
    """Serves `root`; a folder named `endless` lists `f00000000001`, `f00000000002`, … forever."""

    served = 0  # names handed out, across connections (the test checks the listing was real)

    def __init__(self, chan: asyncssh.SSHServerChannel, root: str) -> None:
        super().__init__(chan, chroot=root)

    async def scandir(self, path: bytes):
        if path.rstrip(b"/").rpartition(b"/")[2] != ENDLESS.encode():
            async for name in super().scandir(path):
                yield name
            return
        attrs = file_attrs(size=1)
        index = 0
        while True:
            index += 1
            EndlessFolderServer.served += 1
            name = b"f%011d" % index
            yield asyncssh.SFTPName(name, b"-rw-r--r-- 1 tester tester 1 Jan 1 00:00 " + name, attrs)


@dataclass
class EndlessServer:
    """Where the server listens, and the files a client needs to reach it."""

    port: int
    root: Path
    client_key: Path
    known_hosts_line: str

    def write_ssh_config(self, path: Path, alias: str = "endless-box") -> Path:
        path.write_text(
            f"Host {alias}\n  HostName 127.0.0.1\n  Port {self.port}\n  User tester\n"
            f"  IdentityFile {self.client_key}\n  IdentitiesOnly yes\n"
        )
        return path


@contextlib.asynccontextmanager
async def endless_server(workdir: Path, *, sftp: bool = True) -> AsyncIterator[EndlessServer]:
    """Start the server (files in `workdir`); `sftp=False` gives a shell-only server instead."""
    root = workdir / "served"
    (root / ENDLESS).mkdir(parents=True)
    (root / "small").mkdir()
    (root / "small" / "one.txt").write_text("1")
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_path = workdir / "client_key"
    client_key.write_private_key(str(key_path))
    key_path.chmod(0o600)
    authorized = asyncssh.import_authorized_keys(client_key.export_public_key().decode())
    options = {"sftp_factory": lambda chan: EndlessFolderServer(chan, str(root))} if sftp else {}
    acceptor = await asyncssh.create_server(
        lambda: _KeyOnlyServer(authorized),
        "127.0.0.1",
        0,
        server_host_keys=[host_key],
        config=None,
        process_factory=_shell,
        **options,
    )
    port = acceptor.sockets[0].getsockname()[1]
    line = f"[127.0.0.1]:{port} {host_key.export_public_key().decode().strip()}\n"
    try:
        yield EndlessServer(port, root, key_path, line)
    finally:
        acceptor.close()
        await acceptor.wait_closed()


def _shell(process: asyncssh.SSHServerProcess) -> None:
    process.stdout.write("shell only here\n")
    process.exit(0)
