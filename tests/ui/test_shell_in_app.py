"""Shell tabs inside the app: opened next to the files, keys routed, closed again."""

from __future__ import annotations

import pytest

from pathlib import Path

from textual.widgets import TabbedContent, Tabs

from sshdeck.app import SshdeckApp
from sshdeck.ui.widgets.file_pane import FilePane
from sshdeck.ui.widgets.shell_tab import ShellTab
from sshdeck.ui.widgets.terminal_view import TerminalView
from tests.ui.demo_shells import demo_app, first_shell_tab, screen_text
from tests.ui.waiting import until


async def test_ctrl_o_opens_a_shell_in_the_remote_folder_and_ctrl_q_goes_to_the_shell(tmp_path: Path, demo_root: Path) -> None:
    async with demo_app(tmp_path, demo_root) as (app, pilot, right):
        right.file_list.cursor = [e.display for e in right.file_list.entries].index("projects")
        await pilot.press("enter")
        await until(pilot, lambda: right.is_idle and right.path == "/projects", "projects")
        await pilot.press("ctrl+o")
        tab = await first_shell_tab(app, pilot)
        assert app.screen.query_one("#tabs", TabbedContent).active == tab.id
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "the terminal to take the keys")
        await pilot.press(*"pwd; echo done-$((6*7))", "enter")
        await until(pilot, lambda: "done-42" in screen_text(tab), "the shell to answer")
        # The demo's SFTP root is its folder, so "/projects" is <demo root>/projects for the shell.
        assert str(demo_root.resolve() / "projects") in screen_text(tab)
        assert "cd " not in screen_text(tab)  # it started there: no command typed in and echoed
        await pilot.press("ctrl+q")  # goes to the shell, does not quit
        await pilot.pause(0.2)
        assert app.is_running
        await pilot.press("ctrl+right_square_bracket")  # give the keys back
        assert not isinstance(app.focused, TerminalView)
        await pilot.press("ctrl+w")
        await until(pilot, lambda: not app.screen.query(ShellTab), "the tab to close")
        assert app.screen.query_one("#tabs", TabbedContent).active == "files-tab"


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_ctrl_o_without_a_host_opens_a_local_shell_in_the_local_folder(tmp_path: Path, size) -> None:
    (tmp_path / "here-marker").write_text("x")
    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: all(p.is_idle for p in app.screen.query(FilePane)), "panes")
        await pilot.press("ctrl+o")
        tab = await first_shell_tab(app, pilot, "a local shell tab")
        assert tab.host_label == "this computer"
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "the terminal to take the keys")
        await pilot.press(*"ls; echo done-$((6*7))", "enter")
        await until(pilot, lambda: "done-42" in screen_text(tab), "the local shell to answer")
        assert "here-marker" in screen_text(tab)
        await pilot.press("ctrl+right_square_bracket", "ctrl+w")
        await until(pilot, lambda: not app.screen.query(ShellTab), "the tab to close")


async def test_ctrl_o_shows_the_hosts_shell_again_and_from_a_shell_opens_a_second(tmp_path: Path, demo_root: Path) -> None:
    async with demo_app(tmp_path, demo_root) as (app, pilot, right):
        await pilot.press("ctrl+o")
        first = await first_shell_tab(app, pilot)
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "the terminal")
        # In a shell the footer offers only what works there: the key that gives the keys back.
        shown = [b.binding.id for b in app.screen.active_bindings.values() if b.binding.show and b.enabled]
        assert "leave_terminal" in shown and "copy" not in shown and "toggle_sidebar" not in shown
        await pilot.press("ctrl+right_square_bracket")
        tabs = app.screen.query_one("#tabs", TabbedContent)
        tabs.active = "files-tab"
        right.file_list.focus()
        await pilot.pause()
        await pilot.press("ctrl+o")  # the existing shell, not a new one
        await until(pilot, lambda: tabs.active == first.id, "the first shell shown again")
        assert len(app.screen.query(ShellTab)) == 1
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "the terminal")
        await pilot.press("ctrl+right_square_bracket", "ctrl+o")  # from the shell tab: another one
        await until(pilot, lambda: len(app.screen.query(ShellTab)) == 2, "a second shell")
        second = list(app.screen.query(ShellTab))[1]
        assert second.host_label == f"{first.host_label} (2)"


async def test_back_from_a_shell_the_keys_act_on_the_pane_that_had_the_focus(tmp_path: Path, demo_root: Path) -> None:
    # As Midnight Commander keeps its active panel: Ctrl+], Left (the Files tab) gives the keys to the
    # right pane the user was in, as a shell tab's terminal takes them when its tab is shown; F5 then
    # copies from it, and closing the shell tab focuses it again.
    from sshdeck.ui.screens.copy_dialog import CopyDialog

    async with demo_app(tmp_path, demo_root) as (app, pilot, right):
        names = [e.display for e in right.file_list.entries]
        await pilot.press("ctrl+o")
        await first_shell_tab(app, pilot)
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "the terminal")
        await pilot.press("ctrl+right_square_bracket", "left")
        tabs = app.screen.query_one("#tabs", TabbedContent)
        await until(pilot, lambda: tabs.active == "files-tab", "the Files tab")
        await until(pilot, lambda: app.focused is right.file_list, "the right pane to have the keys")
        while names[right.file_list.cursor] != "projects":
            await pilot.press("down")
        await pilot.press("f5")
        dialog = await until(pilot, lambda: isinstance(app.screen, CopyDialog) and app.screen, "the copy dialog")
        assert dialog.summary.names == ["projects"]
        await pilot.press("escape")
        app.screen.query_one(Tabs).focus()  # the tab bar, as Ctrl+] leaves it: F5 still means the right pane
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, CopyDialog), "the copy dialog from the tab bar")
        await pilot.press("escape")
        await pilot.press("right")  # the shell's tab again
        await until(pilot, lambda: tabs.active != "files-tab", "the shell tab")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "the terminal")
        await pilot.press("ctrl+right_square_bracket", "ctrl+w")
        await until(pilot, lambda: not app.screen.query(ShellTab), "the tab to close")
        assert app.focused is right.file_list
