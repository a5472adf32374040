"""The host sidebar: saved profiles by group, a filter box, recent connections and a status mark per host.

It is the site manager's face: Enter or a double-click asks to connect
(``ConnectRequested``; the screen does the connecting and reports back with
:meth:`HostSidebar.set_status`).  Add, edit, duplicate, delete and import run
here, through the editor and import modals (`host_profile_edits`), and end
with a save of hosts.toml and ``ProfilesChanged``.  A change that could not be saved is undone, so what
the sidebar shows is always what is on disk.
"""

from __future__ import annotations

from typing import Callable

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from sshdeck.core.hosts.profile_store import ProfileStore, RecentConnection
from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.core.hosts.targets import Target, TargetError, parse_target
from sshdeck.ui.widgets.host_list import (
    CONNECTED,
    CONNECTING,
    ERROR,
    NOT_CONNECTED,
    STATUS_MARKS,
    HostList,
    host_options,
)
from sshdeck.ui.widgets.host_profile_edits import ProfileEditing

__all__ = ["CONNECTED", "CONNECTING", "ERROR", "NOT_CONNECTED", "HostList", "HostSidebar"]

RECENT_SHOWN = 5
MAX_BANNER_PROBLEMS = 3


class HostSidebar(ProfileEditing, Vertical):
    """Profiles from a ProfileStore, by group, with a filter box; connects, edits and saves them."""

    BINDINGS = [
        Binding("a,insert", "add_host", "Add host", id="add_host", tooltip="Create a new host profile"),
        Binding("e,f4", "edit_host", "Edit host", id="edit_host", tooltip="Edit the highlighted host"),
        Binding("c", "duplicate_host", "Duplicate host", id="duplicate_host",
                tooltip="Copy the highlighted host under a new name"),
        Binding("delete,f8", "delete_host", "Delete host", id="delete_host",
                tooltip="Delete the highlighted host (asks first)"),
        Binding("i", "import_ssh_config", "Import ssh config", id="import_ssh_config",
                tooltip="Import hosts from ~/.ssh/config or another file"),
        Binding("slash", "focus_filter", "Filter hosts", id="filter_hosts", tooltip="Type to narrow the host list"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_host_filter"),
        Binding("t", "toggle_tunnel", "Start/stop tunnel", id="toggle_tunnel",
                tooltip="Start or stop the highlighted tunnel (a row under a connected host)"),
    ]

    class ConnectRequested(Message):
        """The user asked to connect to a saved profile (Enter or double-click)."""

        def __init__(self, profile: HostProfile) -> None:
            super().__init__()
            self.profile = profile

    class TargetRequested(Message):
        """The user picked a recent quick-connect address (one that has no profile)."""

        def __init__(self, target: Target, text: str) -> None:
            super().__init__()
            self.target = target
            self.text = text

    class TunnelToggleRequested(Message):
        """`t` on a tunnel row: start it, or stop it when it runs."""

        def __init__(self, profile: HostProfile, index: int) -> None:
            super().__init__()
            self.profile = profile
            self.index = index

    class ProfilesChanged(Message):
        """hosts.toml was saved with added, edited, deleted or imported profiles."""

        def __init__(self, store: ProfileStore) -> None:
            super().__init__()
            self.store = store

    def __init__(self, store: ProfileStore, *, id: str | None = None, classes: str = "") -> None:
        super().__init__(id=id, classes=f"host-sidebar {classes}".strip())
        self.store = store
        self._status: dict[str, tuple[str, str]] = {}
        self._recent: list[RecentConnection] = []
        # (profile id, tunnel index) → (state, summary); set by the tunnels controller.
        self.tunnel_state: Callable[[str, int], tuple[str, str]] = lambda _pid, _index: ("stopped", "stopped")

    def compose(self) -> ComposeResult:
        yield Static(id="hosts-banner", classes="hosts-banner")
        yield Input(placeholder="Filter hosts…", compact=True, id="hosts-filter", classes="hosts-filter")
        yield HostList(id="hosts-list", classes="hosts-list")
        yield Static(id="hosts-detail", classes="hosts-detail")

    def on_mount(self) -> None:
        self._show_load_problems(notify=True)
        self.refresh_hosts()

    # -- public face for the screen --------------------------------------------

    @property
    def host_list(self) -> HostList:
        return self.query_one(HostList)

    @property
    def highlighted_profile(self) -> HostProfile | None:
        """The profile under the cursor (a recent entry counts when it has a profile)."""
        option = self._highlighted_option()
        return self._profile_of(option.id) if option is not None and option.id else None

    def set_status(self, profile_id: str, status: str, message: str = "") -> None:
        """Show a host as not-connected / connecting / connected / error; `message` appears under the list."""
        if status not in STATUS_MARKS:
            raise ValueError(f"unknown status {status!r}; use one of {', '.join(STATUS_MARKS)}")
        self._status[profile_id] = (status, message)
        self.refresh_hosts()

    def status_of(self, profile_id: str) -> tuple[str, str]:
        return self._status.get(profile_id, (NOT_CONNECTED, ""))

    def refresh_hosts(self) -> None:
        """Redraw the list from the store (after the screen changed it, e.g. with mark_connected)."""
        if not self.query(HostList):
            return  # not composed yet: on_mount draws it
        host_list = self.host_list
        keep = self._highlighted_option()
        keep_id = keep.id if keep is not None else None
        query = self.query_one("#hosts-filter", Input).value.strip()
        self._recent = [] if query else self.store.recent_entries(RECENT_SHOWN)
        options = host_options(self.store, query, self._recent, lambda pid: self.status_of(pid)[0], self.tunnel_state)
        host_list.clear_options()
        host_list.add_options(options)
        enabled = [i for i, o in enumerate(options) if not o.disabled]
        wanted = next((i for i, o in enumerate(options) if keep_id and o.id == keep_id), None)
        if wanted is None and enabled:
            # After filtering, the best match (the first host, not a recent entry) gets the cursor.
            hosts = [i for i in enabled if (options[i].id or "").startswith("host:")]
            wanted = hosts[0] if query and hosts else enabled[0]
        host_list.highlighted = wanted
        self._show_detail()

    def focus_filter(self) -> None:
        self.query_one("#hosts-filter", Input).focus()

    # -- looking things up ------------------------------------------------------

    def _highlighted_option(self) -> Option | None:
        host_list = self.host_list
        if host_list.highlighted is None or host_list.highlighted >= host_list.option_count:
            return None
        return host_list.get_option_at_index(host_list.highlighted)

    @property
    def highlighted_tunnel(self) -> tuple[HostProfile, int] | None:
        """The profile and tunnel index under the cursor, when it is on a tunnel row."""
        option = self._highlighted_option()
        if option is None or not (option.id or "").startswith("tunnel:"):
            return None
        _, profile_id, index = (option.id or "").split(":")
        profile = self.store.get(profile_id)
        return (profile, int(index)) if profile is not None and int(index) < len(profile.tunnels) else None

    def _profile_of(self, option_id: str) -> HostProfile | None:
        if option_id.startswith("tunnel:"):
            return self.store.get(option_id.split(":")[1])
        if option_id.startswith("host:"):
            return self.store.get(option_id.removeprefix("host:"))
        if option_id.startswith("recent:"):
            index = int(option_id.removeprefix("recent:"))
            entry = self._recent[index] if index < len(self._recent) else None
            if entry is not None and entry.profile_id:
                return self.store.get(entry.profile_id)
        return None

    def _show_detail(self) -> None:
        detail = self.query_one("#hosts-detail", Static)
        option = self._highlighted_option()
        profile = self._profile_of(option.id) if option is not None and option.id else None
        if profile is None:
            detail.update(Content(""))
            return
        status, message = self.status_of(profile.id)
        if (option.id or "").startswith("tunnel:"):
            index = int((option.id or "").split(":")[2])
            state, summary = self.tunnel_state(profile.id, index)
            detail.update(Content(f"{profile.tunnels[index].describe()}\n{summary}\nt: start/stop"))
            detail.set_class(state == "error", "-error")
            return
        text = profile.endpoint + (f" · {status.replace('-', ' ')}" if status != NOT_CONNECTED else "")
        if message:
            text += f"\n{message}"
        detail.update(Content(text))
        detail.set_class(status == ERROR, "-error")

    def _show_load_problems(self, *, notify: bool = False) -> None:
        banner = self.query_one("#hosts-banner", Static)
        problems = self.store.problems
        banner.display = bool(problems)
        if not problems:
            return
        head = f"{self.store.path.name} has problems; it is read-only until you save (the old file is kept as a backup)."
        lines = [head] + [str(p) for p in problems[:MAX_BANNER_PROBLEMS]]
        if len(problems) > MAX_BANNER_PROBLEMS:
            lines.append(f"…and {len(problems) - MAX_BANNER_PROBLEMS} more")
        banner.update(Content("\n".join(lines)))
        if notify:
            details = "\n".join(str(p) for p in problems[:10])
            self.notify(f"{self.store.path}:\n{details}\n{head}", title="Host profiles", severity="warning",
                        timeout=12, markup=False)

    # -- events ------------------------------------------------------------------

    @on(Input.Changed, "#hosts-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.refresh_hosts()

    @on(Input.Submitted, "#hosts-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.host_list.focus()

    @on(OptionList.OptionHighlighted, "#hosts-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_detail()

    @on(OptionList.OptionSelected, "#hosts-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        profile = self._profile_of(option_id)
        if profile is not None:
            self.post_message(self.ConnectRequested(profile))
            return
        if option_id.startswith("recent:"):
            text = self._recent[int(option_id.removeprefix("recent:"))].target
            try:
                self.post_message(self.TargetRequested(parse_target(text), text))
            except TargetError as exc:
                self.notify(f"Cannot connect to {text}: {exc}", severity="error", markup=False)

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and self.query_one("#hosts-filter", Input).has_focus:
            event.stop()
            self.host_list.focus()

    # -- actions -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            # Escape is only ours while there is a filter to clear; otherwise the screen gets it.
            box = self.query_one("#hosts-filter", Input)
            return bool(box.value) or box.has_focus
        return True

    def action_focus_filter(self) -> None:
        self.focus_filter()

    def action_clear_filter(self) -> None:
        filter_input = self.query_one("#hosts-filter", Input)
        if filter_input.value:
            filter_input.value = ""
        self.host_list.focus()

    def action_toggle_tunnel(self) -> None:
        chosen = self.highlighted_tunnel
        if chosen is None:
            self.notify("Put the cursor on a tunnel row (under its host) first", severity="warning", timeout=3)
            return
        self.post_message(self.TunnelToggleRequested(*chosen))

    def action_add_host(self) -> None:
        self.add_profile()

    def action_edit_host(self) -> None:
        self.edit_profile()

    def action_duplicate_host(self) -> None:
        self.duplicate_profile()

    def action_delete_host(self) -> None:
        self.delete_profile()

    def action_import_ssh_config(self) -> None:
        self.import_ssh_config()
