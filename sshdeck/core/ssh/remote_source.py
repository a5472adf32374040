"""A remote location the main screen opens at start: the demo or a direct SFTP target.

This is the first slice's way in; the session manager (trust prompts,
every authentication method) takes over connecting to saved hosts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Sequence

import asyncssh

from sshdeck.core.ssh.demo import DemoSandbox, DemoServer
from sshdeck.core.fs.base import FileSystem
from sshdeck.core.fs.sftp import SftpFS


class RemoteSource(Protocol):
    """Something that yields a file system and a start folder, and closes it again."""

    label: str

    async def open(self) -> tuple[FileSystem, str]: ...

    async def close(self) -> None: ...


@dataclass
class DirectSftpSource:
    """Key login to one host with an explicit known_hosts: no prompts, no ~/.ssh lookups."""

    host: str
    port: int
    username: str
    client_keys: Sequence[asyncssh.SSHKey | str]
    known_hosts: asyncssh.SSHKnownHosts | str
    path: str | None = None
    label: str = ""
    _conn: asyncssh.SSHClientConnection | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.label:
            self.label = f"{self.username}@{self.host}"

    async def open(self) -> tuple[FileSystem, str]:
        self._conn = await asyncssh.connect(
            self.host,
            self.port,
            username=self.username,
            client_keys=list(self.client_keys),
            known_hosts=self.known_hosts,
            config=None,
            agent_path=None,
            preferred_auth="publickey",
        )
        sftp = await self._conn.start_sftp_client()
        fs = SftpFS(sftp, self.label)
        start = await fs.realpath(self.path or ".")
        return fs, start

    @property
    def connection(self) -> asyncssh.SSHClientConnection | None:
        """The open connection, for shells next to the files."""
        return self._conn

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            await self._conn.wait_closed()
            self._conn = None


class DemoSource:
    """Starts sshdeck's in-process demo server and connects to it."""

    label = "demo"

    def __init__(self, folder: Path | None = None) -> None:
        self.sandbox = DemoSandbox(folder)
        try:
            self.server = DemoServer(self.sandbox.path)
        except BaseException:  # a stop signal during start-up (SystemExit) too: no sandbox left behind
            self.sandbox.cleanup()
            raise
        self._direct: DirectSftpSource | None = None

    async def open(self) -> tuple[FileSystem, str]:
        await self.server.start()
        self._direct = DirectSftpSource(
            host=self.server.host,
            port=self.server.port,
            username=self.server.username,
            client_keys=[self.server.client_key],
            known_hosts=self.server.known_hosts(),
            path="/",
            label=self.label,
        )
        return await self._direct.open()

    @property
    def connection(self) -> asyncssh.SSHClientConnection | None:
        return self._direct.connection if self._direct is not None else None

    def shell_path(self, sftp_path: str) -> str:
        """The demo's SFTP is chrooted but its shell is not: the same folder, as the shell sees it."""
        return str(self.sandbox.path) + ("" if sftp_path == "/" else sftp_path)

    async def close(self) -> None:
        try:
            if self._direct is not None:
                await self._direct.close()
            await self.server.close()
        finally:
            self.sandbox.cleanup()
