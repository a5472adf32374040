"""Every transient bar and dialog closes with Escape and gives the focus back where it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from sshdeck.app import SshdeckApp
from sshdeck.core.ssh.remote_source import DemoSource
from sshdeck.ui.widgets.file_pane import FilePane
from tests.ui.waiting import both_panes_idle, until

# (keys that open it, what it is) — each must close with one Escape.
OPENERS = [
    (("ctrl+k",), "quick-connect bar"),
    (("ctrl+l",), "path bar"),
    (("slash",), "filter bar"),
    (("f7",), "new folder prompt"),
    (("f2",), "rename prompt"),
    (("f8",), "delete dialog"),
    (("p",), "permissions dialog"),
    (("i",), "properties dialog"),
    (("f3",), "file viewer"),
    (("f5",), "copy dialog"),
    (("f6",), "move dialog"),
    (("plus",), "select-by-pattern prompt"),
    (("b", "g"), "bookmarks list"),
    (("alt+l",), "location picker"),
    (("ctrl+p",), "command palette"),
]


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_escape_closes_each_bar_and_dialog_and_focus_returns_to_the_pane(
    tmp_path: Path, demo_root: Path, size: tuple[int, int]
) -> None:
    local = tmp_path / "local"
    local.mkdir()
    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root))
    async with app.run_test(size=size) as pilot:
        _left, right = await both_panes_idle(pilot, app)
        main = app.screen
        for keys, what in OPENERS:
            right.file_list.focus()
            names = [e.display for e in right.file_list.entries]
            right.file_list.cursor = next(i for i, n in enumerate(names) if n not in ("..",) and "." in n)
            await pilot.pause()
            await pilot.press(*keys)
            await until(pilot, lambda: app.screen is not main or app.focused is not right.file_list, f"the {what}")
            await pilot.press("escape")
            await until(
                pilot,
                lambda: app.screen is main and app.focused is right.file_list,
                f"focus back on the pane after Escape in the {what}",
            )
            assert isinstance(right, FilePane)
            assert not main.query_one("#quick-connect").display
