"""The app's open SSH sessions and the locations they offer the panes.

One Session per host (keyed by profile id, or by the typed target for a
quick connect) is shared by every pane, shell tab and tunnel that uses it.
Connecting runs in a worker so trust and password prompts can be awaited.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from sshdeck.core.ssh.account import AccountInfo
from sshdeck.core.ssh.bulk import IDLE_SECONDS, BulkLink
from sshdeck.core.ssh.login_secrets import LoginSecrets
from sshdeck.core.ssh.connect_errors import ConnectError, HostKeyRefused
from sshdeck.core.ssh.connect_spec import ConnectSpec
from sshdeck.core.fs.base import FileSystem
from sshdeck.core.fs.names import display_path
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.fs.sftp import SftpFS
from sshdeck.core.ssh.session import Session
from sshdeck.core.trust import TrustStore

log = logging.getLogger(__name__)


@dataclass
class Location:
    """Something a pane can show: this computer, or one connected host's files."""

    key: str
    label: str
    fs: FileSystem
    start: str


@dataclass
class Connection:
    key: str
    label: str
    session: Session
    account: AccountInfo | None = None
    fs: SftpFS | None = None
    problems: list[str] = field(default_factory=list)
    # The second connection transfers to this host use (core/ssh/bulk.py).
    bulk: BulkLink | None = None


class ConnectionFailed(Exception):
    """Connecting failed; the message is one line fit for the user (already shown if `shown`)."""

    def __init__(self, message: str, *, shown: bool = False) -> None:
        super().__init__(message)
        self.shown = shown


class Connections:
    """Open sessions by key; `locations()` is what the location picker offers."""

    def __init__(self, app, trust: TrustStore | None = None) -> None:
        self.app = app
        self.trust = trust
        self.open: dict[str, Connection] = {}
        self.local = LocalFS()
        self.extra: list[Location] = []
        self.connecting: dict[str, Session] = {}
        # Connection events (the tunnels controller listens): opened(connection), closing(key).
        self.on_opened: list = []
        self.on_closing: list = []
        self.bulk_idle_seconds = IDLE_SECONDS
        # Connections started before the main screen was up (the host named at start), by key:
        # `connect` for that key joins the one under way instead of opening another.
        self.early: dict[str, asyncio.Task[Connection]] = {}
        # Cleared while the app starts with an early connection, set once the main screen can show a
        # question: until then that connection's questions (host key, passphrase, password) wait.
        self.ui_ready = asyncio.Event()
        self.ui_ready.set()

    def trust_store(self) -> TrustStore:
        if self.trust is None:
            self.trust = TrustStore()
        return self.trust

    def start_early(self, key: str, label: str, spec: ConnectSpec) -> None:
        """Start connecting now, while the app is still starting (see `early`); questions wait for `ui_ready`."""
        if key in self.early or key in self.open:
            return
        self.ui_ready.clear()  # until the main screen says it is up (MainScreen.on_mount)
        task = asyncio.create_task(self._connect(key, label, spec), name=f"connect {label}")
        task.add_done_callback(_retrieve)  # whoever joins it reports the failure; none is lost to asyncio's log
        self.early[key] = task

    async def connect(self, key: str, label: str, spec: ConnectSpec) -> Connection:
        """Connect (or reuse) and detect the account; raises ConnectionFailed."""
        early = self.early.pop(key, None)
        if early is not None:
            return await early  # cancelling the caller cancels it too
        return await self._connect(key, label, spec)

    async def _connect(self, key: str, label: str, spec: ConnectSpec) -> Connection:
        from sshdeck.ui.connect_callbacks import show_refusal, ui_connect_callbacks

        existing = self.open.get(key)
        if existing is not None and existing.session.connected:
            return existing
        # A password typed now is kept in memory for this session's bulk connection, never written.
        secrets = LoginSecrets()
        session = Session(spec, secrets.remembering(ui_connect_callbacks(self.app)), trust=self.trust_store())
        self.connecting[key] = session
        try:
            await session.connect()
            account = await session.detect_account()
        except asyncio.CancelledError:
            session.cancel()
            await session.close()
            raise
        except HostKeyRefused as exc:
            await session.close()
            await self.ui_ready.wait()
            shown = show_refusal(self.app, exc.check, self.trust_store())
            raise ConnectionFailed(str(exc), shown=shown) from None
        except ConnectError as exc:
            await session.close()
            raise ConnectionFailed(str(exc)) from None
        except Exception as exc:  # a bug or an odd server must not take the app down
            log.exception("connecting to %s failed", label)
            await session.close()
            raise ConnectionFailed(f"{label}: connecting failed ({type(exc).__name__}); see the log") from None
        finally:
            self.connecting.pop(key, None)
            if not session.connected:
                secrets.forget()
        connection = Connection(key, label, session, account, bulk=BulkLink(session, secrets, idle_seconds=self.bulk_idle_seconds))
        if account.sftp_available:
            connection.fs = SftpFS(await session.sftp(), label)
        self.open[key] = connection
        for listener in self.on_opened:
            listener(connection)
        return connection

    def register(self, location: Location) -> None:
        """Offer a location opened another way (the demo) in the picker."""
        self.extra = [place for place in self.extra if place.key != location.key] + [location]

    def locations(self) -> list[Location]:
        places = [Location("local", "This computer", self.local, self.local_start())]
        places.extend(self.extra)
        for connection in self.open.values():
            if connection.fs is not None and connection.session.connected:
                start = connection.account.start_folder if connection.account else "/"
                places.append(Location(connection.key, connection.label, connection.fs, start or "/"))
        return places

    def local_start(self) -> str:
        import os

        return os.path.expanduser("~")

    async def reconnect(self, key: str) -> Connection | None:
        """Open a fresh connection for a host whose connection dropped; its panes keep their SftpFS."""
        connection = self.open.get(key)
        if connection is None:
            return None
        await connection.session.reconnect()
        if connection.fs is not None:
            connection.fs.sftp = await connection.session.sftp()
        return connection

    async def disconnect(self, key: str) -> None:
        connection = self.open.pop(key, None)
        if connection is not None:
            for listener in self.on_closing:
                await listener(key)
            if connection.bulk is not None:
                await connection.bulk.close()
                if connection.bulk.secrets is not None:
                    connection.bulk.secrets.forget()
            await connection.session.close()

    async def close_all(self) -> None:
        for task in self.early.values():
            task.cancel()
        self.early.clear()
        for key in list(self.open):
            try:
                await self.disconnect(key)
            except Exception:
                log.exception("closing %s failed", key)


def _retrieve(task: asyncio.Task) -> None:
    if not task.cancelled():
        task.exception()


def certificate_note(connection) -> str:
    """Who the login certificate is for and until when, for the host's status line."""
    certificates = connection.session.auth.certificates
    if not certificates:
        return ""
    cert = certificates[0]
    until = cert.valid_before.strftime("%Y-%m-%d %H:%M UTC") if cert.valid_before else "no expiry"
    # A CA chose the principals (a provider's login CLI, say): drawn inert.
    names = display_path(", ".join(cert.principals)) or "any principal"
    return f"certificate for {names}, valid until {until}"


def profile_local_folder(profile) -> tuple[str | None, str | None]:
    """(folder, None) for the profile's local_folder with ~ expanded, (None, problem) when it is not a folder here.

    (None, None) when the profile names no local folder.
    """
    import os

    text = (getattr(profile, "local_folder", "") or "").strip()
    if not text:
        return None, None
    folder = os.path.expanduser(text)
    if not os.path.isdir(folder):
        return None, f"local folder {text} does not exist; the left pane stays where it is"
    return folder, None
