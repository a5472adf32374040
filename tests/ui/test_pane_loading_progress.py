"""While a big folder loads, the path bar counts the entries without redrawing the screen for every batch."""

from __future__ import annotations

from pathlib import Path

import pytest

from sshdeck.app import SshdeckApp
from sshdeck.core.settings import settings_path
from sshdeck.ui.widgets import pane_listing
from tests.core.listing_servers import endless_server
from tests.ui.test_pane_listing_limits import source_for, status
from tests.ui.waiting import both_panes_idle


async def test_the_count_is_redrawn_at_most_once_per_interval_not_per_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 30,000 entries arrive in several batches; with an interval longer than the whole listing,
    # only the first batch's count may be drawn while it loads.
    monkeypatch.setattr(pane_listing, "PROGRESS_INTERVAL", 600.0)
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("[limits]\nlisting_entries = 30000\n")
    (tmp_path / "local").mkdir()
    async with endless_server(tmp_path) as server:
        app = SshdeckApp(local_path=str(tmp_path / "local"), remote=source_for(server, "/endless"))
        batches: list[int] = []
        counts_drawn: list[int] = []
        async with app.run_test(size=(120, 30)) as pilot:
            right = app.screen.query_one("#right")
            draw_progress, progress = right._draw_progress, right._progress

            def drawing() -> None:  # the count's own redraw (the timer's, or at once when the interval is over)
                if right.loading_path is not None:
                    counts_drawn.append(right.loading_count)
                draw_progress()

            def batch_arrived() -> None:
                batches.append(right.loading_count)
                progress()

            right._draw_progress, right._progress = drawing, batch_arrived
            _left, right = await both_panes_idle(pilot, app)
            assert len(right.model.entries) == 30_000 and "incomplete" in status(right)
            assert "loading" not in str(right.query_one(".pane-path").content)  # done: the count is gone
        assert len(batches) > 2  # the folder came in several batches…
        # …and the count was redrawn for the first one only. (The path bar is also drawn for other reasons, a
        # resize under a loaded machine, which then shows the count of that moment: not a redraw per batch.)
        assert counts_drawn == batches[:1]


async def test_a_listing_that_ends_while_the_app_takes_the_pane_down_is_dropped(tmp_path: Path) -> None:
    # CI, once: a move's refresh listing finished while the app quit; the pane's rows were already gone and the
    # worker's "No nodes match 'FileList'" took the app down at exit.
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "a.txt").write_text("a")
    app = SshdeckApp(local_path=str(tmp_path / "local"))
    async with app.run_test(size=(100, 30)) as pilot:
        left, _right = await both_panes_idle(pilot, app)
        await left.file_list.remove()
        left._show_listing(str(tmp_path / "local"), [], None, False, "")  # must not raise
        left._redraw()
        await pilot.pause()


def test_the_readme_promise_of_at_most_four_count_redraws_a_second_holds() -> None:
    # README, "Built for size": the count is "redrawn at most four times a second"; the test above shows the
    # interval is what limits the redraws.
    assert pane_listing.PROGRESS_INTERVAL >= 0.25
