"""The session manager: one SSH connection per host, shared by the file pane, shells and tunnels.

A `Session` owns the connection(s) to one host.  SFTP, shell channels and
port forwards are opened over the first connection; when the server refuses
another channel (OpenSSH allows 10 per connection, MaxSessions), a second
connection is opened with the same, already-decided trust and the channel
goes there.  Connecting can be cancelled; reconnecting reuses the host-key
decision made for this session (a key accepted "once" is not asked again
until the session is discarded) and keys already decrypted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
from typing import Any, Awaitable, Callable, TypeVar

import asyncssh

from sshdeck.core.ssh.account import CHANNEL_FULL_CODES, AccountInfo, detect_account
from sshdeck.core.ssh.auth import AuthRecord, ConnectCallbacks
from sshdeck.core.ssh.client_keys import KeyCache
from sshdeck.core.ssh.connect import AcceptedKeys, Connected, open_connection
from sshdeck.core.ssh.connect_errors import ConnectError, describe
from sshdeck.core.ssh.connect_spec import ConnectSpec, ResolvedTarget
from sshdeck.core.ssh.quick_ack import opened_promptly
from sshdeck.core.trust.check import HostKeyCheck
from sshdeck.core.trust.known_hosts import TrustStore

__all__ = ["ConnectSpec", "Session", "SessionState", "ConnectError"]

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_CONNECTIONS = 4


class SessionState(enum.Enum):
    IDLE = "idle"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    CLOSED = "closed"


class Session:
    """Everything sshdeck has open to one host."""

    def __init__(
        self,
        spec: ConnectSpec,
        callbacks: ConnectCallbacks | None = None,
        *,
        trust: TrustStore | None = None,
    ) -> None:
        self.spec = spec
        given = callbacks or ConnectCallbacks()
        self._user_lost = given.connection_lost
        # A copy: the caller's callbacks object may serve other sessions too.
        self.callbacks = dataclasses.replace(given, connection_lost=self._on_lost)
        self.trust = trust or TrustStore()
        self.state = SessionState.IDLE
        self.last_error: ConnectError | None = None
        self._accepted: AcceptedKeys = {}
        self._key_cache: KeyCache = {}
        self._connections: list[Connected] = []
        self._connecting: asyncio.Task[Connected] | None = None
        self._sftp: asyncssh.SFTPClient | None = None
        self._sftp_lock = asyncio.Lock()

    # -- facts -------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self.state == SessionState.CONNECTED and bool(self._connections)

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    @property
    def target(self) -> ResolvedTarget | None:
        return self._connections[0].target if self._connections else None

    @property
    def host_key(self) -> HostKeyCheck | None:
        """The verdict that let the first connection in (which line or pin trusted it)."""
        return self._connections[0].host_key if self._connections else None

    @property
    def auth(self) -> AuthRecord | None:
        """Methods tried, certificates offered (principals, expiry) on the first connection."""
        return self._connections[0].auth if self._connections else None

    @property
    def login_key_fingerprint(self) -> str | None:
        """`SHA256:…` of the key the first connection logged in with (None: no key login)."""
        return self._connections[0].client.login_key_fingerprint if self._connections else None

    @property
    def connection(self) -> asyncssh.SSHClientConnection:
        if not self._connections:
            raise ConnectError("lost", f"not connected to {self.spec.host}")
        return self._connections[0].conn

    # -- life cycle ----------------------------------------------------------------

    async def connect(self) -> None:
        """Connect (or join a connect already under way); ConnectError on failure.

        Cancelling any caller of connect() cancels the connect itself.
        """
        if self.connected:
            return
        if self._connecting is None or self._connecting.done():
            self.state = SessionState.CONNECTING
            self._connecting = asyncio.ensure_future(self._open())
        try:
            connected = await asyncio.shield(self._connecting)
        except asyncio.CancelledError:
            if self._connecting.cancelled():
                self.state = SessionState.IDLE
                raise ConnectError("cancelled", f"connecting to {self.spec.host} was cancelled") from None
            # Our caller was cancelled: stop the connect too, so no prompt appears later.
            self._connecting.cancel()
            self.state = SessionState.IDLE
            raise
        except ConnectError as exc:
            self.state = SessionState.DISCONNECTED
            self.last_error = exc
            raise
        if connected not in self._connections:
            self._connections.insert(0, connected)
        self.state = SessionState.CONNECTED
        self.last_error = None

    def cancel(self) -> None:
        """Stop a connect under way (the awaiting `connect()` raises ConnectError 'cancelled')."""
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()

    async def _open(self) -> Connected:
        try:
            return await open_connection(
                self.spec, self.callbacks, trust=self.trust, accepted=self._accepted, key_cache=self._key_cache
            )
        except ConnectError:
            raise
        except Exception as exc:  # anything unforeseen still becomes one line
            log.exception("unexpected failure connecting to %s", self.spec.host)
            raise describe(exc, self.spec.host, self.spec.port or 22) from None

    async def reconnect(self) -> None:
        """Close whatever is open and connect again (no new host-key prompt for a key accepted here)."""
        await self._close_connections()
        self.state = SessionState.IDLE
        await self.connect()

    async def close(self) -> None:
        """Close SFTP, channels and every connection (jump hosts included)."""
        self.cancel()
        await self._close_connections()
        self.state = SessionState.CLOSED

    async def _close_connections(self) -> None:
        if self._sftp is not None:
            self._sftp.exit()
            self._sftp = None
        connections, self._connections = self._connections, []
        for connected in connections:
            await connected.close()

    def _on_lost(self, reason: str) -> None:
        primary = self._connections[0] if self._connections else None
        self._connections = [c for c in self._connections if not c.client.lost]
        if primary is not None and primary not in self._connections:
            self._sftp = None
        if not self._connections and self.state == SessionState.CONNECTED:
            self.state = SessionState.DISCONNECTED
            self.last_error = ConnectError("lost", reason)
        if self._user_lost is not None:
            self._user_lost(reason)

    # -- channels ------------------------------------------------------------------

    async def _on_any_connection(self, open_channel: Callable[[asyncssh.SSHClientConnection], Awaitable[T]]) -> T:
        """Run `open_channel` on the first connection with room; open another when all are full."""
        await self.connect()
        for connected in list(self._connections):
            try:
                return await open_channel(connected.conn)
            except asyncssh.ChannelOpenError as exc:
                if exc.code not in CHANNEL_FULL_CODES:
                    raise
                log.info("%s refused another channel (%s); trying the next connection", self.spec.host, exc.reason)
        if len(self._connections) >= MAX_CONNECTIONS:
            raise ConnectError("channel", f"{self.spec.host} refused another channel on {MAX_CONNECTIONS} connections")
        extra = await open_connection(
            self.spec, self.callbacks, trust=self.trust, accepted=self._accepted, key_cache=self._key_cache
        )
        self._connections.append(extra)
        log.info("opened connection %d to %s", len(self._connections), self.spec.host)
        return await open_channel(extra.conn)

    async def open_detached(self, callbacks: ConnectCallbacks, spec: ConnectSpec | None = None) -> Connected:
        """One more connection to this account that the caller owns and closes (bulk transfers, core/ssh/bulk.py).

        It reuses this session's host-key decisions and decrypted keys but is not
        one of the connections the session's own channels use.
        """
        return await open_connection(
            spec or self.spec, callbacks, trust=self.trust, accepted=self._accepted, key_cache=self._key_cache
        )

    async def start_sftp_client(self) -> asyncssh.SFTPClient:
        """A new SFTP client (its own channel), e.g. for a transfer worker."""
        return await self._on_any_connection(lambda conn: opened_promptly(conn, conn.start_sftp_client()))

    async def sftp(self) -> asyncssh.SFTPClient:
        """The session's shared SFTP client, started on first use."""
        async with self._sftp_lock:
            if self._sftp is None:
                self._sftp = await self.start_sftp_client()
            return self._sftp

    async def create_process(self, command: str | None = None, **kwargs: Any) -> asyncssh.SSHClientProcess:
        """A shell or command channel; the profile's remote command and force-pty apply by default."""
        if command is None:
            command = self.spec.remote_command
        if self.spec.force_pty:
            kwargs.setdefault("request_pty", "force")
            kwargs.setdefault("term_type", "xterm-256color")
        return await self._on_any_connection(lambda conn: opened_promptly(conn, conn.create_process(command, **kwargs)))

    async def run(self, command: str, **kwargs: Any) -> asyncssh.SSHCompletedProcess:
        """Run one command to completion (its own channel)."""
        process = await self.create_process(command, **kwargs)
        return await process.wait()

    # -- port forwards (sshdeck/core/tunnels runs them) ------------------------------------

    async def open_tcp(self, host: str, port: int) -> tuple[asyncssh.SSHReader, asyncssh.SSHWriter]:
        """A direct-tcpip channel to host:port as the server sees it, on the current connection.

        Never connects: while the connection is down this raises ConnectError,
        so a forwarded client is refused instead of racing the reconnect.
        """
        return await self.connection.open_connection(host, port)

    async def listen_remote(
        self, bind: str, port: int, handler: Callable[[asyncssh.SSHReader, asyncssh.SSHWriter], Awaitable[None]]
    ) -> asyncssh.SSHListener:
        """Ask the server to listen on bind:port (ssh -R); each connection goes to `handler`.

        Raises asyncssh.ChannelListenError when the server refuses (port in use, forwarding off).
        """
        await self.connect()
        return await self.connection.start_server(lambda _host, _port: handler, bind, port)

    async def detect_account(self, remote_folder: str | None = None) -> AccountInfo:
        """Whether the host offers SFTP and which folder the file pane should open."""
        async with self._sftp_lock:
            info, sftp = await detect_account(self.start_sftp_client, remote_folder or self.spec.remote_folder)
            if sftp is not None and self._sftp is None:
                self._sftp = sftp
            elif sftp is not None:
                sftp.exit()
        return info

    async def __aenter__(self) -> "Session":
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
