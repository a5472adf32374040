"""Connecting, disconnecting and reconnecting the main screen's hosts (a mixin of MainScreen).

The sidebar's and the quick-connect bar's requests arrive as messages handled
on MainScreen (Textual collects `@on` handlers from Screen classes only); they
call `_connect_profile` / `_connect_target` here.  A connection opens on the
right pane unless a pane asked, and the left pane follows the profile's local
folder; Ctrl+D cancels a connection under way or closes an open one.
"""

from __future__ import annotations

from textual import work

from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.core.hosts.targets import Target, connection_label
from sshdeck.core.ssh.profile_connect import spec_for_target, spec_from_profile
from sshdeck.ui.connections import ConnectionFailed, certificate_note, profile_local_folder
from sshdeck.ui.widgets.file_pane import FilePane
from sshdeck.ui.widgets.host_sidebar import HostSidebar


class Connecting:
    """MainScreen's connection actions; it provides connections, store, ssh_config, right and the panes."""

    def _connect_profile(self, profile: HostProfile, pane: FilePane | None = None) -> None:
        spec = spec_from_profile(profile, self.store, ssh_config=self.ssh_config)
        self._connect(profile.id, profile.name, spec, profile, pane=pane)

    def _connect_target(self, target: Target, text: str) -> None:
        spec, profile = spec_for_target(target, ssh_config=self.ssh_config, store=self.store)
        if profile is not None:
            self._connect(profile.id, profile.name, spec, profile)
        else:
            self._connect(f"target:{text}", connection_label(target), spec, None, quick_text=text)

    @work(group="connect", name="connect")
    async def _connect(
        self, key: str, label: str, spec, profile: HostProfile | None, quick_text: str = "", pane: FilePane | None = None
    ) -> None:
        sidebar = self.query_one(HostSidebar)
        if profile is not None:
            sidebar.set_status(profile.id, "connecting")
        # Taken down once connected (or failed): left up, it hid the pane's status line for up to 2 s.
        connecting = self.app.notify_until(f"Connecting to {label}…", timeout=2)
        try:
            connection = await self.connections.connect(key, label, spec)
        except ConnectionFailed as exc:
            self.app.withdraw(connecting)
            if profile is not None:
                sidebar.set_status(profile.id, "error", str(exc))
            if not exc.shown:
                self.notify(str(exc), title=f"Cannot connect to {label}", severity="error", markup=False)
            return
        self.app.withdraw(connecting)
        if profile is not None:
            sidebar.set_status(profile.id, "connected", certificate_note(connection))
            self.store.mark_connected(profile.id)
        elif quick_text:
            self.store.mark_quick_connected(quick_text)
        sidebar.refresh_hosts()
        account = connection.account
        pane = pane or self.right  # remote hosts open on the right, as in FileZilla, unless a pane asked
        if pane is self.right:
            self._open_local_folder(profile, label)
        if connection.fs is None or account is None:
            pane.location_key = key
            message = (account.message if account else None) or "This host offers no file access (shell only)"
            pane.show_message(f"{label}: {message}")
            return
        start = account.start_folder or "/"
        if account.folder_problem:
            extra = " Showing / instead." if account.start_folder is None else ""
            self.notify(account.folder_problem + extra, title=label, severity="warning", markup=False)
        self._show_location(pane, key, connection.fs, start)

    def _open_local_folder(self, profile: HostProfile | None, label: str) -> None:
        folder, problem = profile_local_folder(profile)
        left = self.query_one("#left", FilePane)
        if problem:
            self.notify(problem, title=label, severity="warning", markup=False)
        elif folder and left.location_key == "local":
            left.switch_to(self.connections.local, folder)

    # -- disconnect, reconnect ----------------------------------------------------------------

    def _host_key_in_focus(self) -> str | None:
        sidebar = self.query_one(HostSidebar)
        focused = self.focused
        if sidebar.display and focused is not None and (focused is sidebar or sidebar in focused.ancestors):
            profile = sidebar.highlighted_profile
            return profile.id if profile is not None else None
        key = self._active_pane().location_key
        return key if key in self.connections.open or key in self.connections.connecting else None

    def action_disconnect(self) -> None:
        """Cancel a connection under way, or close an open one; its panes go back to this computer."""
        key = self._host_key_in_focus()
        if key is None:
            self.notify("No connection here to close", timeout=3)
            return
        session = self.connections.connecting.get(key)
        if session is not None:
            session.cancel()
            self.notify("Connecting cancelled", timeout=3)
            return
        self._disconnect(key)

    @work(group="disconnect")
    async def _disconnect(self, key: str) -> None:
        label = self.connections.open[key].label
        await self.connections.disconnect(key)
        for pane in self.query(FilePane):
            if pane.location_key == key:
                self._show_location(pane, "local", self.connections.local, self.connections.local_start())
        if self.store.get(key) is not None:
            self.query_one(HostSidebar).set_status(key, "not-connected")
        self.notify(f"Disconnected from {label}", timeout=3, markup=False)

    def action_reconnect(self) -> None:
        key = self._active_pane().location_key
        if key in self.connections.open:
            self._reconnect(key)

    @work(group="disconnect")
    async def _reconnect(self, key: str) -> None:
        try:
            await self.connections.reconnect(key)
        except Exception as exc:  # a message, never a crash
            self.notify(f"Reconnect failed: {exc}", severity="error", markup=False)
            return
        for pane in self.query(FilePane):
            if pane.location_key == key:
                pane.action_reload()
        self.notify("Reconnected", timeout=3)
