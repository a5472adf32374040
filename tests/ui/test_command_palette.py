"""The command palette lists sshdeck's own actions and runs them on what has focus."""

from __future__ import annotations

from pathlib import Path

from sshdeck.app import SshdeckApp
from sshdeck.ui.screens.profile_editor import ProfileEditor
from sshdeck.ui.widgets.file_pane import FilePane


async def idle(pilot, app) -> FilePane:
    for _ in range(200):
        await pilot.pause(0.02)
        panes = list(app.screen.query(FilePane))
        if panes and all(p.is_idle for p in panes):
            return panes[0]
    raise AssertionError("panes did not load")


async def run_palette(pilot, text: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause(0.1)
    await pilot.press(*text)
    await pilot.pause(0.4)
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_palette_sorts_the_focused_pane_and_adds_a_host(tmp_path: Path) -> None:
    (tmp_path / "big.bin").write_bytes(b"x" * 5000)
    (tmp_path / "small.txt").write_text("x")
    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        left = await idle(pilot, app)
        await run_palette(pilot, "Sort by next column")
        assert left.model.sort_key == "size"
        await run_palette(pilot, "Add host")
        assert isinstance(app.screen, ProfileEditor)


async def test_ctrl_q_does_not_quit_while_a_key_capturing_widget_has_focus(tmp_path: Path) -> None:
    from textual.widget import Widget

    class Grabber(Widget, can_focus=True):
        captures_all_keys = True

    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test() as pilot:
        await idle(pilot, app)
        grabber = Grabber()
        await app.screen.mount(grabber)
        grabber.focus()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running
        app.screen.query_one(FilePane).file_list.focus()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
