"""Keys typed right behind the key that opens the quick-connect bar land in the bar (a fast typist, a macro).

The keys are queued together, as a terminal delivers them in one read: none may reach the pane
while the bar's focus is still on its way.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from textual import events
from textual.widgets import Input

from sshdeck.app import SshdeckApp
from sshdeck.core.ssh.remote_source import DemoSource
from tests.ui.waiting import both_panes_idle


@asynccontextmanager
async def panes_ready(tmp_path: Path, demo_root: Path):
    """(app, pilot) with both panes listed and the keys in the left pane."""
    local = tmp_path / "local"
    local.mkdir()
    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root))
    async with app.run_test(size=(120, 30)) as pilot:
        left, _right = await both_panes_idle(pilot, app)
        left.file_list.focus()
        await pilot.pause()
        yield app, pilot


async def test_keys_typed_behind_ctrl_k_land_in_the_bar(tmp_path: Path, demo_root: Path) -> None:
    async with panes_ready(tmp_path, demo_root) as (app, pilot):
        app.post_message(events.Key("ctrl+k", None))
        for letter in "nowhere":
            app.post_message(events.Key(letter, letter))
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one("#quick-connect-input", Input).value == "nowhere"


async def test_ctrl_k_in_a_text_field_still_deletes_to_the_end_of_the_line(tmp_path: Path, demo_root: Path) -> None:
    # Ctrl+K is a priority key for the bar's sake; in a text field it keeps its editing meaning.
    async with panes_ready(tmp_path, demo_root) as (app, pilot):
        await pilot.press("slash", *"abcdef", "home", "right", "right", "ctrl+k")
        assert app.screen.query_one("#left .pane-filter", Input).value == "ab"
        assert not app.screen.query_one("QuickConnectBar").display
