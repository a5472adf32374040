"""The app's tunnels: a profile's forwards start with its connection and show their state under the host.

Connections (ui/connections.py) report opened/closing; this controller keeps
one core TunnelSet per connected profile, starts the autostart tunnels,
answers `t` on a tunnel row (start/stop) and the palette's "Start tunnel …",
"Stop tunnel …" and "Copy tunnel address", and redraws the sidebar rows when
a tunnel's state or connection count changes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.core.tunnels import TunnelEvent, TunnelSet, TunnelState

if TYPE_CHECKING:
    from sshdeck.ui.connections import Connection
    from sshdeck.ui.widgets.host_sidebar import HostSidebar

log = logging.getLogger(__name__)


class TunnelsController:
    """Owns the running TunnelSets of one main screen."""

    def __init__(self, screen, sidebar: "HostSidebar") -> None:
        self.screen = screen
        self.sidebar = sidebar
        self.sets: dict[str, TunnelSet] = {}
        sidebar.tunnel_state = self.state_of
        screen.connections.on_opened.append(self.connection_opened)
        screen.connections.on_closing.append(self.connection_closing)
        # Byte counts change without events: redraw once a second while something flows.
        screen.set_interval(1.0, self._refresh_if_active)

    # -- what the sidebar shows ---------------------------------------------------------

    def state_of(self, profile_id: str, index: int) -> tuple[str, str]:
        tunnels = self.sets.get(profile_id)
        if tunnels is None or index >= len(tunnels.statuses):
            profile = self.screen.store.get(profile_id)
            on_demand = profile is not None and index < len(profile.tunnels) and not profile.tunnels[index].autostart
            return "stopped", "on demand" if on_demand else "stopped"
        status = tunnels.statuses[index]
        return status.state.value, status.summary()

    def _refresh(self) -> None:
        self.sidebar.refresh_hosts()

    def _refresh_if_active(self) -> None:
        if any(s.active for t in self.sets.values() for s in t.statuses):
            self._refresh()

    # -- connection events ---------------------------------------------------------------

    def connection_opened(self, connection: "Connection") -> None:
        profile = self.screen.store.get(connection.key)
        if profile is None or not profile.tunnels:
            return
        old = self.sets.pop(profile.id, None)
        if old is not None:
            self.screen.run_worker(old.close(), group="tunnels")
        tunnels = TunnelSet(connection.session, list(profile.tunnels), self._on_event(profile))
        self.sets[profile.id] = tunnels
        self.screen.run_worker(tunnels.start(), group="tunnels", name=f"tunnels {profile.name}")

    async def connection_closing(self, key: str) -> None:
        tunnels = self.sets.pop(key, None)
        if tunnels is not None:
            await tunnels.close()
            self._refresh()

    async def close_all(self) -> None:
        for key in list(self.sets):
            await self.connection_closing(key)

    def _on_event(self, profile: HostProfile):
        def handle(event: TunnelEvent) -> None:
            if event.kind == "error" and event.status is not None:
                name = event.status.tunnel.name or event.status.tunnel.describe()
                self.screen.notify(f"{profile.name}: tunnel {name}: {event.reason}", title="Tunnel",
                                   severity="error", markup=False)
            elif event.kind == "reconnected":
                self.screen.run_worker(self._fresh_sftp(profile.id), group="tunnels")
            elif event.kind == "lost":
                self.screen.notify(f"{profile.name}: connection lost; tunnels reconnect in {event.delay:g} s",
                                   severity="warning", timeout=3, markup=False)
            self._refresh()

        return handle

    async def _fresh_sftp(self, key: str) -> None:
        """The tunnels reconnected the session: the panes' SftpFS gets the new connection's SFTP client."""
        connection = self.screen.connections.open.get(key)
        if connection is None or connection.fs is None:
            return
        try:
            connection.fs.sftp = await connection.session.sftp()
        except Exception as exc:  # the pane's own Reconnect still works
            log.info("no SFTP after the tunnels reconnected %s: %s", key, exc)

    # -- user actions --------------------------------------------------------------------------

    def toggle(self, profile: HostProfile, index: int) -> None:
        tunnels = self.sets.get(profile.id)
        if tunnels is None:
            self.screen.notify(f"Connect to {profile.name} first (Enter on the host)", severity="warning",
                               timeout=4, markup=False)
            return
        if tunnels.statuses[index].state in (TunnelState.STOPPED, TunnelState.ERROR):
            self.screen.run_worker(tunnels.start([index]), group="tunnels")
        else:
            self.screen.run_worker(tunnels.stop(index), group="tunnels")

    def _chosen(self) -> tuple[HostProfile, int] | None:
        chosen = self.sidebar.highlighted_tunnel
        if chosen is None:
            self.sidebar.display = True
            self.screen.notify("Put the cursor on a tunnel row in the host list first", severity="warning", timeout=4)
        return chosen

    def start_highlighted(self) -> None:
        if chosen := self._chosen():
            profile, index = chosen
            tunnels = self.sets.get(profile.id)
            if tunnels is not None and tunnels.statuses[index].state == TunnelState.LISTENING:
                return
            self.toggle(profile, index)

    def stop_highlighted(self) -> None:
        if chosen := self._chosen():
            profile, index = chosen
            tunnels = self.sets.get(profile.id)
            if tunnels is not None and tunnels.statuses[index].state != TunnelState.STOPPED:
                self.screen.run_worker(tunnels.stop(index), group="tunnels")

    def copy_highlighted_address(self) -> None:
        if chosen := self._chosen():
            profile, index = chosen
            tunnel = profile.tunnels[index]
            host = "127.0.0.1" if tunnel.bind in ("0.0.0.0", "::", "*") else tunnel.bind
            address = f"[{host}]:{tunnel.local_port}" if ":" in host else f"{host}:{tunnel.local_port}"
            self.copy(address)
            self.screen.notify(f"Copied {address}", timeout=3, markup=False)

    def copy(self, text: str) -> None:
        try:
            import pyperclip

            pyperclip.copy(text)
        except Exception:  # no system clipboard: the terminal's (OSC 52)
            pass
        self.screen.app.copy_to_clipboard(text)
