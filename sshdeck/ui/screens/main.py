"""The main screen: the host sidebar, the quick-connect bar and two file panes."""

from __future__ import annotations

import logging

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, TabbedContent, TabPane, Tabs

from sshdeck.core.ssh.connect_spec import DEFAULT_SSH_CONFIG
from sshdeck.core.fs.base import FileSystem, join
from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.ssh.remote_source import RemoteSource
from sshdeck.core.hosts.targets import TargetError, parse_target
from sshdeck.ui.commands import PaletteCommand, main_screen_commands
from sshdeck.ui.screens.main_connecting import Connecting
from sshdeck.ui.screens.main_pane_actions import PaneActions
from sshdeck.ui.connections import Connections, Location
from sshdeck.ui.widgets.file_list import FileList
from sshdeck.ui.widgets.file_pane import FilePane
from sshdeck.ui.widgets.host_sidebar import HostSidebar
from sshdeck.ui.widgets.transfer_panel import TransferPanel
from sshdeck.ui.widgets.steady_footer import SteadyFooter
from sshdeck.ui.widgets.quick_connect import QuickConnectBar, profile_from_target

log = logging.getLogger(__name__)

# Shells, keys, sync, find, compare and the location picker are imported when first used (the
# terminal emulator and the sync planner are a good part of the start-up otherwise); the first
# frame needs only the panes, the host list and the footer.


