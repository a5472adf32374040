"""The find screen with results, pinned as an SVG snapshot (regenerate on purpose: --snapshot-update)."""

from __future__ import annotations

from pathlib import Path

from sshdeck.app import SshdeckApp
from sshdeck.core.ssh.remote_source import DemoSource
from tests.ui.test_snapshots import freeze_times, utc, wait_until_listed  # noqa: F401  (utc is a fixture)


def test_find_screen_with_results(snap_compare, demo_root: Path, hermetic_home: Path, utc) -> None:
    (demo_root / "proj" / "src" / "deep").mkdir(parents=True)
    (demo_root / "proj" / "src" / "deep" / "target.cfg").write_text("port = 22\n")
    (demo_root / "proj" / "src" / "other.txt").write_text("port = 22\n")
    freeze_times(demo_root)
    local = hermetic_home / "work"
    local.mkdir()

    async def find_cfg(pilot) -> None:
        from textual.widgets import OptionList

        from tests.ui.waiting import until

        await wait_until_listed(pilot)
        await pilot.press("tab", "ctrl+f")
        await until(pilot, lambda: pilot.app.screen.query("#find-name"), "the find screen")
        await pilot.press(*"*.cfg", "tab", *"port", "enter")
        screen = pilot.app.screen
        await until(pilot, lambda: str(screen.query_one("#find-status").render()).endswith("done"), "the search")
        screen.query_one("#find-results", OptionList).focus()
        await pilot.press("space")
        await pilot.pause(0.1)

    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root), theme_name="sshdeck-dark")
    assert snap_compare(app, terminal_size=(100, 24), run_before=find_cfg)
