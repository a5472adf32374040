"""Shell tabs against Debian's sshd and a real bash: prompt, colours, less, resize, signals, exit, a gateway menu."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncssh
import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Input, TabbedContent, TabPane

from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.session import ConnectSpec, Session
from sshdeck.core.terminal.styles import BOLD
from sshdeck.core.trust import HostKeyDecision, TrustStore
from sshdeck.ui.widgets.shell_tab import ShellTab, shell_start_for_connection, shell_start_for_session
from sshdeck.ui.widgets.terminal_view import terminal_has_focus

STYLES = Path(__file__).resolve().parents[2] / "sshdeck" / "ui" / "styles"
BASH = "env PS1='test$ ' HISTFILE=/dev/null bash --norc --noprofile -i"


class ShellApp(App):
    """A Files tab with one focusable pane, plus the shell tab under test."""

    CSS_PATH = [STYLES / "app.tcss", STYLES / "terminal.tcss"]
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit_now"),
    ]

    def __init__(self, tab: ShellTab) -> None:
        super().__init__()
        self.tab = tab
        self.cwd_reports: list[str] = []
        self.close_requests = 0

    def compose(self) -> ComposeResult:
        with TabbedContent(id="tabs"):
            with TabPane("Files", id="files-tab"):
                yield Input(id="pane")
        yield Footer()

    async def on_mount(self) -> None:
        tabs = self.query_one(TabbedContent)
        await tabs.add_pane(self.tab)
        tabs.active = self.tab.id

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # What the lead wires into SshdeckApp: no quitting from inside a terminal.
        if action in ("quit", "command_palette") and terminal_has_focus(self):
            return False
        return True

    def on_shell_tab_cwd_changed(self, event: ShellTab.CwdChanged) -> None:
        self.cwd_reports.append(event.path)

    def on_shell_tab_close_requested(self, event: ShellTab.CloseRequested) -> None:
        self.close_requests += 1


async def until(pilot, predicate, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        result = predicate()
        if result:
            return result
    screen = pilot.app.tab.view.terminal.display() if hasattr(pilot.app, "tab") else ""
    raise AssertionError(f"timed out waiting for {what}; screen:\n" + "\n".join(screen))


def screen_text(tab: ShellTab) -> str:
    terminal = tab.view.terminal
    return "\n".join(terminal.text_at(i) for i in range(terminal.line_count))


async def type_line(pilot, text: str) -> None:
    """Type `text` and Enter: the keys go through the widget's key handling, one by one."""
    await pilot.press(*text, "enter")


async def paste_line(pilot, text: str) -> None:
    """Paste `text` (one Textual Paste event, quicker than typing it) and press Enter."""
    pilot.app.tab.view.post_message(events.Paste(text))
    await pilot.press("enter")


@pytest.fixture
async def ssh_conn(openssh_server):
    conn = await asyncssh.connect(
        openssh_server.host,
        port=openssh_server.port,
        username=openssh_server.username,
        client_keys=[str(openssh_server.client_key)],
        known_hosts=None,
        agent_path=None,
    )
    yield conn
    conn.close()
    await conn.wait_closed()


def bash_tab(conn, **options) -> ShellTab:
    return ShellTab("box", shell_start_for_connection(conn, BASH), **options)


async def test_login_shell_shows_a_prompt_echoes_and_tab_completes(ssh_conn) -> None:
    tab = ShellTab("box", shell_start_for_connection(ssh_conn))  # the account's own login shell
    app = ShellApp(tab)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: screen_text(tab).rstrip().endswith(("#", "$")), "a prompt")
        assert app.focused is tab.view
        await type_line(pilot, "echo hi-$((6*7))")
        await until(pilot, lambda: "\nhi-42" in screen_text(tab), "the echo")
        await pilot.press(*"ech", "tab", *"done-completing", "enter")  # Tab reaches bash's completion
        await until(pilot, lambda: "\ndone-completing" in screen_text(tab), "the completed command")


