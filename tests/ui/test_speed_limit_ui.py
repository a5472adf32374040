"""The speed limit in the app: `L` and the palette set it for all transfers (running ones too), the panel says so,
and settings.toml's [transfers] apply from the start."""

from __future__ import annotations

import os
from pathlib import Path

from textual.widgets import Input

from sshdeck.app import SshdeckApp
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.settings import Settings, load_settings
from sshdeck.core.transfer import ConflictChoice, TransferOptions
from sshdeck.core.transfer.rate_limit import TOTAL
from sshdeck.ui.screens.text_prompt import TextPrompt
from sshdeck.ui.widgets.transfer_panel import TransferPanel
from tests.ui.test_command_palette import run_palette
from tests.ui.test_transfer_ui import TransferApp, entry, wait_for
from tests.ui.waiting import both_panes_idle, until

MIB = 1024 * 1024


def summary(app) -> str:
    """What the panel's border says about the speed limit (empty: none)."""
    return str(app.screen.query_one(TransferPanel).border_title or "")


async def test_the_palette_sets_a_speed_limit_and_the_panel_border_shows_it(tmp_path: Path) -> None:
    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await both_panes_idle(pilot, app)
        await run_palette(pilot, "Speed limit")
        prompt = await until(pilot, lambda: isinstance(app.screen, TextPrompt) and app.screen, "the prompt")
        assert "Speed limit" in prompt.title_text and prompt.query_one(Input).value == "off"
        await pilot.press("2", "M", "enter")
        await until(pilot, lambda: not isinstance(app.screen, TextPrompt), "the prompt to close")
        assert TOTAL.rate == 2 * MIB
        await pilot.press("ctrl+t")
        await until(pilot, lambda: "limit 2 MiB/s" in summary(app), "the panel to show the limit")
    assert load_settings().total_limit == 0  # until sshdeck quits: settings.toml keeps the value at start


async def test_l_refuses_a_bad_rate_in_the_prompt_and_off_lifts_the_limit(tmp_path: Path) -> None:
    app = SshdeckApp(local_path=str(tmp_path), settings=Settings(total_limit=MIB))
    async with app.run_test(size=(120, 40)) as pilot:
        await both_panes_idle(pilot, app)
        assert TOTAL.rate == MIB  # settings' total_limit from the start
        await pilot.press("L")
        prompt = await until(pilot, lambda: isinstance(app.screen, TextPrompt) and app.screen, "the prompt")
        assert prompt.query_one(Input).value == "1M"
        await pilot.press("f", "a", "s", "t", "enter")  # appended to nothing: the value was selected
        await pilot.pause(0.1)
        assert app.screen is prompt and "not a rate: 'fast'" in str(prompt.query_one(".dialog-error").content)
        assert TOTAL.rate == MIB
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not prompt, "the prompt to close")
        assert TOTAL.rate == MIB  # Escape changes nothing
        await pilot.press("L")
        prompt = await until(pilot, lambda: isinstance(app.screen, TextPrompt) and app.screen, "the prompt again")
        await pilot.press("o", "f", "f", "enter")
        await until(pilot, lambda: app.screen is not prompt, "the prompt to close")
        assert TOTAL.rate == 0
        await pilot.press("ctrl+t")
        await pilot.pause(0.2)
        assert "limit" not in summary(app)


async def test_settings_give_each_job_its_own_limit_and_the_panel_names_both(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    (tmp_path / "src" / "a.bin").write_bytes(os.urandom(1000))
    app = SshdeckApp(local_path=str(tmp_path), settings=Settings(transfer_limit=MIB, total_limit=2 * MIB))
    async with app.run_test(size=(120, 40)) as pilot:
        await both_panes_idle(pilot, app)
        done: list = []
        app.transfers.start(LocalFS(), str(tmp_path / "src"), [entry(tmp_path / "src" / "a.bin")], LocalFS(),
                            str(tmp_path / "dst"), on_done=done.append, confirm=False)
        job = app.transfers.jobs[1]
        assert job.transfer.limit.own.rate == MIB and job.transfer.limit.total is TOTAL
        await until(pilot, lambda: done, "the copy")
        assert done[0].ok and (tmp_path / "dst" / "a.bin").read_bytes() == (tmp_path / "src" / "a.bin").read_bytes()
        await until(pilot, lambda: "limit 2 MiB/s, 1 MiB/s each" in summary(app), "the panel to name both limits")


async def test_a_limit_set_while_a_transfer_runs_holds_that_transfer_back(tmp_path: Path, demo_root: Path) -> None:
    (tmp_path / "big.bin").write_bytes(os.urandom(MIB) * 64)
    options = TransferOptions(memory_limit=1 * MIB, progress_interval=0.02, conflict=ConflictChoice.OVERWRITE)
    app = TransferApp(demo_root, options)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.remote_fs is not None, "the demo server")
        done: list = []
        app.controller.start(LocalFS(), str(tmp_path), [entry(tmp_path / "big.bin")], app.remote_fs, "/",
                             on_done=done.append, confirm=False)
        job = app.controller.jobs[1]
        await wait_for(pilot, lambda: job.progress is not None and job.progress.bytes_done > 0, "bytes to flow")
        assert job.transfer.limit.stats.waits == 0  # no limit yet: nothing waited
        app.controller.limits.set_total(4 * MIB)
        await wait_for(pilot, lambda: job.transfer.limit.stats.waits >= 2 or done, "the running job to be held back")
        assert not done, "the 64 MiB copy ended before the limit took hold"
        assert "limit 4 MiB/s" in str(app.query_one(TransferPanel).border_title)
        app.controller.cancel(1)
        await wait_for(pilot, lambda: done, "the cancel")


def test_snapshot_panel_with_a_speed_limit(snap_compare) -> None:
    from tests.ui.test_transfer_ui import progress_snapshot

    async def feed(pilot) -> None:
        pilot.app.controller.limits.each = 512 * 1024
        TOTAL.set_rate(2 * MIB)
        panel = pilot.app.query_one(TransferPanel)
        panel.add_job(1, "Copy 3 items → demo:/uploads")
        panel.show_progress(1, progress_snapshot(16 * 1024 * 1024))
        panel.limit_changed()
        await pilot.pause(0.3)

    assert snap_compare(TransferApp(), terminal_size=(100, 12), run_before=feed)
