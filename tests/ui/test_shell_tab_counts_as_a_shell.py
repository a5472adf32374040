"""While a shell tab is open, big files are copied by a worker process alone (core/transfer/procpool.py SHELLS)."""

from __future__ import annotations

from pathlib import Path

from sshdeck.core.transfer import procpool
from sshdeck.ui.widgets.shell_tab import ShellTab
from tests.ui.demo_shells import demo_app, shell_at_its_prompt
from tests.ui.waiting import until


async def test_an_open_shell_tab_counts_until_it_is_closed(tmp_path: Path, demo_root: Path) -> None:
    async with demo_app(tmp_path, demo_root) as (app, pilot, _right):
        assert procpool.SHELLS == set()
        tab = await shell_at_its_prompt(app, pilot)
        assert procpool.SHELLS == {id(tab)}
        await pilot.press("ctrl+right_square_bracket", "ctrl+w")  # the keys back from the terminal, then close
        await until(pilot, lambda: not app.screen.query(ShellTab), "the tab closed")
        assert procpool.SHELLS == set()
