"""The command palette's sshdeck entries: every action of the main screen by name.

The screen lists its commands (`palette_commands()`); this provider only
matches and runs them, so a command always acts on what has focus now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from sshdeck.ui.screens.main import MainScreen


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    run: Callable[[], object]


class SshdeckCommands(Provider):
    def _commands(self) -> list[PaletteCommand]:
        screen = self.screen
        # The palette is a screen of its own; the commands belong to the one below it.
        for candidate in reversed(self.app.screen_stack):
            if hasattr(candidate, "palette_commands"):
                screen = candidate
                break
        lister = getattr(screen, "palette_commands", None)
        return list(lister()) if lister else []

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)


def main_screen_commands(screen: "MainScreen") -> list[PaletteCommand]:
    """The main screen's actions by name; pane actions run on the pane in focus."""
    from sshdeck.ui.widgets.host_sidebar import HostSidebar

    pane = screen._active_pane
    sidebar = screen.query_one(HostSidebar)

    def on_pane(action: str) -> Callable[[], object]:
        return lambda: getattr(pane(), f"action_{action}")()

    def on_sidebar(method: str) -> Callable[[], object]:
        def run() -> None:
            sidebar.display = True
            getattr(sidebar, method)()

        return run

    pane_commands = [
        ("View file", "F3: show the file under the cursor", "view"),
        ("Edit file", "F4: open in $VISUAL / $EDITOR; uploads on save", "edit"),
        ("Stop watching an edited file", "W: stop uploading saves of a file whose editor returned at once", "stop_watching"),
        ("New folder", "F7", "mkdir"),
        ("Rename", "F2 / Shift+F6", "rename"),
        ("Delete", "F8 / Delete: asks first", "delete"),
        ("Permissions (chmod)", "p", "chmod"),
        ("Properties", "i", "properties"),
        ("Copy path to clipboard", "y", "copy_path"),
        ("Go to folder…", "Ctrl+L: type a path, Tab completes", "edit_path"),
        ("Filter this folder", "/", "filter"),
        ("Sort by next column", "s: name, size, time, extension", "sort_next"),
        ("Show or hide hidden files", ".", "toggle_hidden"),
        ("Select files matching…", "+", "select_pattern"),
        ("Unselect files matching…", "-", "unselect_pattern"),
        ("Invert selection", "*", "invert_selection"),
        ("Select all", "Ctrl+A", "select_all"),
        ("Reload folder", "Ctrl+R", "reload"),
        ("Stop listing this folder", "Escape / Ctrl+C while it loads: keeps what arrived", "stop_listing"),
        ("Back", "Alt+Left", "back"),
        ("Forward", "Alt+Right", "forward"),
        ("Bookmark this folder", "b (again: remove)", "bookmark"),
        ("Go to a bookmark", "g", "bookmarks"),
    ]
    commands = [PaletteCommand(title, help, on_pane(action)) for title, help, action in pane_commands]
    commands += [
        PaletteCommand("Add host", "a / Insert in the host list", on_sidebar("add_profile")),
        PaletteCommand("Edit host", "e / F4 in the host list", on_sidebar("edit_profile")),
        PaletteCommand("Duplicate host", "c in the host list", on_sidebar("duplicate_profile")),
        PaletteCommand("Delete host", "Delete / F8 in the host list; asks first", on_sidebar("delete_profile")),
        PaletteCommand("Import hosts from ~/.ssh/config", "i in the host list", on_sidebar("import_ssh_config")),
        PaletteCommand("Show or hide the host list", "F9", screen.action_toggle_sidebar),
        PaletteCommand("Quick connect", "Ctrl+K: user@host, user@host:port, sftp://…", screen.action_quick_connect),
        PaletteCommand("Choose what this pane shows", "Alt+L: this computer or a connected host", screen.action_pick_location),
        PaletteCommand("Copy to the other pane", "F5 (or drag with the mouse)", screen.action_copy),
        PaletteCommand("Move to the other pane", "F6", screen.action_move),
        PaletteCommand("Show or hide transfers", "Ctrl+T", screen.action_toggle_transfers),
        PaletteCommand("Speed limit…", "L: a bandwidth limit for all transfers, running ones too (2M, 500K, off)",
                       screen.action_speed_limit),
        PaletteCommand("Resume interrupted transfers", "after a restart", screen.app.transfers.offer_resume),
        PaletteCommand("Open a shell", "Ctrl+O: the shell tab of the host in focus (this computer without one)", screen.action_open_shell),
        PaletteCommand("New shell tab", "another shell on the host in focus, named host (2)", lambda: screen.action_open_shell(new=True)),
        PaletteCommand("cd the shell to this folder", "the newest shell tab on this host", screen.action_cd_shell_here),
        PaletteCommand("Pane follows the shell's folder on/off", "uses the folder the shell reports (OSC 7)", screen.action_toggle_follow_shell),
        PaletteCommand("Manage authorized keys", "Ctrl+G: ~/.ssh/authorized_keys of the host in focus",
                       screen.action_authorized_keys),
        PaletteCommand("Generate key…", "a new key pair; copy it or install it on the host in focus",
                       screen.keys.open_generator),
        PaletteCommand("Switch panes", "Tab", screen.action_switch_pane),
        PaletteCommand("Synchronised browsing on/off", "Ctrl+Y", screen.action_toggle_sync),
        PaletteCommand("Disconnect", "Ctrl+D: the host in focus (cancels a connection under way)", screen.action_disconnect),
        PaletteCommand("Reconnect", "the host this pane shows, after the connection dropped", screen.action_reconnect),
        PaletteCommand("Find files…", "Ctrl+F: by name and content below this pane's folder", screen.action_find),
        PaletteCommand("Compare folders", "=: selects what differs on each side", screen.action_compare),
        PaletteCommand("Start tunnel …", "t on a tunnel row in the host list", screen.tunnels.start_highlighted),
        PaletteCommand("Stop tunnel …", "t on a running tunnel row", screen.tunnels.stop_highlighted),
        PaletteCommand("Copy tunnel address", "127.0.0.1:PORT of the tunnel row under the cursor",
                       screen.tunnels.copy_highlighted_address),
        PaletteCommand("Synchronise", "Ctrl+E: make the other pane's folder like this one (preview first)", screen.action_synchronise),
    ]
    from sshdeck.ui.edits import remote_edits  # "Stop watching NAME", one per file being watched

    commands += [PaletteCommand(title, help, run) for title, help, run in remote_edits(screen.app).palette_entries()]
    return commands
