"""A second connection to a session's account for bulk transfers, so a shell's echo never queues behind file data.

One TCP connection carries every channel of a `Session` in order: a keystroke
echoed by a shell waits behind whatever SFTP data is already in flight.  A
`BulkLink` opens one more connection to the same account, lazily, for the
transfer queue, reusing what the first login established and asking nobody
anything:

- the host key must be the very key the first connection verified (the
  policy is strict, so nothing new can be trusted or saved on the way);
- key files (already decrypted for the session), the agent and certificates
  log in as before; a password or keyboard-interactive answers are replayed
  from the session's `LoginSecrets` when they were kept, never asked again;
- jump hosts and ProxyCommand are used as the first connection used them.

When it cannot be opened (the server refuses another connection, the login
needs a secret that was not kept, a different host key), `sftp()` says None
and the caller copies over the shared connection; `shared_reason` then says
why (escaped: it may quote the server), for the one notice the app shows.  The link is closed after
`idle_seconds` with no transfer holding it, and by `close()` (disconnect, quit).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Awaitable, Callable

import asyncssh

from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.connect import Connected
from sshdeck.core.ssh.connect_errors import ConnectError
from sshdeck.core.ssh.login_secrets import LoginSecrets
from sshdeck.core.ssh.quick_ack import opened_promptly
from sshdeck.core.inert import Inert, inert, plain
from sshdeck.core.ssh.session import Session
from sshdeck.core.ssh.worker_ticket import ticket_for
from sshdeck.core.transfer.sftp import SftpEndpoint
from sshdeck.core.trust.check import TrustPolicy

log = logging.getLogger(__name__)

IDLE_SECONDS = 60.0
# Failures that another try would only repeat (a login that needs a secret, a host key that differs).
_FINAL_KINDS = ("auth", "host-key", "config")


class BulkLink:
    """The bulk connection of one session (opened on first use, shared by every transfer to that host)."""

    def __init__(self, session: Session, secrets: LoginSecrets | None = None, *,
                 idle_seconds: float = IDLE_SECONDS) -> None:
        self.session = session
        self.secrets = secrets
        self.idle_seconds = idle_seconds
        self.opened = 0  # connections opened so far (the tests and the benchmark count them)
        self.unavailable: str | None = None  # why transfers use the shared connection, once given up
        # Why the last sftp() said None while the session was up (transfers share its connection), else None.
        self.shared_reason: Inert | None = None
        self._connected: Connected | None = None
        self._sftp: asyncssh.SFTPClient | None = None
        self._lock = asyncio.Lock()
        self._holders = 0
        self._idle: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Task[None]] = set()

    # -- facts ------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._connected is not None and not self._connected.client.lost

    @property
    def connection(self) -> asyncssh.SSHClientConnection | None:
        return self._connected.conn if self.is_open else None  # type: ignore[union-attr]

    # -- use ----------------------------------------------------------------------------

    def hold(self) -> None:
        """A transfer starts using the link: it stays open until every holder has released it."""
        self._holders += 1
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None

    def release(self) -> None:
        """A transfer is done with the link; the last one out starts the idle countdown."""
        self._holders = max(0, self._holders - 1)
        if self._holders == 0 and self._connected is not None and self._idle is None:
            loop = asyncio.get_running_loop()
            self._idle = loop.call_later(self.idle_seconds, self._close_idle)

    async def sftp(self) -> asyncssh.SFTPClient | None:
        """The bulk connection's SFTP client, opening the connection on first use; None: use the shared one."""
        async with self._lock:
            self.shared_reason = None
            if self._connected is not None and self._connected.client.lost:
                await self._drop()
            if self._sftp is not None:
                return self._sftp
            if self._connected is None:
                self._connected = await self._open()
                if self._connected is None:
                    return None
            try:
                conn = self._connected.conn
                self._sftp = await opened_promptly(conn, conn.start_sftp_client())  # no delayed-ACK stall
            except (asyncssh.Error, OSError) as exc:
                log.info("no SFTP on the bulk connection to %s (%s); using the shared one", self.session.spec.host, exc)
                await self._drop()
                return self._shared(Inert("no SFTP on a second connection: ") + inert(getattr(exc, "reason", "") or str(exc)))
            return self._sftp

    async def reopen(self) -> asyncssh.SFTPClient | None:
        """After a lost link: a fresh bulk connection's SFTP client, or None (use the shared connection)."""
        async with self._lock:
            await self._drop()
        return await self.sftp()

    async def start_sftp_client(self) -> asyncssh.SFTPClient:
        """One more SFTP channel (a big file's ranges): on the bulk connection when open, else on the shared one."""
        connection = self.connection
        if connection is not None:
            return await connection.start_sftp_client()
        return await self.session.start_sftp_client()

    async def close(self) -> None:
        """Close the bulk connection now (disconnect, quit); a later transfer would open it again."""
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        async with self._lock:
            await self._drop()

    # -- inside -------------------------------------------------------------------------

    async def _open(self) -> Connected | None:
        session = self.session
        if not session.connected:
            return None  # the shared connection is down too: the transfer's own reconnect deals with it
        if self.unavailable is not None:
            return self._shared(self.unavailable)
        if self._needs_secret_not_kept():
            return self._give_up("the login needs a password that was not kept")
        replay = self.secrets.replaying() if self.secrets is not None else ConnectCallbacks()
        callbacks = dataclasses.replace(replay, server_text=replay.server_text or _ignore, notice=None,
                                        decide_host_key=None, passphrase=None, connection_lost=None)
        # Strict: only what is trusted now (or was accepted once for this session) gets in, nothing is saved.
        spec = dataclasses.replace(session.spec, policy=TrustPolicy.STRICT, agent_forwarding=False)
        try:
            connected = await session.open_detached(callbacks, spec)
        except ConnectError as exc:
            if exc.kind in _FINAL_KINDS:
                return self._give_up(str(exc))
            log.info("bulk connection to %s not opened (%s); transfers use the shared connection", spec.host, exc)
            return self._shared(str(exc))
        except Exception as exc:  # noqa: BLE001 - an odd server must not stop the transfer: it has the shared connection
            log.exception("opening the bulk connection to %s failed", spec.host)
            return self._shared(f"a second connection could not be opened ({type(exc).__name__})")
        if not _same_host_key(connected.conn, session.connection):
            await connected.close()
            return self._give_up("the host offered another host key on the second connection")
        self.opened += 1
        log.info("opened the bulk connection to %s for transfers", spec.host)
        return connected

    def _needs_secret_not_kept(self) -> bool:
        auth = self.session.auth
        if auth is None or self.session.login_key_fingerprint is not None:
            return False
        by_secret = {"password", "keyboard-interactive"} & set(auth.methods_tried)
        return bool(by_secret) and (self.secrets is None or self.secrets.empty)

    def _give_up(self, reason: str) -> None:
        self.unavailable = reason
        log.info("no bulk connection to %s (%s); transfers use the shared connection", self.session.spec.host, reason)
        return self._shared(reason)

    def _shared(self, reason: str) -> None:
        # ConnectError messages carry server text already escaped: `plain` keeps those escapes and catches the rest.
        self.shared_reason = reason if isinstance(reason, Inert) else plain(reason)
        return None

    async def _drop(self) -> None:
        connected, self._connected = self._connected, None
        sftp, self._sftp = self._sftp, None
        if sftp is not None:
            sftp.exit()
        if connected is not None:
            try:
                await connected.close()
            except (asyncssh.Error, OSError):
                pass

    def _close_idle(self) -> None:
        self._idle = None
        if self._holders == 0:
            task = asyncio.ensure_future(self._close_if_idle())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def _close_if_idle(self) -> None:
        async with self._lock:
            if self._holders == 0:
                log.info("closing the idle bulk connection to %s", self.session.spec.host)
                await self._drop()


