"""File operations from a pane, on the demo server (remote) and the local disk."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from sshdeck.app import SshdeckApp
from sshdeck.core.edit import edits_dir
from sshdeck.core.ssh.remote_source import DemoSource
from sshdeck.ui.screens.chmod_dialog import ChmodDialog
from sshdeck.ui.screens.delete_dialog import DeleteDialog
from sshdeck.ui.screens.file_viewer import FileViewer
from sshdeck.ui.screens.text_prompt import TextPrompt
from sshdeck.ui.widgets.file_pane import FilePane


async def idle(pilot, app) -> tuple[FilePane, FilePane]:
    for _ in range(300):
        await pilot.pause(0.02)
        panes = list(app.screen.query(FilePane)) if not app.screen.is_modal else []
        if len(panes) == 2 and all(p.is_idle for p in panes):
            return panes[0], panes[1]
    raise AssertionError("the panes did not finish loading")


async def remote_pane(pilot, app) -> FilePane:
    _left, right = await idle(pilot, app)
    right.file_list.focus()
    return right


async def go_to(pilot, pane: FilePane, name: str) -> None:
    names = [e.display for e in pane.file_list.entries]
    pane.file_list.cursor = names.index(name)
    await pilot.pause()


def make_app(tmp_path: Path, demo_root: Path) -> SshdeckApp:
    local = tmp_path / "local"
    local.mkdir(exist_ok=True)
    return SshdeckApp(local_path=str(local), remote=DemoSource(demo_root))


async def test_new_folder_on_the_server_and_a_bad_name_is_refused(tmp_path: Path, demo_root: Path) -> None:
    app = make_app(tmp_path, demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await remote_pane(pilot, app)
        await pilot.press("f7")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"a/b", "enter")
        assert isinstance(app.screen, TextPrompt)  # refused, still asking
        assert "cannot contain '/'" in str(app.screen.query_one(".dialog-error").content)
        app.screen.query_one("Input").value = ""
        await pilot.press(*"new [folder] é", "enter")
        await idle(pilot, app)
        assert (demo_root / "new [folder] é").is_dir()
        assert pane.file_list.current.display == "new [folder] é"


async def test_rename_on_the_server(tmp_path: Path, demo_root: Path) -> None:
    app = make_app(tmp_path, demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await remote_pane(pilot, app)
        await go_to(pilot, pane, "README.txt")
        await pilot.press("f2")
        app.screen.query_one("Input").value = "READ ME 'now'.txt"
        await pilot.press("enter")
        await idle(pilot, app)
        assert (demo_root / "READ ME 'now'.txt").read_text().startswith("This is sshdeck")
        assert not (demo_root / "README.txt").exists()
        assert pane.file_list.current.display == "READ ME 'now'.txt"


async def test_delete_asks_first_and_cancel_is_the_default(tmp_path: Path, demo_root: Path) -> None:
    app = make_app(tmp_path, demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await remote_pane(pilot, app)
        await go_to(pilot, pane, "projects")
        await pilot.press("f8")
        assert isinstance(app.screen, DeleteDialog)
        await pilot.press("enter")  # the focused button is Cancel
        await idle(pilot, app)
        assert (demo_root / "projects" / "website" / "index.html").exists()
        await pilot.press("f8", "tab", "enter")  # Delete
        await idle(pilot, app)
        assert not (demo_root / "projects").exists()
        assert "projects" not in [e.display for e in pane.file_list.entries]


async def test_delete_a_selection_of_several_items(tmp_path: Path, demo_root: Path) -> None:
    app = make_app(tmp_path, demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await remote_pane(pilot, app)
        await go_to(pilot, pane, "logs")
        await pilot.press("space")
        await go_to(pilot, pane, "README.txt")
        await pilot.press("space")
        await pilot.press("delete")
        assert "2 items" in str(app.screen.query_one(".dialog-title").content)
        detail = str(app.screen.query_one("#delete-detail").content)
        assert "  logs/" in detail and "  README.txt" in detail
        assert "1 file (" in detail and "1 folder and everything inside" in detail and "demo:/" in detail
        await pilot.press("tab", "enter")
        await idle(pilot, app)
        assert not (demo_root / "logs").exists() and not (demo_root / "README.txt").exists()
        assert (demo_root / "disk-image.bin").exists()
        assert pane.model.selected == set()


async def test_chmod_dialog_grid_and_octal(tmp_path: Path, demo_root: Path) -> None:
    os.chmod(demo_root / "README.txt", 0o644)
    app = make_app(tmp_path, demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await remote_pane(pilot, app)
        await go_to(pilot, pane, "README.txt")
        await pilot.press("p")
        dialog = app.screen
        assert isinstance(dialog, ChmodDialog)
        assert dialog.query_one("#octal").value == "0644"
        await pilot.click("#bit-others-read")  # untick others' read
        assert dialog.query_one("#octal").value == "0640"
        dialog.query_one("#octal").value = "0600"
        await pilot.pause()
        assert dialog.query_one("#bit-group-read").value is False
        await pilot.click("#apply")
        await idle(pilot, app)
        assert stat.S_IMODE((demo_root / "README.txt").stat().st_mode) == 0o600


async def test_view_shows_text_and_names_binary_files(tmp_path: Path, demo_root: Path) -> None:
    (demo_root / "notes.txt").write_bytes(b"hello\n\x1b[2Jnot an escape\n")
    app = make_app(tmp_path, demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await remote_pane(pilot, app)
        await go_to(pilot, pane, "notes.txt")
        await pilot.press("f3")
        await pilot.pause(0.3)
        assert isinstance(app.screen, FileViewer)
        assert app.screen.query_one("TextArea").text == "hello\n^[[2Jnot an escape\n"
        await pilot.press("escape")
        await go_to(pilot, pane, "disk-image.bin")
        (demo_root / "disk-image.bin").write_bytes(b"\0\1\2" * 1000)
        await pilot.press("f3")
        await pilot.pause(0.3)
        assert "binary file" in str(app.screen.query_one(".dialog-title").content)


EDITOR = """#!{python}
import sys, pathlib
path = pathlib.Path(sys.argv[1])
path.write_text(path.read_text() + "edited\\n")
{also}
"""


def write_editor(tmp_path: Path, also: str = "") -> str:
    script = tmp_path / "fake-editor"
    script.write_text(EDITOR.format(python=sys.executable, also=also))
    script.chmod(0o755)
    return str(script)


async def test_edit_uploads_the_changed_file(tmp_path: Path, demo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISUAL", write_editor(tmp_path))
    app = make_app(tmp_path, demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await remote_pane(pilot, app)
        await go_to(pilot, pane, "README.txt")
        await pilot.press("f4")
        for _ in range(100):
            await pilot.pause(0.05)
            if (demo_root / "README.txt").read_text().endswith("edited\n"):
                break
        assert (demo_root / "README.txt").read_text().endswith("Backspace goes up.\nedited\n")
        # Once verified on the server, the private copy is removed (more in tests/ui/test_remote_edit.py).
        for _ in range(100):
            await pilot.pause(0.05)
            if not list(edits_dir().glob("*/README.txt")):
                break
        assert not list(edits_dir().glob("*/README.txt"))


async def test_copy_path_falls_back_to_the_terminal_clipboard(tmp_path: Path, demo_root: Path, monkeypatch) -> None:
    import pyperclip

    def no_clipboard(text: str) -> None:
        raise pyperclip.PyperclipException("no clipboard tool")

    monkeypatch.setattr(pyperclip, "copy", no_clipboard)
    app = make_app(tmp_path, demo_root)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await remote_pane(pilot, app)
        await go_to(pilot, pane, "photos 2024")
        await pilot.press("y")
        assert app.clipboard == "demo:/photos 2024"


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_the_permission_grid_reads_without_colour(tmp_path: Path, demo_root: Path, size) -> None:
    from sshdeck.ui.screens.chmod_dialog import BitBox

    os.chmod(demo_root / "README.txt", 0o640)
    app = make_app(tmp_path, demo_root)
    async with app.run_test(size=size) as pilot:
        pane = await remote_pane(pilot, app)
        await go_to(pilot, pane, "README.txt")
        await pilot.press("p")
        await pilot.pause()
        boxes = list(app.screen.query(BitBox))
        assert len(boxes) == 9
        shown = [box.render().plain[:3] for box in boxes]
        assert shown == ["[x]", "[x]", "[ ]", "[x]", "[ ]", "[ ]", "[ ]", "[ ]", "[ ]"]
        # Every box is laid out whole inside the screen.
        assert all(box.region.width >= 3 and box.region.right <= size[0] and box.region.bottom <= size[1] for box in boxes)


def test_a_delete_of_many_items_names_ten_and_counts_the_rest() -> None:
    from sshdeck.core.fs.base import Entry, EntryKind
    from sshdeck.ui.screens.delete_dialog import describe_deletion

    entries = [Entry(f"f{i}.txt".encode(), EntryKind.FILE, size=1024) for i in range(25)]
    text = describe_deletion(entries, "~/work")
    assert "  f0.txt" in text and "  f9.txt" in text and "f10.txt" not in text
    assert "… and 15 more" in text
    assert "In all: 25 files (25.0 KiB), in ~/work" in text


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_rename_selects_the_name_without_its_extension(tmp_path: Path, demo_root: Path, size) -> None:
    app = make_app(tmp_path, demo_root)
    async with app.run_test(size=size) as pilot:
        pane = await remote_pane(pilot, app)
        await go_to(pilot, pane, "README.txt")
        await pilot.press("f2")
        await pilot.pause()
        box = app.screen.query_one("#prompt-input")
        assert box.selected_text == "README"
        await pilot.press(*"NOTES", "enter")
        await idle(pilot, app)
        assert (demo_root / "NOTES.txt").exists()


def test_the_stem_of_a_dotfile_is_the_whole_name() -> None:
    from sshdeck.ui.screens.text_prompt import stem_span

    assert stem_span(".bashrc") == (0, 7)
    assert stem_span("archive.tar.gz") == (0, 11)
    assert stem_span("Makefile") == (0, 8)


async def test_a_key_right_behind_tab_acts_on_the_pane_tab_went_to(tmp_path: Path, demo_root: Path) -> None:
    # Tab F5 typed fast (read in one go, as MC users do): F5 copies from the other pane, not the one left.
    from textual import events

    from sshdeck.ui.screens.copy_dialog import CopyDialog

    app = make_app(tmp_path, demo_root)
    (tmp_path / "local" / "mine.txt").write_text("x")
    async with app.run_test(size=(120, 36)) as pilot:
        left, right = await idle(pilot, app)
        right.file_list.focus()
        await pilot.pause()
        await go_to(pilot, left, "mine.txt")
        app.post_message(events.Key("tab", "\t"))
        app.post_message(events.Key("f5", None))
        for _ in range(100):
            await pilot.pause(0.02)
            if isinstance(app.screen, CopyDialog):
                break
        assert isinstance(app.screen, CopyDialog)
        assert app.screen.summary.names == ["mine.txt"]
        await pilot.press("escape")
