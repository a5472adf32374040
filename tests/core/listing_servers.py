"""An SSH server on loopback whose folder `/endless` never stops listing.

Its READDIR keeps producing fresh names, cheaply (one counter, no disk), the
way a hostile server or a looping FUSE mount would.  `/tree` is the other
hostile shape: `TREE_FOLDERS` folders of `TREE_FILES` files each, every folder
small but the whole tree as big as the test asks (names made up, no disk).
Everything else is a real folder served from disk (chrooted), so `cp -r` can
walk it.  The client
key, known_hosts and ssh_config are written to files, so `sshdeck ls` / `cp`
can be run as real subprocesses against it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Callable

import asyncssh

from tests.core.fs_servers import _KeyOnlyServer, file_attrs

ENDLESS = "endless"
TREE = "tree"


class EndlessFolderServer(asyncssh.SFTPServer):
    """Serves `root`; a folder named `endless` lists `f00000000001`, `f00000000002`, … forever."""

    served = 0  # names handed out, across connections (the test checks the listing was real)
    tree_folders = 0  # the shape of /tree (a test sets it and makes the folder `tree` in the root)
    tree_files = 0
    on_tree_open: Callable[[], None] | None = None  # called when a client opens a file in /tree

    def __init__(self, chan: asyncssh.SSHServerChannel, root: str) -> None:
        super().__init__(chan, chroot=root)

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs):
        if path.startswith(b"/" + TREE.encode() + b"/") and EndlessFolderServer.on_tree_open is not None:
            EndlessFolderServer.on_tree_open()
        return super().open(path, pflags, attrs)

    async def scandir(self, path: bytes):
        parts = path.strip(b"/").split(b"/")
        if parts[0] == TREE.encode() and len(parts) <= 2:
            async for name in self._tree(len(parts) == 1):
                yield name
            return
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


    async def _tree(self, top: bool):
        count, prefix = (EndlessFolderServer.tree_folders, b"d") if top else (EndlessFolderServer.tree_files, b"f")
        attrs = dir_attrs() if top else file_attrs(size=1)
        for index in range(1, count + 1):
            EndlessFolderServer.served += 1
            name = b"%s%011d" % (prefix, index)
            yield asyncssh.SFTPName(name, name, attrs)


def dir_attrs() -> asyncssh.SFTPAttrs:
    return asyncssh.SFTPAttrs(
        type=asyncssh.FILEXFER_TYPE_DIRECTORY, size=0, uid=1000, gid=1000, permissions=0o40755, mtime=1_700_000_000
    )


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
