"""Places to run file-system tests against: this machine, the demo server, OpenSSH's sshd,
and small asyncssh servers that misbehave on purpose.

A `Place` pairs a `FileSystem` with the folder on this machine's disk that
its `root` path shows, so a test can set things up (or check them) directly
on disk and act through the file system.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Callable

import asyncssh

from sshdeck.core.ssh.demo import DemoServer
from sshdeck.core.fs.base import FileSystem
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.fs.sftp import SftpFS

PLACES = ("local", "demo", "openssh")


@dataclass
class Place:
    """A file system, the path of a scratch folder on it, and that folder on disk."""

    kind: str
    fs: FileSystem
    root: str
    disk: Path

    def path(self, *names: str | bytes) -> str:
        """The FS path of `names` below the root (bytes names keep their raw form)."""
        result = self.root
        for name in names:
            if isinstance(name, bytes):
                name = name.decode("utf-8", errors="surrogateescape")
            result = result.rstrip("/") + "/" + name
        return result

    def on_disk(self, *names: str | bytes) -> bytes:
        """The same item as a raw local path, for os.* calls."""
        result = bytes(self.disk).rstrip(b"/")
        for name in names:
            result += b"/" + (name if isinstance(name, bytes) else name.encode())
        return result


@contextlib.asynccontextmanager
async def sftp_client(host: str, port: int, username: str, client_key, known_hosts, **options) -> AsyncIterator[
    tuple[asyncssh.SSHClientConnection, asyncssh.SFTPClient]
]:
    """A key-only connection with an explicit known_hosts, as DirectSftpSource makes."""
    async with asyncssh.connect(
        host,
        port,
        username=username,
        client_keys=[client_key],
        known_hosts=known_hosts,
        config=None,
        agent_path=None,
        preferred_auth="publickey",
    ) as conn:
        sftp = await conn.start_sftp_client(**options)
        yield conn, sftp


@contextlib.asynccontextmanager
async def open_place(kind: str, tmp_path: Path, request) -> AsyncIterator[Place]:
    """A fresh scratch folder on the kind of place named (see PLACES).

    `request` gives the session's `openssh_server` fixture (a plain fixture,
    so it can be fetched from inside this async one).
    """
    if kind == "local":
        disk = tmp_path / "local-scratch"
        disk.mkdir()
        yield Place(kind, LocalFS(), str(disk), disk)
    elif kind == "demo":
        # The demo server's SFTP is chrooted to its folder: "/" is `served`.
        served = tmp_path / "demo-served"
        disk = served / "scratch"
        disk.mkdir(parents=True)
        async with DemoServer(served, shell=False) as server:
            async with sftp_client(
                server.host, server.port, server.username, server.client_key, server.known_hosts()
            ) as (_conn, sftp):
                yield Place(kind, SftpFS(sftp, "demo"), "/scratch", disk)
    elif kind == "openssh":
        server = request.getfixturevalue("openssh_server")
        disk = tmp_path / "openssh-scratch"
        disk.mkdir()
        known_hosts = asyncssh.import_known_hosts(server.known_hosts_line())
        async with sftp_client(
            server.host, server.port, server.username, str(server.client_key), known_hosts
        ) as (_conn, sftp):
            yield Place(kind, SftpFS(sftp, "openssh"), str(disk), disk)
    else:
        raise ValueError(kind)


# -- asyncssh servers that misbehave on purpose -----------------------------------


class _KeyOnlyServer(asyncssh.SSHServer):
    def __init__(self, authorized: asyncssh.SSHAuthorizedKeys) -> None:
        self._authorized = authorized

    def begin_auth(self, username: str) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return self._authorized.validate(key, "", "127.0.0.1") is not None


@contextlib.asynccontextmanager
async def crafted_server(
    sftp_factory: Callable[[asyncssh.SSHServerChannel], asyncssh.SFTPServer],
    **client_options,
) -> AsyncIterator[tuple[asyncssh.SSHClientConnection, asyncssh.SFTPClient]]:
    """An in-process SSH server whose SFTP side is `sftp_factory`'s, and a client of it."""
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    authorized = asyncssh.import_authorized_keys(client_key.export_public_key().decode())
    acceptor = await asyncssh.create_server(
        lambda: _KeyOnlyServer(authorized),
        "127.0.0.1",
        0,
        server_host_keys=[host_key],
        sftp_factory=sftp_factory,
        # Offer every SFTP version; the client's `sftp_version` picks one.
        sftp_version=6,
        config=None,
    )
    port = acceptor.sockets[0].getsockname()[1]
    known_hosts = asyncssh.import_known_hosts(
        f"[127.0.0.1]:{port} {host_key.export_public_key().decode().strip()}\n"
    )
    try:
        async with sftp_client("127.0.0.1", port, "tester", client_key, known_hosts, **client_options) as pair:
            yield pair
    finally:
        acceptor.close()
        await acceptor.wait_closed()


def file_attrs(size: int = 1, permissions: int = 0o100644) -> asyncssh.SFTPAttrs:
    return asyncssh.SFTPAttrs(
        type=asyncssh.FILEXFER_TYPE_REGULAR,
        size=size,
        uid=1000,
        gid=1000,
        permissions=permissions,
        atime=0,
        mtime=1_700_000_000,
        nlink=1,
    )


class CraftedListingServer(asyncssh.SFTPServer):
    """Lists every folder as the names it was given, whatever they are."""

    names: list[bytes] = []

    async def scandir(self, path: bytes):
        for name in self.names:
            yield asyncssh.SFTPName(name, attrs=file_attrs())


class RefusingServer(asyncssh.SFTPServer):
    """Serves a real folder but refuses every change with the error `make_error` makes."""

    def __init__(self, chan, chroot: str, make_error: Callable[[], Exception]) -> None:
        super().__init__(chan, chroot=chroot)
        self._make_error = make_error

    def _refuse(self, *args: object) -> None:
        raise self._make_error()

    mkdir = rmdir = remove = rename = posix_rename = setstat = _refuse

    def open(self, path, pflags, attrs):
        if pflags & (asyncssh.FXF_WRITE | asyncssh.FXF_CREAT | asyncssh.FXF_TRUNC):
            raise self._make_error()
        return super().open(path, pflags, attrs)


def refusing(folder: Path, make_error: Callable[[], Exception]):
    """An `sftp_factory` for `crafted_server`: `folder` served, every change refused."""
    return lambda chan: RefusingServer(chan, str(folder), make_error)
