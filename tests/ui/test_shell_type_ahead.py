"""Keys typed into a shell tab the moment it opens reach the shell (type-ahead is never lost).

Seen in the tmux end-to-end test under load: the tab bar already showed the
new tab while no widget had the focus yet, and what was typed then went
nowhere ("cho e2e-42", or the whole line).  These tests type in exactly
that moment: the keys are posted to the app as a terminal would send them,
from the watcher that sees the shell tab become the active one.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from textual import events
from textual.widgets import TabbedContent

from sshdeck.core.ssh.session import ConnectSpec, Session
from sshdeck.core.trust import TrustStore
from sshdeck.ui.widgets.shell_tab import ShellTab, shell_start_for_connection, shell_start_for_session
from tests.ui.demo_shells import connect_to_demo, demo_app, first_shell_tab, screen_text, shell_at_its_prompt
from tests.ui.waiting import until

LINE = "echo typed-$((6*7))"


def keys_of(text: str) -> list[events.Key]:
    """The Key events a terminal's input parser makes of `text` and Enter."""
    names = {" ": "space", "$": "dollar_sign", "(": "left_parenthesis", ")": "right_parenthesis",
             "*": "asterisk", "-": "minus"}
    return [events.Key(names.get(c, c), c) for c in text] + [events.Key("enter", "\r")]


def type_when_a_shell_tab_shows(app, text: str) -> list[str]:
    """Post `text` as key events in the very tick a shell tab becomes the active tab; returns the tab ids seen."""
    seen: list[str] = []
    tabs = app.screen.query_one("#tabs", TabbedContent)

    def active_changed(active: str) -> None:
        if active.startswith("shell-") and not seen:
            seen.append(active)
            for key in keys_of(text):
                app.post_message(key)

    app.screen.watch(tabs, "active", active_changed, init=False)
    return seen


async def test_keys_typed_as_a_new_shell_tab_appears_reach_the_shell(tmp_path: Path, demo_root: Path) -> None:
    async with demo_app(tmp_path, demo_root) as (app, pilot, right):
        await pilot.pause()
        seen = type_when_a_shell_tab_shows(app, LINE)
        await pilot.press("ctrl+o")
        tab = await first_shell_tab(app, pilot)
        assert seen == [tab.id]
        await until(pilot, lambda: "\ntyped-42" in screen_text(tab) or tab.ended, "the shell to run the typed line")
        assert tab.ended is None
        assert app.is_running


async def test_keys_typed_right_after_ctrl_o_before_the_tab_exists_reach_the_new_shell(tmp_path: Path, demo_root: Path) -> None:
    async with demo_app(tmp_path, demo_root) as (app, pilot, right):
        await pilot.pause()
        # One burst, as a terminal sends it: Ctrl+O and the line behind it, before any tab is mounted.
        for key in [events.Key("ctrl+o", None), *keys_of(LINE)]:
            app.post_message(key)
        tab = await first_shell_tab(app, pilot)
        await until(pilot, lambda: "\ntyped-42" in screen_text(tab), "the shell to run the typed line")
        assert screen_text(tab).count("echo typed-") == 1
        assert right.path == "/"  # Enter did not open anything in the pane


async def test_keys_typed_as_an_existing_shell_tab_is_shown_again_reach_it(tmp_path: Path, demo_root: Path) -> None:
    async with demo_app(tmp_path, demo_root) as (app, pilot, right):
        tab = await shell_at_its_prompt(app, pilot)
        await pilot.press("ctrl+right_square_bracket")
        tabs = app.screen.query_one("#tabs", TabbedContent)
        tabs.active = "files-tab"
        right.file_list.focus()
        await pilot.pause()
        seen = type_when_a_shell_tab_shows(app, LINE)
        await pilot.press("ctrl+o")  # shows the same tab again
        await until(pilot, lambda: seen, "the shell tab shown again")
        await until(pilot, lambda: "\ntyped-42" in screen_text(tab), "the shell to run the typed line")


# -- the channel itself: ruled out as the cause, kept as a guard -------------------------------------------------

