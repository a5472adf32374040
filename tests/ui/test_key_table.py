"""The README's key table is the one F1 shows, and it names every binding the code has."""

from __future__ import annotations

import pytest

import re
from pathlib import Path

from sshdeck.app import SshdeckApp
from sshdeck.ui.key_table import KEY_TABLE
from sshdeck.ui.screens.key_help import KeyHelp
from tests.ui.waiting import until

ROOT = Path(__file__).resolve().parents[2]


def keys_section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("\n## Keys")
    return text[start : text.index("\n## ", start + 1)]


def readme_rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in keys_section().splitlines():
        if line.startswith("| ") and not line.startswith("| key |") and not line.startswith("| ---"):
            keys, action, ids = [part.strip() for part in line.strip().strip("|").split(" | ")]
            rows.append((keys, action, ids))
    return rows


def code_binding_ids() -> set[str]:
    found = set()
    for path in (ROOT / "sshdeck").rglob("*.py"):
        found |= set(re.findall(r"""\bid=["']([a-z0-9_]+)["']""", path.read_text()))
    return found


def bindings_in_code() -> set[str]:
    """Ids given to Binding(...) anywhere in the package."""
    found = set()
    for path in (ROOT / "sshdeck").rglob("*.py"):
        for call in re.findall(r"Binding\((.*?)\)\s*,?\s*$", path.read_text(), flags=re.S | re.M):
            found |= set(re.findall(r"""\bid=["']([a-z0-9_]+)["']""", call))
    return found


def test_f1_shows_the_readme_key_table():
    assert readme_rows() == list(KEY_TABLE)


def test_every_binding_id_in_the_readme_exists_in_the_code():
    named = set(re.findall(r"`([a-z0-9_]+)`", " ".join(ids for _k, _a, ids in readme_rows())))
    assert named - code_binding_ids() == set()


def test_every_binding_in_the_code_is_in_the_readme():
    section = keys_section()
    missing = sorted(i for i in bindings_in_code() if f"`{i}`" not in section)
    assert missing == []


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_f1_opens_the_key_table_and_escape_closes_it(tmp_path: Path, size) -> None:
    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.2)
        await pilot.press("f1")
        screen = await until(pilot, lambda: isinstance(app.screen, KeyHelp) and app.screen, "the key table")
        assert "F5 / F6" in str(screen.query_one("#key-help-table").content)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, KeyHelp), "the table to close")


async def test_f10_quits_like_midnight_commander(tmp_path: Path) -> None:
    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("f10")
        await pilot.pause()
    assert not app.is_running


async def test_at_80_columns_the_footer_shows_how_to_connect_get_help_and_quit(tmp_path: Path) -> None:
    from textual.widgets._footer import FooterKey

    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        wanted = {"f5", "f9", "ctrl+k", "ctrl+o", "q", "f1"}

        def shown() -> set[str]:
            return {key.key for key in app.screen.query(FooterKey) if key.region.width and key.region.right <= 80}

        # The footer is laid out after the first frames: wait for it rather than for a fixed time.
        await until(pilot, lambda: wanted <= shown(), f"the footer to show {sorted(wanted)} (it shows {sorted(shown())})")
