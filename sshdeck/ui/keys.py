"""Keys of the main screen: the authorized_keys manager and the key-generation dialog for the host in focus.

The screen only routes Ctrl+G and the palette entries here (ui/shells.py and
ui/transfers.py are its siblings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Awaitable, Callable

from sshdeck.core.keys.authorized_keys import AuthorizedKeys
from sshdeck.ui.screens.authorized_keys import AuthorizedKeysScreen
from sshdeck.ui.screens.key_generate import KeyGenerateDialog

if TYPE_CHECKING:
    from sshdeck.ui.screens.main import MainScreen


@dataclass
class KeysHost:
    """A connected host: its name as shown, and how to reach its authorized_keys."""

    label: str
    open: Callable[[], Awaitable[AuthorizedKeys]]


class KeysController:
    def __init__(self, screen: "MainScreen") -> None:
        self.screen = screen
        self._remote_sftp: tuple[object, object] | None = None  # (connection, SFTP client) of the demo's source

    def host_in_focus(self) -> KeysHost | None:
        """The active pane's host, else the other pane's (the host list's highlighted host when it has focus)."""
        screen = self.screen
        found = screen.shells.host_in_focus()
        if found is None:
            return None
        key, label, _start = found
        connection = screen.connections.open.get(key)
        if connection is not None:
            session = connection.session

            async def open_session() -> AuthorizedKeys:
                return AuthorizedKeys(await session.sftp(), session.login_key_fingerprint)

            return KeysHost(label, open_session)
        remote = screen.remote
        conn = getattr(remote, "connection", None)
        if conn is None:
            return None
        async def open_remote() -> AuthorizedKeys:
            # One SFTP channel per connection, however often the screen opens.
            if self._remote_sftp is None or self._remote_sftp[0] is not conn:
                self._remote_sftp = (conn, await conn.start_sftp_client())
            return AuthorizedKeys(self._remote_sftp[1], None)

        return KeysHost(label, open_remote)

    def open_manager(self) -> None:
        host = self.host_in_focus()
        if host is None:
            self.screen.notify("Connect to a host first: its authorized_keys are managed over SFTP",
                               severity="warning", markup=False)
            return
        self.screen.app.push_screen(AuthorizedKeysScreen(host.label, host.open))

    def open_generator(self) -> None:
        host = self.host_in_focus()
        self.screen.app.push_screen(KeyGenerateDialog(host.label if host else None, host.open if host else None))
