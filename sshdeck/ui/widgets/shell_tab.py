"""ShellTab: one interactive shell (or the profile's remote command) in a tab.

The tab does not know how to reach the host: it is given a `start`
callable that opens a PTY channel of the requested size (see
`shell_start_for_session` for a connected `Session`, which applies the
profile's remote command and force-PTY, and `shell_start_for_connection`
for a bare asyncssh connection such as the demo's).  It pumps the channel's
output into a `TerminalView` and the view's input back into the channel,
shows the exit status and a Reopen action when the process ends, says so
plainly when the host refuses a shell, and closes the channel when removed.

"Files and shell together": `cd(path)` types a safely quoted `cd` into the
shell, and `CwdChanged` reports the folder the shell announces (OSC 7) so a
file pane can follow it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Awaitable, Callable, Protocol

import asyncssh
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Static, TabbedContent, TabPane

from sshdeck.core.inert import inert
from sshdeck.core.transfer.procpool import shell_closed, shell_opened
from sshdeck.ui.inert_content import shown
from sshdeck.ui.widgets.terminal_render import clean_label
from sshdeck.ui.widgets.terminal_view import TerminalView

log = logging.getLogger(__name__)

TERM_TYPE = "xterm-256color"
READ_SIZE = 64 * 1024
_ids = itertools.count(1)


class ShellStarter(Protocol):
    """Opens a PTY channel: `await start(term_type, cols, rows, command=None, cwd=None)`.

    `cwd` asks for the shell to start in that folder; a starter that cannot
    (a host whose profile runs its own command) ignores it.
    """

    def __call__(
        self, term_type: str, cols: int, rows: int, command: str | None = None, cwd: str | None = None
    ) -> Awaitable[asyncssh.SSHClientProcess]: ...


def shell_in_folder(cwd: str, shell_flag: str = "-l") -> str:
    """The command that starts the user's shell in `cwd` (absolute): nothing typed, nothing echoed.

    Written for any login shell sshd runs it with (sh, bash, zsh, fish, csh):
    no `--`, no `${…}`; a folder that cannot be entered leaves the shell in the home folder.
    """
    return f"cd {shell_quote(cwd)}; exec $SHELL {shell_flag}"


def shell_start_for_session(session, command: str | None = None) -> ShellStarter:
    """A starter over a `Session` (its remote command and force-PTY apply unless `command` is given)."""

    async def start(
        term_type: str, cols: int, rows: int, command: str | None = command, cwd: str | None = None
    ) -> asyncssh.SSHClientProcess:
        if command is None and cwd and not session.spec.remote_command:
            command = shell_in_folder(cwd)
        return await session.create_process(command, term_type=term_type, term_size=(cols, rows), encoding=None)

    return start


def shell_start_for_connection(conn: asyncssh.SSHClientConnection, command: str | None = None) -> ShellStarter:
    """A starter over a bare asyncssh connection (the demo's, whose shell is interactive, not a login shell)."""

    async def start(
        term_type: str, cols: int, rows: int, command: str | None = command, cwd: str | None = None
    ) -> asyncssh.SSHClientProcess:
        if command is None and cwd:
            command = shell_in_folder(cwd, "-i")
        return await conn.create_process(command, term_type=term_type, term_size=(cols, rows), encoding=None)

    return start


def shell_quote(path: str) -> str:
    """`path` in single quotes for a POSIX shell."""
    return "'" + path.replace("'", "'\\''") + "'"


def describe_exit(process: asyncssh.SSHClientProcess | None) -> str:
    if process is None:
        return "The shell ended."
    if process.exit_signal:
        name = process.exit_signal[0]
        return f"The shell was killed by signal {name}."
    status = process.exit_status
    if status is None:
        return "The connection closed before the shell reported an exit status."
    return f"The shell exited with status {status}."


# Keys typed before the shell is ready are kept up to this many bytes.
EARLY_KEYS_LIMIT = 64 * 1024
# They are sent when the remote side first prints (a shell's prompt: readline reads from then on, so the
# tty does not echo them a second time before it), or this many seconds after the channel opened.
TYPE_AHEAD_WAIT = 2.0

class ShellTab(TabPane):
    """A tab holding a remote shell: TerminalView on top, an 'ended' bar when the process exits."""

    BINDINGS = [
        Binding("r", "reopen", "Reopen", id="reopen_shell", tooltip="Start the shell again in this tab"),
        Binding("ctrl+w", "close_tab", "Close tab", id="close_shell", tooltip="Close this shell tab"),
    ]

    class CwdChanged(Message):
        """The shell reported its folder (OSC 7): a file pane may follow it."""

        def __init__(self, tab: ShellTab, path: str, host: str) -> None:
            super().__init__()
            self.tab = tab
            self.path = path
            self.host = host

        @property
        def control(self) -> ShellTab:
            return self.tab

    class Ended(Message):
        """The remote process ended (or could not start); `text` says how."""

        def __init__(self, tab: ShellTab, text: str) -> None:
            super().__init__()
            self.tab = tab
            self.text = text

    class CloseRequested(Message):
        """The user asked to close this tab (the screen removes it; removal closes the channel)."""

        def __init__(self, tab: ShellTab) -> None:
            super().__init__()
            self.tab = tab

    def __init__(
        self,
        host_label: str,
        start: ShellStarter | Callable[..., Awaitable[asyncssh.SSHClientProcess]],
        *,
        command: str | None = None,
        cwd: str | None = None,
        allow_osc52: bool = False,
        id: str | None = None,
    ) -> None:
        self.host_label = clean_label(host_label)
        super().__init__(Content(self.host_label), id=id or f"shell-{next(_ids)}")
        self.start = start
        self.command = command
        self.cwd = cwd
        self.allow_osc52 = allow_osc52
        self.process: asyncssh.SSHClientProcess | None = None
        self._early: list[bytes] = []
        self._holding = True  # keys wait in _early: the shell has not printed anything yet
        self._hold_timer: Timer | None = None
        self.ended: str | None = None
        """Why the shell is not running (None while it runs or starts)."""

    def compose(self) -> ComposeResult:
        yield TerminalView(allow_osc52=self.allow_osc52)
        with Horizontal(classes="shell-ended"):
            yield Static("", classes="shell-ended-message", markup=False)
            yield Button("Reopen (r)", id="reopen", variant="primary")
            yield Button("Close (Ctrl+W)", id="close-shell")

    @property
    def view(self) -> TerminalView:
        return self.query_one(TerminalView)

    def on_mount(self) -> None:
        shell_opened(self)  # big files go to a worker process: the app's loop stays free for the echo (procpool.py)
        view = self.view
        view.send = self._send
        view.on_terminal_resize = self._resize
        self._run()

    def on_show(self) -> None:
        if self.ended is None:
            self.call_after_refresh(self.view.focus)

    def type_ahead(self, data: bytes) -> None:
        """Input typed before this tab was even mounted (right after Ctrl+O): sent once the shell is there."""
        self._send(data)

    def take_keys(self) -> None:
        """Give the terminal the keyboard now, in the tick this tab is made the active one.

        Not after the next refresh: keys a terminal sends while the tab bar
        already shows the tab would otherwise reach no widget (the Files tab's
        focus is gone, the terminal's not there yet) and be lost.
        """
        self.screen.set_focus(self.view)

    async def on_unmount(self) -> None:
        shell_closed(self)
        self._close_channel()

    # -- the process ---------------------------------------------------------------

    @work(group="shell", exclusive=True)
    async def _run(self) -> None:
        view = self.view
        self.ended = None
        self._holding = True
        self._show_ended(None)
        try:
            await asyncio.wait_for(view.size_known.wait(), timeout=1.0)
        except asyncio.TimeoutError:
            pass  # hidden or tiny: start at the emulator's size, a resize follows
        cols, rows = view.terminal.cols, view.terminal.rows
        try:
            if self.command is None:
                process = await (self.start(TERM_TYPE, cols, rows, cwd=self.cwd) if self.cwd
                                 else self.start(TERM_TYPE, cols, rows))
            else:
                process = await self.start(TERM_TYPE, cols, rows, command=self.command)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any refusal becomes a line in the tab
            reason = inert(getattr(exc, "reason", "") or str(exc) or type(exc).__name__)
            log.info("%s refused a shell: %s", self.host_label, reason)
            self._finish(f"{self.host_label} refused a shell: {reason}")
            return
        self.process = process
        if (view.terminal.cols, view.terminal.rows) != (cols, rows):
            self._resize(view.terminal.cols, view.terminal.rows)
        self._hold_timer = self.set_timer(TYPE_AHEAD_WAIT, self._release_keys)
        try:
            await asyncio.gather(self._pump(process.stdout), self._pump(process.stderr))
            await process.wait_closed()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001
            log.info("shell on %s stopped: %s", self.host_label, exc)
        self._finish(describe_exit(process))

    async def _pump(self, stream: asyncssh.SSHReader) -> None:
        view = self.view
        while True:
            try:
                data = await stream.read(READ_SIZE)
            except asyncssh.Error as exc:
                log.info("reading from %s failed: %s", self.host_label, exc)
                return
            if not data:
                return
            self._release_keys()
            await view.feed_in_slices(data)  # not read again until this read is drawn: back-pressure

    def _release_keys(self) -> None:
        """The shell printed (or kept quiet long enough): send what was typed ahead, and every key from now on."""
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        if not self._holding or self.process is None:
            return
        self._holding = False
        early, self._early = self._early, []
        for data in early:
            self._send(data)

    def _finish(self, text: str) -> None:
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        self._early = []
        self.ended = text
        self.view.flush()
        self._show_ended(text)
        self.post_message(self.Ended(self, text))

    def _show_ended(self, text: str | None) -> None:
        bar = self.query_one(".shell-ended")
        bar.set_class(text is not None, "-shown")
        if text is not None:
            self.query_one(".shell-ended-message", Static).update(shown(text))  # plain text, controls escaped
            if self.view.has_focus or self.screen.focused is None:
                self.query_one("#reopen", Button).focus()
        self.refresh_bindings()

    def _send(self, data: bytes) -> None:
        process = self.process
        if (process is None or self._holding) and self.ended is None:
            # Typed while the shell starts: keep it (bounded) and send it once the shell is there.
            if sum(map(len, self._early)) + len(data) <= EARLY_KEYS_LIMIT:
                self._early.append(data)
            return
        if process is None or self.ended is not None:
            return
        try:
            process.stdin.write(data)
        except (OSError, asyncssh.Error) as exc:
            log.debug("writing to %s failed: %s", self.host_label, exc)

    def _resize(self, cols: int, rows: int) -> None:
        process = self.process
        if process is None or self.ended is not None:
            return
        try:
            process.change_terminal_size(cols, rows)
        except (OSError, asyncssh.Error) as exc:
            log.debug("resizing the terminal on %s failed: %s", self.host_label, exc)

    def _close_channel(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            try:
                process.close()
            except Exception:  # noqa: BLE001 - already gone
                pass

    # -- files and shell together ---------------------------------------------------------

    def cd(self, path: str) -> bool:
        """Type `cd -- 'path'` and Enter into the shell; False when that would not be safe."""
        if self.process is None or self.ended is not None:
            return False
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path) or self.view.terminal.modes.alternate_screen:
            return False  # a control character would reach the tty; a full-screen program would get keys
        # Ctrl+U first clears whatever was half typed at the prompt.
        self.view.write(b"\x15" + f"cd -- {shell_quote(path)}\r".encode())
        return True

    @on(TerminalView.CwdChanged)
    def _cwd_changed(self, event: TerminalView.CwdChanged) -> None:
        event.stop()
        self.post_message(self.CwdChanged(self, event.path, event.host))

    @on(TerminalView.TitleChanged)
    def _title_changed(self, event: TerminalView.TitleChanged) -> None:
        event.stop()
        self.set_label(event.title)

    def set_label(self, title: str) -> None:
        """Show `host: title` in the tab (the title is already cleaned by the view)."""
        text = f"{self.host_label}: {title}" if title else self.host_label
        label = Content(clean_label(text, 48))
        self._title = label
        for ancestor in self.ancestors:
            if isinstance(ancestor, TabbedContent):
                try:
                    ancestor.get_tab(self).label = label
                except Exception:  # noqa: BLE001 - the tab may be going away
                    pass
                break

    @property
    def label_text(self) -> str:
        return self._title.plain

    # -- actions ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.screen.focused is self.view:
            return False  # the terminal takes these keys itself: do not offer them in the footer
        if action == "reopen":
            return self.ended is not None
        return True

    def action_reopen(self) -> None:
        if self.ended is None:
            return
        self._close_channel()
        self.view.reset_for_reuse()
        self.take_keys()
        self._run()

    def action_close_tab(self) -> None:
        self.post_message(self.CloseRequested(self))

    @on(Button.Pressed, "#reopen")
    def _reopen_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_reopen()

    @on(Button.Pressed, "#close-shell")
    def _close_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_close_tab()