async def test_sgr_colours_become_styles(ssh_conn) -> None:
    tab = bash_tab(ssh_conn)
    async with ShellApp(tab).run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "test$" in screen_text(tab), "the prompt")
        await paste_line(pilot, r"printf '\e[1;31mRED\e[0m \e[38;5;208mORANGE\e[0m \e[38;2;10;20;30;4mDEEP\e[0m\n'")
        terminal = tab.view.terminal
        row = await until(
            pilot,
            lambda: next((i for i in range(terminal.line_count) if terminal.text_at(i).startswith("RED")), None),
            "the coloured line",
        )
        runs = {text: style for text, style in terminal.line_at(row) if text.strip()}
        assert runs["RED"].fg == 1 and runs["RED"].flags & BOLD
        assert runs["ORANGE"].fg == 208
        assert runs["DEEP"].fg == (10, 20, 30) and runs["DEEP"].underline
        strip = tab.view.render_line(row - terminal.history_size)
        red = next(segment for segment in strip if segment.text == "RED")
        assert red.style.bold and red.style.color.number == 1


async def test_less_takes_the_alternate_screen_and_q_restores_the_shell(ssh_conn) -> None:
    tab = bash_tab(ssh_conn)
    async with ShellApp(tab).run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "test$" in screen_text(tab), "the prompt")
        await paste_line(pilot, "echo before-less; seq 1 500 | LESS= less")
        terminal = tab.view.terminal
        await until(pilot, lambda: terminal.modes.alternate_screen and "1" in terminal.display(), "less")
        assert "before-less" not in "\n".join(terminal.display())
        await pilot.press("space")  # next page: the keys reach less
        await until(pilot, lambda: any(line.strip() == "40" for line in terminal.display()), "the second page")
        await pilot.press("q")
        await until(pilot, lambda: not terminal.modes.alternate_screen, "less to exit")
        await until(pilot, lambda: "before-less" in "\n".join(terminal.display()), "the shell screen back")


async def test_stty_size_follows_the_window(ssh_conn) -> None:
    tab = bash_tab(ssh_conn)
    async with ShellApp(tab).run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "test$" in screen_text(tab), "the prompt")
        await pilot.resize_terminal(90, 26)
        terminal = tab.view.terminal
        await until(pilot, lambda: terminal.cols == tab.view.size.width and terminal.cols < 100, "the resize")
        await type_line(pilot, "stty size")
        expected = f"{terminal.rows} {terminal.cols}"
        await until(pilot, lambda: f"\n{expected}" in screen_text(tab), f"stty size to say {expected}")


async def test_ctrl_c_interrupts_sleep(ssh_conn) -> None:
    tab = bash_tab(ssh_conn)
    async with ShellApp(tab).run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "test$" in screen_text(tab), "the prompt")
        await type_line(pilot, "sleep 30")
        await pilot.pause(0.3)
        started = time.monotonic()
        await pilot.press("ctrl+c")
        await paste_line(pilot, "echo status-$?")
        await until(pilot, lambda: "\nstatus-130" in screen_text(tab), "sleep to be interrupted")
        assert time.monotonic() - started < 10


async def test_exit_status_is_shown_and_reopen_starts_again(ssh_conn) -> None:
    tab = bash_tab(ssh_conn)
    app = ShellApp(tab)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "test$" in screen_text(tab), "the prompt")
        await type_line(pilot, "exit 3")
        await until(pilot, lambda: tab.ended, "the shell to end")
        assert tab.ended == "The shell exited with status 3."
        assert tab.query_one(".shell-ended").has_class("-shown")
        assert not terminal_has_focus(app)  # focus left the terminal for the Reopen button
        await pilot.press("r")
        await until(pilot, lambda: tab.ended is None and tab.process is not None, "the reopen")
        await until(pilot, lambda: terminal_has_focus(app), "focus back in the terminal")
        await paste_line(pilot, "echo second-life")
        await until(pilot, lambda: "\nsecond-life" in screen_text(tab), "the new shell")


async def test_closing_the_tab_closes_the_channel(ssh_conn) -> None:
    tab = bash_tab(ssh_conn)
    app = ShellApp(tab)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "test$" in screen_text(tab), "the prompt")
        process = tab.process
        await app.query_one(TabbedContent).remove_pane(tab.id)
        await asyncio.wait_for(process.wait_closed(), 5)


async def test_cd_is_quoted_and_osc7_reports_the_folder(ssh_conn, tmp_path: Path) -> None:
    folder = tmp_path / "it's a $(folder)"
    folder.mkdir()
    tab = bash_tab(ssh_conn)
    app = ShellApp(tab)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "test$" in screen_text(tab), "the prompt")
        assert tab.cd(str(folder))
        assert not tab.cd("/tmp\nrm -rf /")  # control characters are refused, not typed
        await paste_line(pilot, r"""printf '\e]7;file://box%s\a' "$PWD" """)
        await until(pilot, lambda: app.cwd_reports, "the OSC 7 report")
        assert app.cwd_reports == [str(folder)]


