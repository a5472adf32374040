"""Shell tabs of the main screen: which host a shell is for, opening or showing one, files and shell together.

The screen composes the tabs and routes keys; this controller decides
(ui/transfers.py, ui/tunnels.py and ui/sync.py are its siblings).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from textual import events
from textual.widgets import TabbedContent

from sshdeck.core.local_shell import local_shell_starter
from sshdeck.core.terminal.keys import encode_key
from sshdeck.ui.widgets.file_pane import FilePane
from sshdeck.ui.widgets.host_sidebar import HostSidebar
from sshdeck.ui.widgets.shell_tab import ShellTab, shell_start_for_connection, shell_start_for_session
from sshdeck.ui.widgets.terminal_view import TerminalView

if TYPE_CHECKING:
    from sshdeck.ui.screens.main import MainScreen


class ShellsController:
    def __init__(self, screen: "MainScreen") -> None:
        self.screen = screen
        self.follow_shell = False  # the pane follows the folder the shell reports (OSC 7)
        self._count = 0
        self.opening: ShellTab | None = None  # a new tab not mounted yet: keys typed meanwhile are its type-ahead

    def _tabs(self) -> TabbedContent:
        return self.screen.query_one("#tabs", TabbedContent)

    def host_in_focus(self) -> tuple[str, str, object] | None:
        """(key, label, starter) for the host in focus: the host list's, the active pane's, else the other pane's."""
        screen = self.screen
        sidebar = screen.query_one(HostSidebar)
        focused = screen.focused
        keys = []
        if sidebar.display and focused is not None and (focused is sidebar or sidebar in focused.ancestors):
            profile = sidebar.highlighted_profile
            keys.append(profile.id if profile else None)
        active = screen._active_pane()
        keys += [active.location_key, screen._other(active).location_key]
        for key in keys:
            connection = screen.connections.open.get(key) if key else None
            if connection is not None:
                return key, connection.label, shell_start_for_session(connection.session)
            if key and screen.remote is not None and key == screen.remote.label:
                conn = getattr(screen.remote, "connection", None)
                if conn is not None:
                    return key, screen.remote.label, shell_start_for_connection(conn)
        return None

    def open(self, new: bool = False) -> None:
        """The host's shell tab (its last one, or a new one), starting in the remote pane's folder.

        From the Files tab an existing shell on that host is shown again; from a
        shell tab (or with `new`) another one opens, named "host (2)".  With no
        host at all the shell runs on this computer, in the local pane's folder.
        """
        screen = self.screen
        tabs = self._tabs()
        host = self.host_in_focus()
        active = screen._active_pane()
        if host is None:
            key, label = "local", "this computer"
            pane = active if active.fs.label == "local" else screen._other(active)
            folder = pane.path if pane.fs.label == "local" else os.path.expanduser("~")
            start, cwd, allow_osc52 = local_shell_starter(folder), None, False
        else:
            key, label, start = host
            pane = next((p for p in (active, screen._other(active)) if p.location_key == key), None)
            cwd = pane.path if pane is not None and pane.is_idle and pane.fs.label != "local" else None
            if cwd is not None and screen.remote is not None and key == screen.remote.label:
                cwd = getattr(screen.remote, "shell_path", lambda path: path)(cwd)
            profile = screen.store.get(key)
            allow_osc52 = profile.allow_osc52 if profile is not None else False
        existing = [tab for tab in screen.query(ShellTab) if getattr(tab, "location_key", None) == key]
        if existing and not new and tabs.active == "files-tab":
            shown = existing[-1]
            tabs.active = shown.id or ""
            if shown.ended is None:
                shown.take_keys()
            return
        if existing:
            used = {tab.host_label for tab in existing}
            number = 2
            while f"{label} ({number})" in used:
                number += 1
            label = f"{label} ({number})"
        self._count += 1
        tab = ShellTab(label, start, cwd=cwd, allow_osc52=allow_osc52, id=f"shell-{self._count}")
        tab.location_key = key
        # Until the tab is there no widget has the keys (the pane's would act on them): the screen hands them to it.
        self.opening = tab
        screen.set_focus(None)
        screen.run_worker(self._show_new(tab))

    async def _show_new(self, tab: ShellTab) -> None:
        try:
            await self.screen.open_tab(tab)
        except Exception:
            self.screen._active_pane().file_list.focus()
            raise
        finally:
            self.opening = None
        tab.take_keys()  # in the same tick the tab is made active: nothing typed falls in between

    _LEAVE_KEYS = frozenset(binding.key for binding in TerminalView.BINDINGS)  # type: ignore[union-attr]

    def type_ahead(self, event: events.Key) -> bool:
        """A key that reached the screen while a new shell tab opens: it becomes that shell's input (True)."""
        tab = self.opening
        if tab is None or self.screen.focused is not None or event.key in self._LEAVE_KEYS:
            return False
        tab.type_ahead(encode_key(event.key, event.character))
        return True

    def follow(self, tab: ShellTab, path: str) -> None:
        """The shell reported its folder: panes on that host follow it when asked to."""
        if not self.follow_shell:
            return
        for pane in self.screen.query(FilePane):
            if pane.location_key == getattr(tab, "location_key", None) and pane.path != path:
                pane.load(path)

    def toggle_follow(self) -> None:
        self.follow_shell = not self.follow_shell
        self.screen.notify(f"The remote pane follows the shell's folder: {'on' if self.follow_shell else 'off'}",
                           timeout=3)

    def cd_here(self) -> None:
        """Type `cd` to the active pane's folder into the newest shell on that host, and show it."""
        screen = self.screen
        pane = screen._active_pane()
        tabs = [tab for tab in screen.query(ShellTab) if getattr(tab, "location_key", None) == pane.location_key]
        if not tabs:
            screen.notify("No shell tab on this host yet (Ctrl+O opens one)", severity="warning")
            return
        if tabs[-1].cd(pane.path):
            self._tabs().active = tabs[-1].id or ""
            tabs[-1].take_keys()
        else:
            screen.notify("The shell is busy with a full-screen program", severity="warning")