def _ignore(_text: object) -> None:
    return None


def _same_host_key(conn: asyncssh.SSHClientConnection, first: asyncssh.SSHClientConnection) -> bool:
    mine, theirs = conn.get_server_host_key(), first.get_server_host_key()
    if mine is None or theirs is None:
        return mine is None and theirs is None  # GSS key exchange on both: no key to compare
    return mine.public_data == theirs.public_data


Reconnect = Callable[[], Awaitable[asyncssh.SFTPClient]]


async def bulk_endpoint(link: BulkLink, root: str | bytes, *, label: str, descriptor: str,
                        shared_reconnect: Reconnect | None,
                        on_shared: Callable[[Inert], None] | None = None) -> SftpEndpoint | None:
    """A transfer endpoint for `root` over the bulk connection; None when it cannot be opened.

    After a lost link the engine's reconnect opens a fresh bulk connection,
    and falls back to `shared_reconnect` (the session's own path) when that
    fails, telling `on_shared` why.
    """
    sftp = await link.sftp()
    if sftp is None:
        return None

    async def reconnect() -> asyncssh.SFTPClient:
        fresh = await link.reopen()
        if fresh is not None:
            return fresh
        if shared_reconnect is None:
            raise ConnectError("lost", f"{label}: the bulk connection was lost and could not be opened again")
        if on_shared is not None and link.shared_reason is not None:
            on_shared(link.shared_reason)
        return await shared_reconnect()

    endpoint = SftpEndpoint(sftp, root, label=label, descriptor=descriptor, reconnect=reconnect,
                            channels=link.start_sftp_client)
    # A big file may also be copied in part by worker processes, each logging in as this link did.
    endpoint.worker_ticket = lambda: ticket_for(link.session, link.secrets)
    return endpoint
