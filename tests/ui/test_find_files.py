"""Find files… (Ctrl+F): results fill in, Escape stops then closes, Enter goes to the file, F5 copies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import Input, OptionList, Static

from sshdeck.app import SshdeckApp
from sshdeck.core.ssh.remote_source import DemoSource
from sshdeck.ui.screens.find_files import FindFiles
from sshdeck.ui.widgets.file_pane import FilePane
from tests.ui.waiting import both_panes_idle, until


def status(screen: FindFiles) -> str:
    return str(screen.query_one("#find-status").render())


def shown(screen: FindFiles) -> list[str]:
    results = screen.query_one("#find-results", OptionList)
    return [str(results.get_option_at_index(index).prompt) for index in range(results.option_count)]


async def open_find(pilot, app) -> FindFiles:
    await pilot.press("ctrl+f")
    return await until(pilot, lambda: isinstance(app.screen, FindFiles) and app.screen, "the find screen")


async def search(pilot, screen: FindFiles, name: str, content: str = "") -> None:
    screen.query_one("#find-name", Input).value = name
    screen.query_one("#find-content", Input).value = content
    screen.query_one("#find-name", Input).focus()
    await pilot.press("enter")
    await until(pilot, lambda: status(screen).endswith("done"), "the search to finish")


def make_remote_tree(demo_root: Path) -> None:
    (demo_root / "proj" / "src" / "deep").mkdir(parents=True)
    (demo_root / "proj" / "src" / "deep" / "target.cfg").write_text("port = 22\n")
    (demo_root / "proj" / "src" / "other.cfg").write_text("nothing\n")
    os.symlink("..", demo_root / "proj" / "src" / "loop")


async def test_enter_on_a_result_opens_its_folder_with_the_cursor_on_it(demo_root: Path, hermetic_home: Path) -> None:
    make_remote_tree(demo_root)
    local = hermetic_home / "work"
    local.mkdir()
    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root))
    async with app.run_test(size=(120, 30)) as pilot:
        _left, right = await both_panes_idle(pilot, app)
        await pilot.press("tab")
        screen = await open_find(pilot, app)
        assert screen.fs is right.fs
        await search(pilot, screen, "*.CFG")
        assert sorted(shown(screen)) == ["  proj/src/deep/target.cfg", "  proj/src/other.cfg"]
        assert status(screen) == "2 found · done"
        await search(pilot, screen, "*.cfg", content="port")
        assert shown(screen) == ["  proj/src/deep/target.cfg"]
        screen.query_one("#find-results", OptionList).focus()
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, FindFiles), "the find screen to close")
        pane = app.screen.query_one("#right", FilePane)
        await until(pilot, lambda: pane.is_idle and pane.path.endswith("/proj/src/deep"), "the result's folder")
        assert pane.file_list.current is not None and pane.file_list.current.name == b"target.cfg"
        assert pane.file_list.has_focus


async def test_escape_stops_a_search_then_closes(tmp_path: Path) -> None:
    root = tmp_path / "many"
    for index in range(60):
        (root / f"d{index}" / "x").mkdir(parents=True)
        (root / f"d{index}" / "x" / "hit.txt").write_text("needle")
    app = SshdeckApp(local_path=str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await both_panes_idle(pilot, app)
        screen = await open_find(pilot, app)
        screen.query_one("#find-name", Input).value = "hit.txt"
        screen.query_one("#find-content", Input).value = "needle"
        screen.start()
        assert screen.searching
        await pilot.press("escape")
        assert status(screen).endswith("stopped") and isinstance(app.screen, FindFiles)
        await until(pilot, lambda: not screen.searching, "the search to end")
        assert status(screen).endswith("stopped")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, FindFiles), "the screen to close")


async def test_space_selects_results_and_f5_copies_them_to_the_other_pane(demo_root: Path, hermetic_home: Path) -> None:
    make_remote_tree(demo_root)
    local = hermetic_home / "work"
    local.mkdir()
    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root))
    async with app.run_test(size=(120, 30)) as pilot:
        await both_panes_idle(pilot, app)
        await pilot.press("tab")
        screen = await open_find(pilot, app)
        await search(pilot, screen, "*.cfg")
        screen.query_one("#find-results", OptionList).focus()
        await pilot.press("space", "space")
        assert all(line.startswith("✓ ") for line in shown(screen))
        assert "2 selected" in status(screen)
        await pilot.press("f5")
        # Two folders: one question for both, then one transfer per folder.
        from sshdeck.ui.screens.confirm import ConfirmScreen

        confirm = await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen, "the confirm question")
        assert "2 found items from 2 folders" in confirm.title_text
        await pilot.click("#confirm-yes")
        await until(pilot, lambda: (local / "target.cfg").exists() and (local / "other.cfg").exists(), "the copies")
        assert (local / "target.cfg").read_text() == "port = 22\n"


@pytest.mark.parametrize("size", [(80, 24), (60, 24)])
async def test_the_key_hint_is_read_in_full_on_a_small_terminal(size, demo_root: Path, hermetic_home: Path) -> None:
    """At 80×24 the hint under the results lost its end ("…copy the selected to"); it now fits or wraps."""
    app = SshdeckApp(local_path=str(hermetic_home), remote=DemoSource(demo_root))
    async with app.run_test(size=size) as pilot:
        await both_panes_idle(pilot, app)
        screen = await open_find(pilot, app)
        await pilot.pause()
        hint = screen.query_one("#find-hint", Static)
        width, height = hint.outer_size
        drawn = " ".join(" ".join(strip.text.split()) for strip in hint.render_lines(Region(0, 0, width, height)))
        assert drawn.strip() == str(hint.render()).strip() and drawn.strip().endswith("F5: copy to the other pane")


async def test_down_from_the_search_fields_goes_to_the_results(demo_root: Path, hermetic_home: Path) -> None:
    """Type, Enter, Down, Enter: the keyboard path a FileZilla or WinSCP user takes, without Tab Tab."""
    make_remote_tree(demo_root)
    app = SshdeckApp(local_path=str(hermetic_home), remote=DemoSource(demo_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await both_panes_idle(pilot, app)
        await pilot.press("tab")
        screen = await open_find(pilot, app)
        results = screen.query_one("#find-results", OptionList)
        await pilot.press("down")  # nothing found yet: the field keeps the focus
        assert screen.query_one("#find-name", Input).has_focus
        await search(pilot, screen, "*.cfg", content="port")
        screen.query_one("#find-content", Input).focus()
        await pilot.press("down")
        assert results.has_focus and results.highlighted == 0
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, FindFiles), "the find screen to close")
        pane = app.screen.query_one("#right", FilePane)
        await until(pilot, lambda: pane.is_idle and pane.path.endswith("/proj/src/deep"), "the result's folder")
        assert pane.file_list.current is not None and pane.file_list.current.name == b"target.cfg"
