"""Synchronise in the app: the preview lists the plan, unticked lines are skipped, the rest runs in the queue."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from textual.widgets import SelectionList, Static

from sshdeck.app import SshdeckApp
from sshdeck.core.ssh.remote_source import DemoSource
from sshdeck.ui.screens.sync_plan import SyncPlanScreen
from tests.ui.waiting import both_panes_idle, until

FIXED_TIME = 1_780_000_000


def local_tree(root: Path) -> Path:
    (root / "site" / "css").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"a" * 10)
    (root / "b.txt").write_bytes(b"b" * 20)
    (root / "site" / "css" / "main.css").write_bytes(b"body{}")
    (root / "site" / "evil\x1b[31mred.html").write_bytes(b"<p>")
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.utime(os.path.join(folder, name), (FIXED_TIME, FIXED_TIME))
    return root


def remote_tree(root: Path) -> Path:
    root.mkdir()
    (root / "old.txt").write_bytes(b"old")
    os.utime(root / "old.txt", (FIXED_TIME, FIXED_TIME))
    return root


def prompts(screen: SyncPlanScreen) -> list[str]:
    listing = screen.query_one("#sync-actions", SelectionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def open_preview(pilot, app) -> SyncPlanScreen:
    await both_panes_idle(pilot, app)
    await pilot.press("ctrl+e")
    screen = await until(pilot, lambda: app.screen if isinstance(app.screen, SyncPlanScreen) else None, "the sync preview")
    await until(pilot, lambda: not screen.planning, "the plan")
    return screen


async def test_preview_lists_the_plan_and_unticking_a_line_skips_it(tmp_path: Path) -> None:
    local, served = local_tree(tmp_path / "local"), remote_tree(tmp_path / "served")
    app = SshdeckApp(local_path=str(local), remote=DemoSource(served))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_preview(pilot, app)
        assert prompts(screen) == [
            "copy a.txt  10 B",
            "copy b.txt  20 B",
            "copy site/",
            "copy site/css/",
            "copy site/css/main.css  6 B",
            "copy site/evil\\x1b[31mred.html  3 B",
        ]
        total = screen.query_one("#sync-total", Static)
        assert str(total.render()) == "6 of 6 ticked: 6 to copy, 0 to update, 0 to delete, 39 B"
        # Deleting extras is off until asked for: old.txt is only listed after `d`.
        await pilot.press("d")
        await until(pilot, lambda: "delete old.txt  3 B" in prompts(screen), "a plan with deletes")
        await pilot.press("d")
        await until(pilot, lambda: "delete old.txt  3 B" not in prompts(screen), "the plan without deletes")
        # Two-way: what only the server has comes back here; `w` again returns to one-way.
        await pilot.press("w")
        await until(pilot, lambda: "copy < old.txt  3 B" in prompts(screen) and "copy > a.txt  10 B" in prompts(screen), "a two-way plan")
        await pilot.press("w")
        await until(pilot, lambda: "copy a.txt  10 B" in prompts(screen), "the one-way plan again")
        listing = screen.query_one("#sync-actions", SelectionList)
        listing.highlighted = 1
        await pilot.press("space")
        await until(pilot, lambda: str(total.render()).startswith("5 of 6 ticked"), "the total after unticking")
        await pilot.press("enter")
        await until(pilot, lambda: (served / "site" / "css" / "main.css").exists() and (served / "a.txt").exists(), "the copies")
        await until(pilot, lambda: any("Synchronised: 5 copied" in n.message for n in app._notifications), "the summary")
        assert not (served / "b.txt").exists()
        assert (served / "old.txt").exists()
        assert (served / "site" / "evil\x1b[31mred.html").read_bytes() == b"<p>"
        # The copies kept their times: a second preview has only the unticked file left.
        await both_panes_idle(pilot, app)
        app.screen.query_one("#left").file_list.focus()
        screen = await open_preview(pilot, app)
        assert prompts(screen) == ["copy b.txt  20 B"]
        screen.query_one("#sync-cancel").focus()
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, SyncPlanScreen), "the preview to close")
        screen = await open_preview(pilot, app)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, SyncPlanScreen), "the preview to close")
        assert not (served / "b.txt").exists()


async def test_synchronise_is_in_the_command_palette(tmp_path: Path) -> None:
    local, served = local_tree(tmp_path / "local"), remote_tree(tmp_path / "served")
    app = SshdeckApp(local_path=str(local), remote=DemoSource(served))
    async with app.run_test(size=(120, 40)) as pilot:
        await both_panes_idle(pilot, app)
        titles = [c.title for c in app.screen.palette_commands()]
        assert "Synchronise" in titles
        next(c for c in app.screen.palette_commands() if c.title == "Synchronise").run()
        await until(pilot, lambda: isinstance(app.screen, SyncPlanScreen), "the sync preview")


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_sync_preview_snapshot(snap_compare, tmp_path: Path, hermetic_home: Path, utc) -> None:
    local = local_tree(hermetic_home / "work")
    served = remote_tree(tmp_path / "served")

    async def preview(pilot) -> None:
        screen = await open_preview(pilot, pilot.app)
        await pilot.press("d")
        await until(pilot, lambda: "delete old.txt  3 B" in prompts(screen), "a plan with deletes")
        screen.query_one("#sync-actions", SelectionList).highlighted = 1
        await pilot.press("space")
        await pilot.pause(0.2)

    app = SshdeckApp(local_path=str(local), remote=DemoSource(served), theme_name="sshdeck-dark")
    assert snap_compare(app, terminal_size=(100, 30), run_before=preview)


async def test_a_long_plan_lists_its_first_lines_and_runs_them_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sshdeck.ui.screens import sync_plan

    monkeypatch.setattr(sync_plan, "MAX_LINES", 2)
    local, served = local_tree(tmp_path / "local"), remote_tree(tmp_path / "served")
    app = SshdeckApp(local_path=str(local), remote=DemoSource(served))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_preview(pilot, app)
        assert prompts(screen) == ["copy a.txt  10 B", "copy b.txt  20 B"]
        total = str(screen.query_one("#sync-total", Static).render())
        assert total == "6 of 6 ticked: 6 to copy, 0 to update, 0 to delete, 39 B (the first 2 are listed; the others run as planned)"
        await pilot.press("enter")
        await until(pilot, lambda: any("Synchronised: 6 copied" in n.message for n in app._notifications), "the summary")
        assert (served / "site" / "evil\x1b[31mred.html").exists()


async def test_two_way_in_the_app_brings_the_servers_files_here_and_records_the_state(tmp_path: Path) -> None:
    from sshdeck.core.paths import data_dir

    local, served = local_tree(tmp_path / "local"), remote_tree(tmp_path / "served")
    app = SshdeckApp(local_path=str(local), remote=DemoSource(served))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_preview(pilot, app)
        await pilot.press("w")
        await until(pilot, lambda: "copy < old.txt  3 B" in prompts(screen), "a two-way plan")
        await pilot.press("enter")
        await until(pilot, lambda: any("Synchronised: 7 copied" in n.message for n in app._notifications), "the summary")
        assert (local / "old.txt").read_bytes() == b"old" and (served / "a.txt").exists()
        assert len(list((data_dir() / "sync").glob("*.json"))) == 1


async def test_escape_while_comparing_closes_the_preview_and_stops_the_comparison(tmp_path: Path) -> None:
    """A comparison of two big trees can take long: the preview is there at once and Escape stops it."""
    import asyncio

    from sshdeck.ui.screens.sync_plan import SyncChoices

    started, stopped = asyncio.Event(), asyncio.Event()

    async def never_ending_plan(choices: SyncChoices):
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    local, served = local_tree(tmp_path / "local"), remote_tree(tmp_path / "served")
    app = SshdeckApp(local_path=str(local), remote=DemoSource(served))
    async with app.run_test(size=(80, 24)) as pilot:
        await both_panes_idle(pilot, app)
        screen = SyncPlanScreen(None, "here", "there", SyncChoices(), never_ending_plan)
        app.push_screen(screen)
        await until(pilot, lambda: started.is_set(), "the comparison to start")
        assert str(screen.query_one("#sync-total", Static).render()) == "Comparing the two folders… (Escape stops)"
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, SyncPlanScreen), "the preview to close")
        await until(pilot, lambda: stopped.is_set(), "the comparison to be cancelled")


async def test_a_plan_of_50000_actions_adds_up_its_total_once_not_per_line(tmp_path: Path) -> None:
    """Filling the list ticks 5,000 lines: the total is added up after the burst, not 5,000 times over 50,000 actions."""
    from sshdeck.core.sync import ActionKind, SyncAction, SyncPlan
    from sshdeck.ui.screens.sync_plan import SyncChoices

    actions = [SyncAction(ActionKind.COPY, (b"f%d" % n,), 10) for n in range(50_000)]
    plan = SyncPlan(actions, None, None)  # type: ignore[arg-type]

    async def same_plan(choices: SyncChoices):
        return plan

    local, served = local_tree(tmp_path / "local"), remote_tree(tmp_path / "served")
    app = SshdeckApp(local_path=str(local), remote=DemoSource(served))
    async with app.run_test(size=(120, 40)) as pilot:
        await both_panes_idle(pilot, app)
        screen = SyncPlanScreen(None, "here", "there", SyncChoices(), same_plan)
        await app.push_screen(screen)
        total = screen.query_one("#sync-total", Static)
        await until(pilot, lambda: str(total.render()).startswith("50000 of 50000 ticked"), "the total")
        await pilot.pause(0.1)
        assert screen.totals_computed <= 4
        screen.query_one("#sync-actions", SelectionList).highlighted = 0
        await pilot.press("space")
        await until(pilot, lambda: str(total.render()).startswith("49999 of 50000 ticked"), "the total after unticking")
        assert str(total.render()).endswith("0 to update, 0 to delete, 488.3 KiB (the first 5,000 are listed; the others run as planned)")


async def test_c_compares_contents_and_finds_a_change_that_keeps_size_and_time(tmp_path: Path) -> None:
    local, served = local_tree(tmp_path / "local"), tmp_path / "served"
    served.mkdir()
    for name in ("a.txt", "b.txt"):
        (served / name).write_bytes((local / name).read_bytes())
    (served / "b.txt").write_bytes(b"B" * 20)  # same size as here
    (served / "site").mkdir()
    for path in (served / "a.txt", served / "b.txt"):
        os.utime(path, (FIXED_TIME, FIXED_TIME))
    app = SshdeckApp(local_path=str(local), remote=DemoSource(served))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_preview(pilot, app)
        assert "update b.txt  20 B" not in prompts(screen)
        assert "compare: size, time (c)" in str(screen.query_one("#sync-options", Static).render())
        await pilot.press("c")
        await until(pilot, lambda: "update b.txt  20 B" in prompts(screen), "a plan comparing contents")
        assert "update a.txt  10 B" not in prompts(screen)
        assert "compare: contents (c)" in str(screen.query_one("#sync-options", Static).render())
        await pilot.press("enter")
        await until(pilot, lambda: (served / "b.txt").read_bytes() == b"b" * 20, "the update")


async def test_a_plan_that_comes_back_after_the_preview_is_torn_down_is_dropped(tmp_path: Path) -> None:
    """Quitting while the folders are compared: the plan arrives when the preview's widgets are gone (was a crash)."""
    from sshdeck.core.sync.plan import SyncPlan
    from sshdeck.ui.screens.sync_plan import SyncChoices

    local, served = local_tree(tmp_path / "local"), remote_tree(tmp_path / "served")
    app = SshdeckApp(local_path=str(local), remote=DemoSource(served))
    async with app.run_test(size=(120, 40)) as pilot:
        await both_panes_idle(pilot, app)
        screen: SyncPlanScreen

        async def replan(choices) -> SyncPlan:
            await screen.query_one("#sync-actions", SelectionList).remove()  # as the app's shutdown does
            return SyncPlan([], None, None)  # type: ignore[arg-type]

        screen = SyncPlanScreen(None, "here", "there", SyncChoices(), replan)
        app.push_screen(screen)
        await until(pilot, lambda: not screen.planning, "the plan")
        await pilot.pause()
        assert not screen.query("#sync-actions")
    assert app.return_code in (0, None)
