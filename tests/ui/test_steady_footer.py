"""The main screen's key bar (ui/widgets/steady_footer.py): rebuilt when its keys change, and only then."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input
from textual.widgets._footer import FooterKey

from sshdeck.app import SshdeckApp
from sshdeck.ui.widgets.file_list import FileList
from sshdeck.ui.widgets.steady_footer import SteadyFooter
from tests.ui.waiting import both_panes_idle, until


def footer_keys(app) -> dict[str, FooterKey]:
    return {key.key: key for key in app.screen.query_one(SteadyFooter).query(FooterKey)}


async def test_the_footer_follows_a_change_of_keys_and_is_not_rebuilt_for_the_same_keys(tmp_path: Path) -> None:
    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test(size=(120, 30)) as pilot:
        left, _right = await both_panes_idle(pilot, app)
        left.query_one(FileList).focus()
        keys = await until(pilot, lambda: (k := footer_keys(app)).get("ctrl+k") and not k["ctrl+k"].disabled and k,
                           "Ctrl+K shown, enabled")
        assert {"f5", "f6", "f9", "ctrl+k", "ctrl+o"} <= set(keys)

        rebuilds = 0
        footer = app.screen.query_one(SteadyFooter)
        original = footer.recompose

        async def counted() -> None:
            nonlocal rebuilds
            rebuilds += 1
            await original()

        footer.recompose = counted
        for _ in range(5):  # the screen says "bindings may have changed", but they did not
            app.screen.refresh_bindings()
            await pilot.pause()
        await pilot.pause()
        assert rebuilds == 0
        assert footer_keys(app) == keys  # the very same key widgets

        # In a text field Ctrl+K edits the text (MainScreen.check_action): the footer no longer offers it.
        app.screen.query_one("#quick-connect-input", Input).focus()
        await until(pilot, lambda: rebuilds == 1 and not ((k := footer_keys(app)).get("ctrl+k") and not k["ctrl+k"].disabled),
                    "the footer without an enabled Ctrl+K")
        left.query_one(FileList).focus()
        await until(pilot, lambda: (k := footer_keys(app)).get("ctrl+k") and not k["ctrl+k"].disabled, "Ctrl+K offered again")
        await pilot.pause()
        assert rebuilds == 2
