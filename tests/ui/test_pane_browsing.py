"""Browsing a pane with keys and mouse: sort, filter, hidden files, selection, path bar, history."""

from __future__ import annotations

import os
from pathlib import Path

from sshdeck.app import SshdeckApp
from sshdeck.ui.widgets.file_pane import FilePane, PaneHeader


def names(pane: FilePane) -> list[str]:
    return [entry.display for entry in pane.file_list.entries]


async def idle(pilot, app) -> FilePane:
    for _ in range(300):
        await pilot.pause(0.02)
        panes = list(app.screen.query(FilePane))
        if panes and all(p.is_idle for p in panes):
            return panes[0]
    raise AssertionError("the pane did not finish loading")


def tree(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "assets" / "img").mkdir(parents=True)
    (root / "assets" / "css").mkdir()
    (root / "big.iso").write_bytes(b"\0" * 5000)
    (root / "small.txt").write_text("hi")
    (root / "notes.md").write_text("# notes\n" * 50)
    (root / ".htaccess").write_text("deny")
    for offset, name in enumerate(["big.iso", "small.txt", "notes.md"]):
        os.utime(root / name, (1_700_000_000 + offset * 100, 1_700_000_000 + offset * 100))
    return root


def status(pane: FilePane) -> str:
    return str(pane.query_one(".pane-status").content)


async def test_sort_keys_and_header_click(tmp_path: Path) -> None:
    app = SshdeckApp(local_path=str(tree(tmp_path)))
    async with app.run_test(size=(120, 30)) as pilot:
        pane = await idle(pilot, app)
        assert names(pane) == ["..", "assets", "big.iso", "notes.md", "small.txt"]
        await pilot.press("s")  # by size
        assert names(pane)[2:] == ["small.txt", "notes.md", "big.iso"]
        await pilot.press("s")  # by time
        assert names(pane)[2:] == ["big.iso", "small.txt", "notes.md"]
        header = pane.query_one(PaneHeader)
        await pilot.click(header, offset=(4, 0))  # the Name column: by name
        assert pane.model.sort_key == "name" and not pane.model.reverse
        await pilot.click(header, offset=(4, 0))  # again: reversed
        assert names(pane)[2:] == ["small.txt", "notes.md", "big.iso"]
        assert "Name▼" in str(header.content)


async def test_hidden_toggle_and_filter_as_you_type(tmp_path: Path) -> None:
    app = SshdeckApp(local_path=str(tree(tmp_path)))
    async with app.run_test(size=(120, 30)) as pilot:
        pane = await idle(pilot, app)
        assert ".htaccess" not in names(pane)
        await pilot.press("full_stop")
        assert ".htaccess" in names(pane)
        await pilot.press("slash", "t", "x")
        assert names(pane) == ["..", "small.txt"]
        assert "filter: tx" in status(pane)
        await pilot.press("enter")  # keep the filter, back to the list
        assert app.focused is pane.file_list
        await pilot.press("slash", "escape")  # clear it
        assert "small.txt" in names(pane) and "big.iso" in names(pane)
        assert app.focused is pane.file_list


async def test_selection_with_space_pattern_and_status_line(tmp_path: Path) -> None:
    app = SshdeckApp(local_path=str(tree(tmp_path)))
    async with app.run_test(size=(120, 30)) as pilot:
        pane = await idle(pilot, app)
        await pilot.press("down", "down", "space")  # big.iso
        assert pane.model.selected == {b"big.iso"}
        assert pane.file_list.current.display == "notes.md"  # the cursor moved on
        assert "1 selected (4.9K)" in status(pane)
        await pilot.press("plus")  # the prompt's "*" is selected, so typing replaces it
        await pilot.press(*"*.md", "enter")
        assert pane.model.selected == {b"big.iso", b"notes.md"}
        await pilot.press("minus", *"*.iso", "enter")
        assert pane.model.selected == {b"notes.md"}
        await pilot.press("asterisk")
        assert pane.model.selected == {b"assets", b"big.iso", b"small.txt"}
        await pilot.press("ctrl+r")  # a refresh keeps the selection and the cursor
        await idle(pilot, app)
        assert pane.model.selected == {b"assets", b"big.iso", b"small.txt"}
        assert pane.file_list.current.display == "notes.md"


async def test_path_bar_completes_and_goes_and_history_goes_back(tmp_path: Path) -> None:
    root = tree(tmp_path)
    app = SshdeckApp(local_path=str(root))
    async with app.run_test(size=(120, 30)) as pilot:
        pane = await idle(pilot, app)
        await pilot.press("ctrl+l")  # the path is selected: typing replaces it
        await pilot.press(*f"{root}/ass", "tab")
        from sshdeck.ui.widgets.path_bar import PathInput

        editor = pane.query_one(PathInput)
        assert editor.value == f"{root}/assets/"
        await pilot.press("i", "tab", "enter")
        await idle(pilot, app)
        assert pane.path == f"{root}/assets/img"
        await pilot.press("alt+left")
        await idle(pilot, app)
        assert pane.path == str(root)
        await pilot.press("alt+right")
        await idle(pilot, app)
        assert pane.path == f"{root}/assets/img"
        await pilot.press("ctrl+l", "escape")
        assert not pane.query(PathInput)
        assert app.focused is pane.file_list


async def test_hostile_names_are_drawn_inert(tmp_path: Path) -> None:
    root = tmp_path / "hostile"
    root.mkdir()
    for name in [b"[@click=app.quit]x", b"\x1b[2Jclear", b"line\nbreak", b"bad\xffutf8", b"[b]bold"]:
        (root / os.fsdecode(name)).write_text("x")
    app = SshdeckApp(local_path=str(root))
    async with app.run_test(size=(120, 30)) as pilot:
        pane = await idle(pilot, app)
        shown = names(pane)
        assert "[@click=app.quit]x" in shown
        assert "\\x1b[2Jclear" in shown
        assert "line\\nbreak" in shown
        assert "bad\\xffutf8" in shown
        # Clicking the markup-looking name selects it; it does not run app.quit.
        index = shown.index("[@click=app.quit]x")
        await pilot.click(pane.file_list, offset=(4, index))
        await pilot.pause()
        assert app.is_running
        assert pane.file_list.current.name == b"[@click=app.quit]x"
        text = "".join(strip.text for strip in [pane.file_list.render_line(i) for i in range(len(shown))])
        assert "\x1b" not in text and "[b]bold" in text


async def test_wide_panes_show_mode_and_owner_columns(tmp_path: Path) -> None:
    root = tree(tmp_path)
    os.chmod(root / "small.txt", 0o640)
    app = SshdeckApp(local_path=str(root))
    async with app.run_test(size=(220, 30)) as pilot:
        pane = await idle(pilot, app)
        header = str(pane.query_one(PaneHeader).content)
        assert "Mode" in header and "Owner" in header
        row = pane.file_list.entries.index(next(e for e in pane.file_list.entries if e.display == "small.txt"))
        line = pane.file_list.render_line(row - pane.file_list.scroll_offset.y).text
        assert "-rw-r-----" in line
        import grp
        import pwd

        assert f"{pwd.getpwuid(os.getuid()).pw_name}:{grp.getgrgid(os.getgid()).gr_name}" in line