async def run_typed_ahead(start, tries: int) -> list[bytes]:
    """Open the shell `tries` times, writing a line in the same tick the channel opens; the outputs that lack its answer."""
    missing = []
    for _ in range(tries):
        process = await start("xterm-256color", 100, 30, cwd="/tmp")
        process.stdin.write(f"{LINE}; exit\r".encode())
        output = b""
        while data := await asyncio.wait_for(process.stdout.read(65536), 20):
            output += data
        process.close()
        if b"typed-42\r\n" not in output:  # the answer (the echoed line reads typed-$((6*7)))
            missing.append(output)
    return missing


async def test_a_line_written_as_the_demo_shell_channel_opens_reaches_the_shell(demo_server) -> None:
    async with connect_to_demo(demo_server) as conn:
        assert await run_typed_ahead(shell_start_for_connection(conn), 5) == []


async def test_a_line_written_as_a_login_shell_channel_opens_on_openssh_reaches_the_shell(openssh_server, tmp_path: Path) -> None:
    spec = ConnectSpec(
        host=openssh_server.host, port=openssh_server.port, user=openssh_server.username, ssh_config=None,
        use_agent=False, identity_files=(str(openssh_server.client_key),),
    )
    trust = TrustStore(own_file=openssh_server.write_known_hosts(tmp_path / "known_hosts"), read_files=[])
    async with Session(spec, trust=trust) as session:
        # `cd …; exec $SHELL -l`, as a shell tab on that host starts it
        assert await run_typed_ahead(shell_start_for_session(session), 5) == []


async def test_closing_a_demo_shell_channel_while_it_prints_logs_no_error(demo_server, caplog) -> None:
    async with connect_to_demo(demo_server) as conn:
        process = await shell_start_for_connection(conn, "yes sshdeck")("xterm-256color", 80, 24)
        assert await process.stdout.read(100)
        process.close()
        for _ in range(400):  # the server's side of the shell winds down
            await asyncio.sleep(0.025)
            if not demo_server._shells:
                break
    assert not demo_server._shells
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


# -- a shell that takes its time: type-ahead waits for its prompt ----------------------------------------------------

SLOW_SHELL = "sleep 1; env PS1='slow$ ' HISTFILE=/dev/null bash --norc --noprofile -i"


async def test_keys_typed_before_a_slow_shell_prints_its_prompt_are_sent_after_it_and_shown_once(demo_server) -> None:
    from tests.ui.test_shell_tab import ShellApp

    async with connect_to_demo(demo_server) as conn:
        tab = ShellTab("slow", shell_start_for_connection(conn, SLOW_SHELL))
        app = ShellApp(tab)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.focused is tab.view, "the terminal to take the keys")
            for key in keys_of(LINE):  # all at once, as a terminal sends a burst: long before bash reads
                app.post_message(key)
            await until(pilot, lambda: "\ntyped-42" in screen_text(tab), "the shell to run the typed line")
            # Not echoed once by the tty while bash was not reading yet and again by readline: once, after the prompt.
            assert screen_text(tab).count("echo typed-") == 1
            assert "slow$ echo typed-$((6*7))" in screen_text(tab)


async def test_a_program_that_prints_nothing_still_gets_the_keys_typed_ahead(demo_server) -> None:
    from tests.ui.test_shell_tab import ShellApp

    async with connect_to_demo(demo_server) as conn:
        tab = ShellTab("cat", shell_start_for_connection(conn, "stty -echo; cat -n"))
        app = ShellApp(tab)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.focused is tab.view, "the terminal to take the keys")
            await pilot.press(*"quiet-ahead", "enter")
            # The tty does not echo: only cat's numbered copy can show the line.
            await until(pilot, lambda: "quiet-ahead" in screen_text(tab), "cat to number the line", tries=800)
            assert screen_text(tab).split("quiet-ahead")[0].strip().endswith("1")


async def test_ctrl_o_typed_in_a_shell_goes_to_the_shell_not_to_a_new_tab(tmp_path: Path, demo_root: Path) -> None:
    async with demo_app(tmp_path, demo_root) as (app, pilot, right):
        tab = await shell_at_its_prompt(app, pilot)
        await pilot.press(*"cat -v", "enter", "ctrl+o", "enter")
        await until(pilot, lambda: "\n^O" in screen_text(tab), "cat to show the Ctrl+O it got")
        assert len(app.screen.query(ShellTab)) == 1
