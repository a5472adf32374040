"""The Textual application: wiring only (screens, bindings, themes, crash handling)."""

from __future__ import annotations

import logging
import os
import traceback
from pathlib import Path

from rich.text import Text
from textual import constants
from textual.app import App
from textual.binding import Binding
from textual.driver import Driver
from textual.notifications import Notification, SeverityLevel
from textual.theme import Theme

from sshdeck.core.hosts.bookmarks import Bookmarks
from sshdeck.core.inert import terminal_safe
from sshdeck.core.ssh.connect_spec import DEFAULT_SSH_CONFIG
from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.trust import TrustStore
from sshdeck.core.logs import log_file
from sshdeck.core.ssh.remote_source import RemoteSource
from sshdeck.core.settings import Settings, load_settings, save_settings
from sshdeck.ui.commands import SshdeckCommands
from sshdeck.ui.connections import Connections
from sshdeck.ui.prelist import Prelist
from sshdeck.ui.quitting import QuitFlow
from sshdeck.ui.screens.main import MainScreen
from sshdeck.ui.transfers import TransferController
from sshdeck.ui.themes import DEFAULT_THEME, load_themes

log = logging.getLogger(__name__)


class SshdeckApp(App):
    """sshdeck: two file panes over local and remote locations."""

    TITLE = "sshdeck"
    COMMANDS = App.COMMANDS | {SshdeckCommands}
    # Absolute, so subclasses defined elsewhere (tests, plugins) find it too.
    CSS_PATH = [
        Path(__file__).parent / "ui" / "styles" / name for name in ("app.tcss", "hosts.tcss", "trust.tcss", "transfers.tcss", "terminal.tcss")
    ]
    BINDINGS = [
        Binding("q,f10", "quit", "Quit", id="quit"),
        Binding("f1", "key_help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit_now"),
    ]

    def __init__(
        self,
        *,
        local_path: str | None = None,
        remote: RemoteSource | None = None,
        theme_name: str | None = None,
        settings: Settings | None = None,
        initial_target: str | None = None,
        ssh_config: str | None = DEFAULT_SSH_CONFIG,
        trust: TrustStore | None = None,
        prelist: Prelist | None = None,
    ) -> None:
        super().__init__()
        # The start folder listed by a child process while the app loads (ui/prelist.py), or None.
        self.prelist = prelist
        self.local_path = local_path or os.getcwd()
        self.remote = remote
        self.initial_target = initial_target
        self.ssh_config = ssh_config
        # Seconds the process may take to end once the app starts shutting down, else a watchdog ends it
        # (set by the `sshdeck` command; None in tests, where the process is pytest's).
        self.exit_grace: float | None = None
        self._startup_problems: list[str] = []  # before anything below can add to it
        self.store = ProfileStore.load()
        self.bookmarks = Bookmarks.load()
        if self.bookmarks.problem:
            self._startup_problems.append(self.bookmarks.problem)
        self.connections = Connections(self, trust)
        self.transfers = TransferController(self, self.connections)
        self.quitting = QuitFlow(self)
        self.settings = settings if settings is not None else load_settings()
        if self.settings.problem:
            self._startup_problems.append(self.settings.problem)
        self.transfers.limits.apply_settings(self.settings)
        self._install_themes(theme_name or self.settings.theme)
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        if constants.DRIVER is None and driver.__name__ == "LinuxDriver":  # not one chosen with TEXTUAL_DRIVER
            from sshdeck.ui.terminal_driver import SshdeckDriver  # stops using a terminal that has gone

            return SshdeckDriver
        return driver

    def _install_themes(self, wanted: str | None) -> None:
        loaded = load_themes()
        self._startup_problems.extend(loaded.problems)
        for theme in loaded.themes:
            self.register_theme(theme)
        names = set(self.available_themes)
        if wanted and wanted not in names:
            self._startup_problems.append(f"theme '{wanted}' not found; using {DEFAULT_THEME}")
            wanted = None
        self.theme = wanted or (DEFAULT_THEME if DEFAULT_THEME in names else "textual-dark")

    def on_load(self) -> None:
        if self.prelist is not None:
            self.prelist.start()  # early_connect below tells it which connection its listing is for
        # The host named at start: connect while the screen is still being built (ui/early_connect.py).
        if self.remote is None and self.initial_target:
            from sshdeck.ui.early_connect import start_early

            start_early(self)

    def on_mount(self) -> None:
        self.quitting.install_signal_handlers()
        self.push_screen(
            MainScreen(
                (self.connections.local, self.local_path),
                self.remote,
                store=self.store,
                connections=self.connections,
                initial_target=self.initial_target,
                ssh_config=self.ssh_config,
            )
        )
        for problem in self._startup_problems:
            self.notify(problem, title="Settings", severity="warning", timeout=8, markup=False)
        self.theme_changed_signal.subscribe(self, self._remember_theme)

    def on_terminal_gone(self) -> None:
        """The driver found the terminal gone (ui/terminal_driver.py): quit as on SIGHUP."""
        self.quitting.on_terminal_gone()

    async def action_quit(self) -> None:
        """Quit; with transfers running, ask first (finish, pause for next time, or cancel)."""
        await self.quitting.request()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A shell tab gets every key (Ctrl+Q and Ctrl+P included) while it has focus.
        if action in ("quit", "command_palette") and getattr(self.focused, "captures_all_keys", False):
            return False
        return True

    def action_key_help(self) -> None:
        from sshdeck.ui.screens.key_help import KeyHelp

        if not isinstance(self.screen, KeyHelp):
            self.push_screen(KeyHelp())

    def _remember_theme(self, theme: Theme) -> None:
        if self.settings.problem:
            return  # never overwrite a settings file we could not read
        self.settings.theme = theme.name
        try:
            save_settings(self.settings)
        except OSError as exc:
            self.notify(f"Could not save settings: {exc.strerror or exc}", severity="warning")

    async def on_unmount(self) -> None:
        self.quitting.uninstall_signal_handlers()
        if self.prelist is not None:
            self.prelist.close()
        if self.exit_grace is not None:
            from sshdeck.ui import stop_watchdog

            stop_watchdog.arm_exit(self.return_code or 0, self.exit_grace, "the app began to quit")
        await self.connections.close_all()
        if self.remote is not None:
            try:
                await self.remote.close()
            except Exception:
                log.exception("closing %s failed", self.remote.label)

    # -- notifications -------------------------------------------------------
    # Every toast passes the edge filter: a server's words that reached a
    # message (a reason, a name) cannot act on the terminal, whoever forgot.

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        super().notify(
            terminal_safe(str(message)), title=terminal_safe(str(title)), severity=severity, timeout=timeout, markup=markup
        )

    def notify_until(self, message: str, *, timeout: float) -> Notification:
        """A plain toast that `withdraw` takes down as soon as what it announces is over (or at `timeout`)."""
        notification = Notification(terminal_safe(str(message)), "", "information", timeout, markup=False)
        self._notifications.add(notification)  # at once (not by message): withdraw may follow right away
        self._refresh_notifications()
        return notification

    def withdraw(self, notification: Notification) -> None:
        """Take a toast down before its time (as Textual's own Toast does when it times out)."""
        if notification in self._notifications:
            self._unnotify(notification)

    # -- crashes -------------------------------------------------------------
    # Textual's crash report renders a traceback *with local variables*, and a
    # password may be in scope.  We log the traceback without locals and show
    # one short line that says where the log is.

    def _handle_exception(self, error: Exception) -> None:
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        log.error(
            "unhandled error\n%s",
            "".join(traceback.format_exception(type(error), error, error.__traceback__)),
        )
        message = Text.assemble(
            ("sshdeck stopped after an unexpected error ", "bold red"),
            f"({type(error).__name__}).\nDetails are in the log: {log_file()}\n",
        )
        self._exit_renderables.append(message)
        self._close_messages_no_wait()

