"""Servers and links for the transfer tests: connecting to sshd, a cutting proxy, hostile SFTP servers."""

from __future__ import annotations

import asyncio
import os
import stat as st
from pathlib import Path
from typing import Any

import asyncssh

from sshdeck.core.transfer import SftpEndpoint

GCM = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com"]


async def connect_openssh(server, port: int | None = None) -> asyncssh.SSHClientConnection:
    """Key login to the test sshd (optionally through a proxy port), trusting exactly its host key."""
    known = asyncssh.import_known_hosts(server.known_hosts_line())
    if port is not None:
        # The proxy listens on another port: trust the same key there.
        key_type, key = server.host_public_key().split()[:2]
        known = asyncssh.import_known_hosts(f"[{server.host}]:{port} {key_type} {key}\n")
    return await asyncssh.connect(
        server.host,
        port or server.port,
        username=server.username,
        client_keys=[str(server.client_key)],
        known_hosts=known,
        config=None,
        agent_path=None,
        preferred_auth="publickey",
        encryption_algs=GCM,
    )


class Remote:
    """One SFTP session to a server with a reconnect function, closed by `close()`."""

    def __init__(self, connect) -> None:
        self._connect = connect
        self.conns: list[asyncssh.SSHClientConnection] = []

    async def sftp(self) -> asyncssh.SFTPClient:
        conn = await self._connect()
        self.conns.append(conn)
        return await conn.start_sftp_client()

    async def endpoint(self, root: str | Path, **kwargs: Any) -> SftpEndpoint:
        return SftpEndpoint(await self.sftp(), os.fsencode(str(root)), reconnect=self.sftp, **kwargs)

    async def close(self) -> None:
        for conn in self.conns:
            conn.close()
        for conn in self.conns:
            await conn.wait_closed()


class CuttingProxy:
    """A TCP relay on 127.0.0.1 that drops its first connection after `cut_after` bytes in one direction."""

    def __init__(self, target_host: str, target_port: int, cut_after: int | None = None, upstream: bool = False) -> None:
        self.target = (target_host, target_port)
        self.cut_after = cut_after
        self.upstream = upstream  # count (and cut) the client-to-server direction instead
        self.connections = 0
        self.cuts = 0
        self.port = 0
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> "CuttingProxy":
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        limit = self.cut_after if self.connections == 1 else None
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        done = asyncio.Event()

        async def relay(src: asyncio.StreamReader, dst: asyncio.StreamWriter, limit: int | None) -> None:
            moved = 0
            try:
                while data := await src.read(65536):
                    moved += len(data)
                    if limit is not None and moved > limit:
                        self.cuts += 1
                        break
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            done.set()

        up_limit, down_limit = (limit, None) if self.upstream else (None, limit)
        tasks = [
            asyncio.ensure_future(relay(reader, up_writer, up_limit)),
            asyncio.ensure_future(relay(up_reader, writer, down_limit)),
        ]
        await done.wait()
        for task in tasks:
            task.cancel()
        # A graceful close: what was relayed before the cut reaches the server (a reset could discard it).
        for w in (writer, up_writer):
            w.close()


# -- hostile servers ---------------------------------------------------------------------


def attrs_for(kind: str, size: int = 0) -> asyncssh.SFTPAttrs:
    modes = {"file": st.S_IFREG | 0o644, "dir": st.S_IFDIR | 0o755, "link": st.S_IFLNK | 0o777}
    types = {"file": asyncssh.FILEXFER_TYPE_REGULAR, "dir": asyncssh.FILEXFER_TYPE_DIRECTORY, "link": asyncssh.FILEXFER_TYPE_SYMLINK}
    return asyncssh.SFTPAttrs(type=types[kind], permissions=modes[kind], size=size, mtime=1_600_000_000, atime=1_600_000_000)


class HostileTree(asyncssh.SFTPServer):
    """An SFTP server that lists whatever `LISTING` says under /evil, and serves `DATA` for files.

    LISTING maps a folder path to [(raw name, kind, listed size)].  Real files
    live nowhere: reads return DATA[path] (or, with `OVERSEND`, more than asked).
    """

    LISTING: dict[bytes, list[tuple[bytes, str, int]]] = {}
    DATA: dict[bytes, bytes] = {}
    OVERSEND = False
    LINKS: dict[bytes, bytes] = {}

    def _lookup(self, path: bytes) -> tuple[str, int] | None:
        path = path.rstrip(b"/") or b"/"
        if path in self.LISTING or path == b"/":
            return ("dir", 0)
        parent, _, name = path.rpartition(b"/")
        for entry, kind, size in self.LISTING.get(parent or b"/", []):
            if entry == name:
                return (kind, size)
        return None

    def realpath(self, path: bytes) -> bytes:
        return path if path.startswith(b"/") else b"/" + path

    def lstat(self, path: bytes) -> asyncssh.SFTPAttrs:
        found = self._lookup(path)
        if found is None:
            raise asyncssh.SFTPNoSuchFile("no such file")
        return attrs_for(*found)

    def stat(self, path: bytes) -> asyncssh.SFTPAttrs:
        found = self._lookup(path)
        if found is None:
            raise asyncssh.SFTPNoSuchFile("no such file")
        if found[0] == "link":
            # Links resolve to a folder with a file in it: following them must still stay inside.
            return attrs_for("dir")
        return attrs_for(*found)

    def readlink(self, path: bytes) -> bytes:
        return self.LINKS.get(path, b"/")

    async def scandir(self, path: bytes):
        path = path.rstrip(b"/") or b"/"
        if self._lookup(path) is None:
            raise asyncssh.SFTPNoSuchFile("no such folder")
        for name, kind, size in self.LISTING.get(path, []):
            yield asyncssh.SFTPName(name, attrs=attrs_for(kind, size))

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        if pflags & asyncssh.FXF_WRITE:
            raise asyncssh.SFTPPermissionDenied("read-only")
        return path

    def read(self, file_obj: object, offset: int, size: int) -> bytes:
        data = self.DATA.get(file_obj, b"")
        if self.OVERSEND and offset < len(data):
            return data[offset:offset + size] + b"X" * 4096
        return data[offset:offset + size]

    def close(self, file_obj: object) -> None:
        return None


class HostileServer:
    """An in-process asyncssh server whose SFTP subsystem is `factory`."""

    def __init__(self, factory) -> None:
        self.factory = factory
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key = asyncssh.generate_private_key("ssh-ed25519")
        self.port = 0
        self._acceptor = None

    async def __aenter__(self) -> "HostileServer":
        authorized = asyncssh.import_authorized_keys(self.client_key.export_public_key().decode())
        self._acceptor = await asyncssh.create_server(
            asyncssh.SSHServer, "127.0.0.1", 0, server_host_keys=[self.host_key], authorized_client_keys=authorized,
            sftp_factory=self.factory, config=None, allow_scp=False,
        )
        self.port = self._acceptor.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._acceptor.close()
        await self._acceptor.wait_closed()

    async def connect(self) -> asyncssh.SSHClientConnection:
        known = asyncssh.import_known_hosts(f"[127.0.0.1]:{self.port} {self.host_key.export_public_key().decode()}")
        return await asyncssh.connect(
            "127.0.0.1", self.port, username="tester", client_keys=[self.client_key], known_hosts=known,
            config=None, agent_path=None,
        )