class MainScreen(Connecting, PaneActions, Screen):
    """Two file panes; Tab moves between them, F9 shows the hosts, Ctrl+K quick-connects."""

    BINDINGS = [
        Binding("f5", "copy", "Copy", id="copy"),
        Binding("f6", "move", "Move", id="move"),
        Binding("ctrl+t", "toggle_transfers", "Transfers", show=False, id="toggle_transfers"),
        Binding("L", "speed_limit", "Speed limit", show=False, id="speed_limit"),
        Binding("tab", "switch_pane", "Other pane", show=False, id="switch_pane"),
        Binding("f9", "toggle_sidebar", "Hosts", id="toggle_sidebar"),
        Binding("ctrl+k", "quick_connect", "Connect", id="quick_connect", priority=True),  # as Ctrl+O
        Binding("ctrl+o", "open_shell", "Shell", id="open_shell", priority=True),  # before the keys typed behind it
        Binding("ctrl+w", "close_shell", "Close tab", show=False, id="close_shell_tab"),
        Binding("alt+l", "pick_location", "Location", show=False, id="pick_location"),
        Binding("ctrl+y", "toggle_sync", "Sync browse", show=False, id="toggle_sync"),
        Binding("equals_sign", "compare", "Compare", show=False, id="compare"),
        Binding("ctrl+e", "synchronise", "Synchronise", show=False, id="synchronise"),
        Binding("ctrl+d", "disconnect", "Disconnect", show=False, id="disconnect"),
        Binding("ctrl+f", "find", "Find", show=False, id="find"),
        Binding("ctrl+g", "authorized_keys", "Keys", show=False, id="authorized_keys"),
    ]

    def __init__(
        self,
        left: tuple[FileSystem, str],
        remote: RemoteSource | None,
        *,
        store: ProfileStore,
        connections: Connections,
        initial_target: str | None = None,
        ssh_config: str | None = DEFAULT_SSH_CONFIG,
    ) -> None:
        super().__init__()
        self.left = left
        self.remote = remote
        self.store = store
        self.connections = connections
        self.initial_target = initial_target
        self.ssh_config = ssh_config
        self.sync_browsing = False
        self._shells = None
        self._keys = None
        self._last_pane = "left"  # the pane that last had the focus: F5 acts on it from the tab bar, as MC's active panel

    def compose(self) -> ComposeResult:
        fs, path = self.left
        with TabbedContent(id="tabs"):
            with TabPane("Files", id="files-tab"):
                with Horizontal(id="body"):
                    yield HostSidebar(self.store, id="sidebar")
                    with Vertical(id="workspace"):
                        yield QuickConnectBar(id="quick-connect")
                        with Horizontal(id="panes"):
                            yield FilePane(fs, path, id="left")
                            yield FilePane(fs, path, id="right", load=self.remote is None)
                        yield TransferPanel(self.app.transfers, id="transfer-panel")
        # Compact, and without the palette hint, so 80 columns show every key a newcomer needs;
        # F1 lists the rest (F7, F8, F2 …) and names Ctrl+P.
        yield SteadyFooter(compact=True, show_command_palette=False)  # rebuilt only when its keys change

    def on_mount(self) -> None:
        from sshdeck.ui.tunnels import TunnelsController

        self.tunnels = TunnelsController(self, self.query_one(HostSidebar))
        self.connections.ui_ready.set()  # a connection started with the app may ask its questions now
        self._update_tab_bar()
        self.query_one(TransferPanel).display = False
        # Transfers interrupted last time (sshdeck killed, machine restarted) are offered once.
        self.call_after_refresh(self.app.transfers.offer_resume)
        self.query_one("#sidebar").display = bool(self.store.profiles) or bool(self.store.problems)
        self.query_one("#quick-connect").display = False
        self.query_one("#left FileList", FileList).focus()
        if self.remote is not None:
            self.right.show_message(f"Connecting to {self.remote.label}…")
            self._open_remote()
        elif self.initial_target and self.store.find_by_name(self.initial_target) is not None:
            self._connect_profile(self.store.find_by_name(self.initial_target))
        elif self.initial_target:
            try:
                target = parse_target(self.initial_target)
            except TargetError as exc:
                self.notify(f"{self.initial_target}: {exc}", title="Cannot connect", severity="error", markup=False)
            else:
                self._connect_target(target, self.initial_target)
        elif not self.store.profiles:
            self.notify(
                "No saved hosts yet: F9 then a to add one, Ctrl+K to connect to user@host, "
                "or try `sshdeck --demo`.",
                title="Welcome to sshdeck",
                timeout=10,
                markup=False,
            )

    @property
    def shells(self):
        """The shell tabs' controller (ui/shells.py), loaded on first use."""
        if self._shells is None:
            from sshdeck.ui.shells import ShellsController

            self._shells = ShellsController(self)
        return self._shells

    @property
    def keys(self):
        """The authorized_keys controller (ui/keys.py), loaded on first use."""
        if self._keys is None:
            from sshdeck.ui.keys import KeysController

            self._keys = KeysController(self)
        return self._keys

    @property
    def right(self) -> FilePane:
        return self.query_one("#right", FilePane)

    def _active_pane(self) -> FilePane:
        focused = self.focused
        for pane in self.query(FilePane):
            if focused is not None and (focused is pane or pane in focused.ancestors):
                return pane
        return self.query_one(f"#{self._last_pane}", FilePane)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        pane = event.widget if isinstance(event.widget, FilePane) else next(
            (a for a in event.widget.ancestors if isinstance(a, FilePane)), None)
        if pane is not None and pane.id:
            self._last_pane = pane.id

    # -- the demo (or any RemoteSource given at start) ---------------------------------

    @work(exclusive=True, group="remote")
    async def _open_remote(self) -> None:
        assert self.remote is not None
        try:
            fs, path = await self.remote.open()
        except Exception as exc:  # any failure is a message, never a crash
            log.warning("opening %s failed: %s", self.remote.label, type(exc).__name__)
            text = f"Could not connect to {self.remote.label}: {exc}"
            self.right.show_message(text)
            self.notify(text, severity="error", markup=False)
            return
        self.connections.register(Location(self.remote.label, self.remote.label, fs, path))
        self._show_location(self.right, self.remote.label, fs, path)

    def _show_location(self, pane: FilePane, key: str, fs: FileSystem, path: str) -> None:
        pane.location_key = key
        pane.switch_to(fs, path)

    # -- connecting ----------------------------------------------------------------------

    @on(HostSidebar.ConnectRequested)
    def _connect_profile_requested(self, event: HostSidebar.ConnectRequested) -> None:
        event.stop()
        self._connect_profile(event.profile)

    @on(HostSidebar.TargetRequested)
    @on(QuickConnectBar.ConnectRequested)
    def _connect_target_requested(self, event: HostSidebar.TargetRequested | QuickConnectBar.ConnectRequested) -> None:
        event.stop()
        self._connect_target(event.target, event.text)

    @on(HostSidebar.TunnelToggleRequested)
    def _toggle_tunnel(self, event: HostSidebar.TunnelToggleRequested) -> None:
        self.tunnels.toggle(event.profile, event.index)

    @on(QuickConnectBar.SaveAsProfileRequested)
    def _save_quick_target(self, event: QuickConnectBar.SaveAsProfileRequested) -> None:
        event.stop()
        sidebar = self.query_one(HostSidebar)
        sidebar.display = True
        sidebar.add_profile(profile_from_target(event.target, self.store))

    # -- tabs ------------------------------------------------------------------------------

    async def open_tab(self, pane: TabPane) -> None:
        """Add a tab (a shell) after the others and show it."""
        tabs = self.query_one("#tabs", TabbedContent)
        await tabs.add_pane(pane)
        tabs.active = pane.id or ""
        self._update_tab_bar()

    async def close_tab(self, pane_id: str) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        await tabs.remove_pane(pane_id)
        tabs.active = "files-tab"
        self._update_tab_bar()
        self._active_pane().file_list.focus()

    @on(TabbedContent.TabActivated, "#tabs")
    def _files_tab_shown(self, event: TabbedContent.TabActivated) -> None:
        # The Files tab gives the keys to the pane that last had them, as a shell tab gives them to its terminal.
        if event.pane.id == "files-tab":
            self._focus_files()

    def _focus_files(self) -> None:
        files = self.query_one("#files-tab", TabPane)
        focused = self.focused
        if files.display and (focused is None or files not in focused.ancestors):
            self.set_focus(self._active_pane().file_list)

    def _update_tab_bar(self) -> None:
        # One tab needs no tab bar: the two panes get the rows back.
        tabs = self.query_one("#tabs", TabbedContent)
        tabs.query_one(Tabs).display = tabs.tab_count > 1

    # -- shell tabs ----------------------------------------------------------------------------

    def action_open_shell(self, new: bool = False) -> None:
        """Ctrl+O: see ShellsController.open."""
        self.shells.open(new=new)

    def on_key(self, event: events.Key) -> None:
        if self.shells.type_ahead(event):  # typed while a new shell tab opens: it is that shell's
            event.stop()
            event.prevent_default()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While a shell has the keys, the footer shows only what works there (Ctrl+] first).
        if getattr(self.focused, "captures_all_keys", False):
            return False
        if action == "quick_connect" and isinstance(self.focused, Input):
            return False  # Ctrl+K in a text field deletes to the end of the line, as before it was a priority key
        return True

    def action_close_shell(self) -> None:
        active = self.query_one("#tabs", TabbedContent).active
        if active and active != "files-tab":
            self.run_worker(self.close_tab(active))

    # ShellTab.CloseRequested and ShellTab.CwdChanged, by handler name (ShellTab loads with the first shell).
    async def on_shell_tab_close_requested(self, event) -> None:
        event.stop()
        await self.close_tab(event.tab.id or "")

    def on_shell_tab_cwd_changed(self, event) -> None:
        event.stop()
        self.shells.follow(event.tab, event.path)

    def action_authorized_keys(self) -> None:
        self.keys.open_manager()

    def action_toggle_follow_shell(self) -> None:
        self.shells.toggle_follow()

    def action_cd_shell_here(self) -> None:
        self.shells.cd_here()

    # -- a drop and pasted paths (copy and move themselves: main_pane_actions.py) ------------

    @on(FileList.Dropped)
    def _dropped(self, event: FileList.Dropped) -> None:
        event.stop()
        source = next(p for p in self.query(FilePane) if p.file_list is event.source)
        dest = next(p for p in self.query(FilePane) if p.file_list is event.target)
        folder = dest.path
        if event.onto is not None and event.onto.is_dir and event.onto.name != b"..":
            folder = join(dest.path, event.onto.name)
        self._transfer(source, event.entries, dest, folder, move=False)

    @on(FilePane.PathsPasted)
    def _pasted(self, event: FilePane.PathsPasted) -> None:
        event.stop()
        pane = event.pane

        def refresh(_report) -> None:
            pane.action_reload()

        self.app.transfers.upload_paths(event.paths, pane.fs, pane.path, on_done=refresh)

    # -- synchronised browsing ----------------------------------------------------------------

    @on(FilePane.Navigated)
    def _follow(self, event: FilePane.Navigated) -> None:
        event.stop()
        if not self.sync_browsing:
            return
        other = self._other(event.pane)
        if event.name is None:
            other.go_up(announce=False)
        else:
            other.load(join(other.path, event.name))

    # -- the command palette ---------------------------------------------------------------

    def palette_commands(self) -> list[PaletteCommand]:
        """Every action by name, for the command palette (Ctrl+P)."""
        return main_screen_commands(self)

    # -- actions -----------------------------------------------------------------------------

    def action_switch_pane(self) -> None:
        left, right = self.query_one("#left", FilePane), self.query_one("#right", FilePane)
        target = right if self._active_pane() is left else left
        self.set_focus(target.file_list)  # at once, not after the keys already read: Tab F5 copies from `target`

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one(HostSidebar)
        sidebar.display = not sidebar.display
        if sidebar.display:
            sidebar.host_list.focus()
        else:
            self._active_pane().file_list.focus()

    def action_quick_connect(self) -> None:
        bar = self.query_one(QuickConnectBar)
        if not bar.display or not bar.input.has_focus:
            self._focus_before_bar = self.focused
        bar.display = True
        self.set_focus(bar.input)  # now, not on the next turn (Widget.focus): keys typed right behind Ctrl+K land here

    @on(QuickConnectBar.Closed)
    def _quick_connect_closed(self, event: QuickConnectBar.Closed) -> None:
        event.stop()
        self.query_one(QuickConnectBar).display = False
        before = getattr(self, "_focus_before_bar", None)
        if before is not None and before.is_attached and before.focusable:
            before.focus()
        else:
            self._active_pane().file_list.focus()

    def action_pick_location(self) -> None:
        from sshdeck.ui.screens.location_picker import LocationPicker

        pane = self._active_pane()

        places = self.connections.locations()
        shown = {place.key for place in places}
        saved = [profile for profile in self.store.profiles if profile.id not in shown]

        def chosen(index: int | None) -> None:
            if index is not None and index < len(places):
                place = places[index]
                self._show_location(pane, place.key, place.fs, place.start)
            elif index is not None:
                self._connect_profile(saved[index - len(places)], pane=pane)
            pane.file_list.focus()

        picker = LocationPicker(places, pane.location_key, saved=[profile.name for profile in saved])
        self.app.push_screen(picker, chosen)
