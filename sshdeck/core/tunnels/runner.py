"""A set of port forwards running over one Session, with state, counters and reconnect.

Local (-L) and dynamic (-D, SOCKS4/4a/5) forwards listen with our own
`asyncio` server, so their local port stays bound while the SSH connection is
down and counts every byte; each accepted connection opens a direct-tcpip
channel on whatever connection is current.  Remote (-R) forwards ask the
server to listen (`start_server`) and are asked again after a reconnect.
While any tunnel is wanted, a lost connection is retried with backoff
(1, 2, 4 … 30 s).
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import errno
import logging
from typing import Any, Callable

import asyncssh

from sshdeck.core.fs.names import clean_reason
from sshdeck.core.hosts.profiles import Tunnel
from sshdeck.core.ssh.connect_errors import ConnectError
from sshdeck.core.tunnels import pump

log = logging.getLogger(__name__)

BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)


class TunnelState(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    LISTENING = "listening"
    WAITING = "waiting"  # the connection is down; local port kept, reconnecting
    ERROR = "error"


@dataclasses.dataclass
class TunnelStatus:
    tunnel: Tunnel
    state: TunnelState = TunnelState.STOPPED
    reason: str = ""
    active: int = 0
    total: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0

    @property
    def address(self) -> str:
        host = self.tunnel.bind
        return f"[{host}]:{self.tunnel.local_port}" if ":" in host else f"{host}:{self.tunnel.local_port}"

    def summary(self) -> str:
        """One line for a sidebar row: state, connections, bytes or the error."""
        if self.state == TunnelState.ERROR:
            return f"error: {self.reason}"
        if self.state == TunnelState.LISTENING:
            return f"listening, {self.active} active, {_size(self.bytes_sent + self.bytes_received)}"
        if self.state == TunnelState.WAITING:
            return "reconnecting"
        if self.state == TunnelState.STOPPED and not self.tunnel.autostart:
            return "on demand"
        return self.state.value


def _size(count: int) -> str:
    """Bytes, short enough for a sidebar row: 28B, 1.5K, 3.2M, 1.0G."""
    if count < 1024:
        return f"{count}B"
    for unit in ("K", "M", "G"):
        count /= 1024  # type: ignore[assignment]
        if count < 1024 or unit == "G":
            return f"{count:.1f}{unit}"
    return f"{count}B"


@dataclasses.dataclass
class TunnelEvent:
    """What happened: "listening", "error", "stopped" (status set), "lost" (delay set), "reconnected", "changed"."""

    kind: str
    status: TunnelStatus | None = None
    delay: float = 0.0
    reason: str = ""


def bind_error(tunnel: Tunnel, exc: BaseException) -> str:
    where = f"remote port {tunnel.local_port}" if tunnel.kind == "remote" else f"port {tunnel.local_port}"
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return f"{where} already in use"
    if isinstance(exc, OSError) and exc.errno == errno.EACCES:
        return f"{where}: permission denied"
    if isinstance(exc, OSError) and exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {clean_reason(tunnel.bind)}: address not available"
    if isinstance(exc, asyncssh.ChannelListenError):
        return f"the server refused to listen on {where}"
    if isinstance(exc, ConnectError):
        return str(exc)
    return f"{where}: {clean_reason(str(exc) or type(exc).__name__)}"


class TunnelSet:
    """The forwards of one Session; `on_event` hears every change."""

    def __init__(
        self,
        session: Any,
        tunnels: list[Tunnel],
        on_event: Callable[[TunnelEvent], None] | None = None,
        *,
        backoff: tuple[float, ...] = BACKOFF,
    ) -> None:
        self.session = session
        self.statuses = [TunnelStatus(t) for t in tunnels]
        self.on_event = on_event or (lambda event: None)
        self.backoff = backoff
        self._servers: dict[int, Any] = {}  # index → asyncio.Server or SSHListener
        self._watch: asyncio.Task[None] | None = None
        self._closed = False
        self.reconnects = 0

    # -- facts -------------------------------------------------------------------

    @property
    def wanted(self) -> bool:
        return any(s.state != TunnelState.STOPPED for s in self.statuses)

    def index_of(self, tunnel: Tunnel) -> int:
        return next(i for i, s in enumerate(self.statuses) if s.tunnel is tunnel)

    # -- control -------------------------------------------------------------------

    async def start(self, indexes: list[int] | None = None) -> None:
        """Start these tunnels (default: every autostart one); each ends listening or in error."""
        if indexes is None:
            indexes = [i for i, s in enumerate(self.statuses) if s.tunnel.autostart]
        for index in indexes:
            await self._start_one(index)
        self._ensure_watch()

    async def stop(self, index: int) -> None:
        status = self.statuses[index]
        await self._close_server(index)
        status.state = TunnelState.STOPPED
        status.reason = ""
        self._emit(TunnelEvent("stopped", status))

    async def close(self) -> None:
        """Stop every tunnel and the reconnect watch (the session stays the caller's)."""
        self._closed = True
        if self._watch is not None:
            self._watch.cancel()
            try:
                await self._watch
            except (asyncio.CancelledError, Exception):
                pass
        for index in range(len(self.statuses)):
            await self._close_server(index)
            self.statuses[index].state = TunnelState.STOPPED

    # -- starting --------------------------------------------------------------------

    async def _start_one(self, index: int) -> None:
        status = self.statuses[index]
        tunnel = status.tunnel
        if status.state == TunnelState.LISTENING and index in self._servers:
            return
        status.state, status.reason = TunnelState.STARTING, ""
        self._emit(TunnelEvent("changed", status))
        try:
            if index not in self._servers:
                if tunnel.kind == "remote":
                    self._servers[index] = await self.session.listen_remote(
                        tunnel.bind, tunnel.local_port, lambda r, w: self._serve_remote(status, r, w)
                    )
                else:
                    handler = self._serve_socks if tunnel.kind == "dynamic" else self._serve_local
                    self._servers[index] = await asyncio.start_server(
                        lambda r, w: handler(status, r, w), tunnel.bind, tunnel.local_port
                    )
        except Exception as exc:  # OSError, asyncssh's errors (ChannelListenError is not an asyncssh.Error)
            status.state, status.reason = TunnelState.ERROR, bind_error(tunnel, exc)
            log.info("tunnel %s: %s", tunnel.describe(), status.reason)
            self._emit(TunnelEvent("error", status, reason=status.reason))
            return
        status.state = TunnelState.LISTENING
        self._emit(TunnelEvent("listening", status))

    async def _close_server(self, index: int) -> None:
        server = self._servers.pop(index, None)
        if server is None:
            return
        server.close()
        try:
            await asyncio.wait_for(server.wait_closed(), 5)
        except (asyncio.TimeoutError, Exception):
            pass

    # -- serving ----------------------------------------------------------------------

    async def _open_channel(self, host: str, port: int) -> tuple[Any, Any]:
        return await self.session.open_tcp(host, port)  # ConnectError while down: the client is closed

    async def _serve_local(self, status: TunnelStatus, reader: Any, writer: Any) -> None:
        try:
            remote = await self._open_channel(status.tunnel.remote_host, status.tunnel.remote_port)
        except (OSError, asyncssh.Error, ConnectError) as exc:
            log.info("tunnel %s: cannot open channel: %s", status.tunnel.describe(), clean_reason(str(exc)))
            writer.close()
            return
        await self._splice(status, reader, writer, *remote)

    async def _serve_remote(self, status: TunnelStatus, reader: Any, writer: Any) -> None:
        try:
            local = await asyncio.open_connection(status.tunnel.remote_host, status.tunnel.remote_port)
        except OSError as exc:
            log.info("tunnel %s: %s", status.tunnel.describe(), exc)
            writer.close()
            return
        await self._splice(status, reader, writer, *local)

    async def _serve_socks(self, status: TunnelStatus, reader: Any, writer: Any) -> None:
        try:
            version, host, port = await pump.socks_request(reader)
            if version == 5:
                writer.write(pump.SOCKS5_NO_AUTH)
                await writer.drain()
                host, port = await pump.socks5_connect_request(reader)
        except pump.SocksError as exc:
            log.info("SOCKS on %s: %s", status.address, exc)
            writer.close()
            return
        try:
            remote = await self._open_channel(host, port)
        except (OSError, asyncssh.Error, ConnectError) as exc:
            log.info("SOCKS on %s: cannot reach %s:%d: %s", status.address, clean_reason(host), port, clean_reason(str(exc)))
            writer.write(pump.SOCKS5_FAILED if version == 5 else pump.SOCKS4_FAILED)
            writer.close()
            return
        writer.write(pump.SOCKS5_OK if version == 5 else pump.SOCKS4_OK)
        await self._splice(status, reader, writer, *remote)

    async def _splice(self, status: TunnelStatus, reader: Any, writer: Any, other_reader: Any, other_writer: Any) -> None:
        status.active += 1
        status.total += 1
        self._emit(TunnelEvent("changed", status))

        def sent(n: int) -> None:
            status.bytes_sent += n

        def received(n: int) -> None:
            status.bytes_received += n

        try:
            await pump.splice(reader, writer, other_reader, other_writer, sent, received)
        finally:
            status.active -= 1
            self._emit(TunnelEvent("changed", status))

    # -- reconnect ------------------------------------------------------------------------

    def _ensure_watch(self) -> None:
        if self._watch is None or self._watch.done():
            self._watch = asyncio.ensure_future(self._watch_connection())

    async def _watch_connection(self) -> None:
        while not self._closed:
            try:
                conn = self.session.connection
            except ConnectError:
                conn = None
            if conn is not None:
                await conn.wait_closed()
            if self._closed or not self.wanted:
                return
            await self._come_back()

    async def _come_back(self) -> None:
        """Reconnect with backoff; remote forwards are asked for again, local ports never left."""
        for index, status in enumerate(self.statuses):
            if status.tunnel.kind == "remote" and index in self._servers:
                self._servers.pop(index)  # died with its connection
            if status.state == TunnelState.LISTENING:
                status.state = TunnelState.WAITING
                self._emit(TunnelEvent("changed", status))
        attempt = 0
        while not self._closed and self.wanted:
            delay = self.backoff[min(attempt, len(self.backoff) - 1)]
            self._emit(TunnelEvent("lost", delay=delay))
            await asyncio.sleep(delay)
            attempt += 1
            try:
                await self.session.reconnect()
            except ConnectError as exc:
                self._emit(TunnelEvent("retry", reason=str(exc)))
                continue
            break
        if self._closed:
            return
        again = [
            index
            for index, status in enumerate(self.statuses)
            if status.state in (TunnelState.WAITING, TunnelState.ERROR)
            or (status.tunnel.kind == "remote" and status.state != TunnelState.STOPPED)
        ]
        for attempt in range(len(self.backoff) + 1):
            for index in again:
                await self._start_one(index)
            again = [i for i in again if self.statuses[i].state == TunnelState.ERROR and self.statuses[i].tunnel.kind == "remote"]
            if not again or self._closed:
                break
            # The server may not have released the old connection's remote port yet.
            await asyncio.sleep(self.backoff[min(attempt, len(self.backoff) - 1)])
        self.reconnects += 1
        self._emit(TunnelEvent("reconnected"))

    def _emit(self, event: TunnelEvent) -> None:
        try:
            self.on_event(event)
        except Exception:
            log.exception("tunnel event handler failed")
