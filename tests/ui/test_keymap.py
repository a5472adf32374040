"""Every action is a binding with an id, so settings.toml can remap it."""

from __future__ import annotations

from pathlib import Path

from sshdeck.app import SshdeckApp
from sshdeck.core.paths import config_dir
from sshdeck.ui.widgets.file_pane import FilePane


async def test_keymap_in_settings_remaps_a_binding(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text("x")
    settings = config_dir() / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text('[keymap]\nsort_next = "o"\nquit = "x"\n')
    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test() as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if app.screen.query(FilePane) and all(p.is_idle for p in app.screen.query(FilePane)):
                break
        pane = app.screen.query(FilePane).first()
        await pilot.press("s")  # no longer sorts
        assert pane.model.sort_key == "name"
        await pilot.press("o")
        assert pane.model.sort_key == "size"
        await pilot.press("x")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running
