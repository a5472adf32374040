"""Themes: shipped ones, user files, --theme, the palette switch and its persistence."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from sshdeck.app import SshdeckApp
from sshdeck.cli import build_parser
from sshdeck.core.paths import config_dir, user_themes_dir
from sshdeck.ui.themes import load_themes, shipped_themes_dir, theme_from_toml


def test_shipped_themes_include_a_dark_and_a_light_one() -> None:
    loaded = load_themes()
    by_name = {theme.name: theme for theme in loaded.themes}
    assert by_name["sshdeck-dark"].dark is True
    assert by_name["sshdeck-light"].dark is False
    assert loaded.problems == []
    assert (shipped_themes_dir() / "sshdeck-dark.toml").is_file()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("name = 'x'\nprimary = 'not-a-colour'\n", "is not a colour"),
        ("primary = '#ffffff'\n", "'name' must be a short text"),
        ("name = 'x'\nprimary = '#fff'\nbogus = 1\n", "unknown setting(s) bogus"),
        ("name = 'x'\nprimary = [1]\n", "must be a colour"),
        ("name = 'x\nprimary", "not valid TOML"),
        ("name = 'x'\n", "'primary' colour is required"),
    ],
)
def test_a_broken_theme_file_names_the_problem(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match="bad.toml") as caught:
        theme_from_toml(text, "bad.toml")
    assert reason in str(caught.value)


def write_user_theme(name: str, text: str) -> Path:
    folder = user_themes_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


async def test_invalid_user_theme_is_reported_and_the_default_is_used(tmp_path: Path) -> None:
    bad = write_user_theme("broken.toml", "name = 'broken'\nprimary = 'nope'\n")
    write_user_theme("mine.toml", "name = 'mine'\nprimary = '#aa5500'\ndark = true\n")
    app = SshdeckApp(local_path=str(tmp_path), theme_name="broken")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "sshdeck-dark"
        messages = [n.message for n in app._notifications]
        assert any(str(bad) in m and "is not a colour" in m for m in messages)
        assert any("theme 'broken' not found" in m for m in messages)
        assert "mine" in app.available_themes


async def test_theme_option_and_palette_switch_persist(tmp_path: Path) -> None:
    args = build_parser().parse_args(["--theme", "sshdeck-light"])
    app = SshdeckApp(local_path=str(tmp_path), theme_name=args.theme)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "sshdeck-light"
        await pilot.press("ctrl+p")
        await pilot.press(*"theme")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await pilot.pause(0.2)
        await pilot.press(*"sshdeck-dark")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.theme == "sshdeck-dark"
    saved = tomllib.loads((config_dir() / "settings.toml").read_text())
    assert saved["theme"] == "sshdeck-dark"
    # The next start uses the saved theme.
    again = SshdeckApp(local_path=str(tmp_path))
    async with again.run_test() as pilot:
        await pilot.pause()
        assert again.theme == "sshdeck-dark"


async def test_unreadable_settings_file_is_reported_and_left_untouched(tmp_path: Path) -> None:
    settings = config_dir() / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("theme = [unclosed\n")
    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert any("settings.toml" in n.message for n in app._notifications)
        app.theme = "sshdeck-light"
        await pilot.pause()
    assert settings.read_text() == "theme = [unclosed\n"


async def test_a_theme_file_with_markup_in_its_name_is_reported_as_plain_text(tmp_path: Path) -> None:
    bad = write_user_theme("[bold]x[@click=app.quit].toml", "name = [\n")
    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.is_running
        notes = [n for n in app._notifications if str(bad) in n.message]
        assert notes and not any(n.markup for n in notes)  # shown as plain text, never parsed


@pytest.mark.parametrize("theme", ["sshdeck-dark", "sshdeck-light"])
async def test_the_unfocused_panes_cursor_stands_out_in_both_themes(tmp_path: Path, theme: str) -> None:
    from sshdeck.ui.widgets.file_pane import FilePane
    from tests.ui.waiting import both_panes_idle

    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    app = SshdeckApp(local_path=str(tmp_path), theme_name=theme)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_two_panes(pilot, app)
        left = app.screen.query(FilePane).first()
        other = list(app.screen.query(FilePane))[1]
        other.file_list.focus()
        await pilot.pause()
        cursor = left.file_list.get_component_rich_style("file-list--cursor-blurred").bgcolor
        background = left.file_list.rich_style.bgcolor
        assert cursor is not None and background is not None
        (r1, g1, b1), (r2, g2, b2) = cursor.get_truecolor(), background.get_truecolor()
        assert abs(r1 - r2) + abs(g1 - g2) + abs(b1 - b2) >= 60


async def until_two_panes(pilot, app):
    from tests.ui.waiting import until
    from sshdeck.ui.widgets.file_pane import FilePane

    await until(pilot, lambda: len(app.screen.query(FilePane)) == 2, "two panes")