async def test_gateway_forced_command_menu_reads_a_choice(make_openssh_server, tmp_path: Path) -> None:
    script = tmp_path / "gateway.sh"
    script.write_text(
        "#!/bin/bash\n"
        'echo "Instances of app $SSH_ORIGINAL_COMMAND:"\n'
        "echo '  1) web.1'\n"
        "echo '  2) worker.1'\n"
        "read -r -p 'Choose an instance: ' choice\n"
        'echo "connected to instance $choice"\n'
    )
    script.chmod(0o755)
    server = make_openssh_server(f"ForceCommand {script}")
    spec = ConnectSpec(
        host=server.host, port=server.port, user=server.username, ssh_config=None, use_agent=False,
        identity_files=(str(server.client_key),), remote_command="my-app-id", force_pty=True,
    )

    async def once(_check) -> HostKeyDecision:
        return HostKeyDecision.ONCE

    trust = TrustStore(own_file=tmp_path / "own_known_hosts", read_files=[])
    async with Session(spec, ConnectCallbacks(decide_host_key=once), trust=trust) as session:
        tab = ShellTab("paas", shell_start_for_session(session))
        async with ShellApp(tab).run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: "Choose an instance:" in screen_text(tab), "the menu")
            assert "Instances of app my-app-id:" in screen_text(tab)
            await type_line(pilot, "2")
            await until(pilot, lambda: "connected to instance 2" in screen_text(tab), "the answer")
            await until(pilot, lambda: tab.ended, "the gateway to exit")
            assert "status 0" in tab.ended


async def test_a_host_that_refuses_shells_says_so(make_openssh_server) -> None:
    server = make_openssh_server("MaxSessions 0")
    conn = await asyncssh.connect(
        server.host, port=server.port, username=server.username,
        client_keys=[str(server.client_key)], known_hosts=None, agent_path=None,
    )
    try:
        tab = ShellTab("locked", shell_start_for_connection(conn))
        async with ShellApp(tab).run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: tab.ended, "the refusal")
            assert tab.ended.startswith("locked refused a shell:")
            assert tab.query_one(".shell-ended").has_class("-shown")
    finally:
        conn.close()


async def test_the_demo_servers_shell_opens_in_a_tab(demo_server) -> None:
    conn = await asyncssh.connect(
        demo_server.host, port=demo_server.port, username=demo_server.username,
        client_keys=[demo_server.client_key], known_hosts=demo_server.known_hosts(), agent_path=None,
    )
    try:
        tab = ShellTab("demo", shell_start_for_connection(conn))
        async with ShellApp(tab).run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: screen_text(tab).rstrip().endswith(("#", "$")), "the demo's prompt")
            await paste_line(pilot, "stty size; echo demo-$((2+3))")
            terminal = tab.view.terminal
            await until(pilot, lambda: "\ndemo-5" in screen_text(tab), "the echo")
            assert f"\n{terminal.rows} {terminal.cols}\n" in screen_text(tab)
    finally:
        conn.close()


async def test_a_hostile_flood_from_the_host_is_read_one_read_at_a_time_and_ctrl_bracket_still_answers(ssh_conn) -> None:
    # REP after a wide character, line after line, for as long as the test lasts.
    flood = "yes \"$(printf '\\344\\270\\255\\033[9999b\\033[9999@')\""
    tab = ShellTab("box", shell_start_for_connection(ssh_conn, flood))
    app = ShellApp(tab)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: tab.view.has_focus, "the terminal to take focus")
        view = tab.view
        feeding = held = fed = 0
        largest = 0
        original = view.feed_in_slices

        async def counted(data: bytes) -> None:
            nonlocal feeding, held, fed, largest
            feeding += 1
            held = max(held, feeding)
            largest = max(largest, len(data))
            try:
                await original(data)
            finally:
                feeding -= 1
                fed += 1

        view.feed_in_slices = counted
        await until(pilot, lambda: fed >= 2, "the flood to arrive")
        await pilot.press("ctrl+right_square_bracket")
        assert not terminal_has_focus(app)  # answered while the host keeps sending
        assert tab.ended is None
        # Back-pressure: the next read waits until the last one is drawn, so one read is all that is held.
        assert held == 1 and largest <= 64 * 1024
        assert view.terminal.errors == 0
