"""The transfer UI: the panel (pause, cancel, retry, focus, throttled drawing, waiting) and the dialogs' snapshots.

Copying from the panes and conflicts: test_transfer_copy_ui; resuming after a restart: test_transfer_resume_ui.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from textual.app import ComposeResult
from textual.widgets import Static

from sshdeck.core.fs.base import EntryKind
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.transfer import (Conflict, ConflictChoice, ItemProgress, ItemState, Stat, TransferItem,
                                   TransferOptions, TransferProgress, TransferReport)
from sshdeck.ui.screens.conflict_dialog import ConflictDialog
from sshdeck.ui.screens.copy_dialog import CopyDialog, CopySummary
from sshdeck.ui.widgets.transfer_panel import TransferPanel
from tests.ui.transfer_app import TransferApp, entry, wait_for

FIXED_TIME = 1_780_000_000


# -- cancel --------------------------------------------------------------------------------------


async def test_pause_cancel_and_retry_from_the_panel(tmp_path: Path, demo_root: Path) -> None:
    size = 64 * 1024 * 1024
    (tmp_path / "big.bin").write_bytes(os.urandom(1024 * 1024) * 64)
    (demo_root / "big.bin").write_bytes(b"the old version")
    options = TransferOptions(memory_limit=64 * 1024, progress_interval=0.02, conflict=ConflictChoice.OVERWRITE)
    app = TransferApp(demo_root, options)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.remote_fs is not None, "the demo server")
        done: list = []
        app.controller.start(LocalFS(), str(tmp_path), [entry(tmp_path / "big.bin")], app.remote_fs, "/",
                             on_done=done.append, confirm=False)
        job = app.controller.jobs[1]
        panel = app.query_one(TransferPanel)
        await wait_for(pilot, lambda: job.progress is not None and job.progress.bytes_done > 0 and panel.rows.rows,
                       "bytes to flow")
        panel.rows.focus()
        panel.rows.cursor = 0  # the job's row
        await pilot.press("p")
        assert job.state == "paused" and job.transfer.paused
        await pilot.pause(0.3)
        assert panel.rows.rows[0].mark == "⏸" and "paused" in panel.rows.rows[0].figures
        await pilot.press("x")
        await wait_for(pilot, lambda: done, "the cancel")
        assert job.state == "cancelled" and job.progress.bytes_done < size
        assert panel.rows.rows[0].mark == "■"
        assert (demo_root / "big.bin").read_bytes() == b"the old version"
        partial = demo_root / ".big.bin.sshdeck-part"
        assert partial.exists() and 0 < partial.stat().st_size < size
        await pilot.press("r")
        await wait_for(pilot, lambda: len(done) == 2, "the retry")
        assert done[1].ok and done[1].items[0].resumed_from
        assert panel.rows.rows[0].mark == "✓"
    assert (demo_root / "big.bin").read_bytes() == (tmp_path / "big.bin").read_bytes()
    assert not (demo_root / ".big.bin.sshdeck-part").exists()


async def test_toggle_shows_and_focuses_the_panel_and_escape_gives_the_focus_back() -> None:
    class WithInput(TransferApp):
        def compose(self) -> ComposeResult:
            from textual.widgets import Input

            yield Input(id="elsewhere")
            yield TransferPanel(self.controller)

    app = WithInput()
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one(TransferPanel)
        panel.display = False
        app.query_one("#elsewhere").focus()
        await pilot.pause()
        panel.toggle()
        await pilot.pause()
        assert panel.display and app.focused is panel.rows
        await pilot.press("escape")
        assert not panel.display and app.focused.id == "elsewhere"


# -- the panel ------------------------------------------------------------------------------------


def progress_snapshot(done: int) -> TransferProgress:
    mib = 1024 * 1024
    active = (ItemProgress(7, "photos/2024/IMG_0042.jpg", 3 * mib, 4 * mib), ItemProgress(8, "disk-image.bin", mib, 24 * mib))
    return TransferProgress(done, 40 * mib, 5, 12, 3.2 * mib, active)


async def test_panel_redraws_at_most_ten_times_a_second(tmp_path: Path) -> None:
    app = TransferApp()
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one(TransferPanel)
        panel.add_job(1, "Copy 3 items → demo:/uploads")
        await pilot.pause(0.2)
        before = panel.draws
        started = time.monotonic()
        for step in range(200):
            panel.show_progress(1, progress_snapshot(step * 1024))
        await pilot.pause(0.25)
        elapsed = time.monotonic() - started
        assert 1 <= panel.draws - before <= int(elapsed * 10) + 1
        assert panel.rows.rows[0].fraction == pytest.approx(199 * 1024 / (40 * 1024 * 1024))


async def test_panel_is_not_redrawn_while_its_tab_is_hidden_and_catches_up_when_shown(tmp_path: Path) -> None:
    # A shell tab in front of the Files tab: progress redraws there cost the app a layout of the whole
    # screen each (the panel's text changes size), frames the shell's echo waited behind.
    from textual.widgets import TabbedContent, TabPane

    class Tabbed(TransferApp):
        def compose(self) -> ComposeResult:
            with TabbedContent(id="tabs"):
                with TabPane("Files", id="files-tab"):
                    yield TransferPanel(self.controller)
                with TabPane("Shell", id="shell-tab"):
                    yield Static("a shell")

    app = Tabbed()
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one(TransferPanel)
        panel.add_job(1, "Copy 3 items → demo:/uploads")
        await pilot.pause(0.2)
        app.query_one(TabbedContent).active = "shell-tab"
        await pilot.pause(0.2)
        before = panel.draws
        for step in range(20):
            panel.show_progress(1, progress_snapshot(step * mib_step()))
            await pilot.pause(0.05)
        assert panel.draws == before
        app.query_one(TabbedContent).active = "files-tab"
        await wait_for(pilot, lambda: panel.draws > before, "the panel drawn once shown")
        assert panel.rows.rows[0].fraction == pytest.approx(19 * mib_step() / (40 * 1024 * 1024))


def mib_step() -> int:
    return 1024 * 1024


def failed_report() -> TransferReport:
    item = TransferItem(3, "file", (b"secret.key",), (b"secret.key",), Stat(EntryKind.FILE, 1200))
    item.state, item.error = ItemState.FAILED, "secret.key: permission denied"
    ok = TransferItem(4, "file", (b"notes.md",), (b"notes.md",), Stat(EntryKind.FILE, 2048))
    ok.state = ItemState.DONE
    return TransferReport([item, ok], 1.0, 2048)


def test_snapshot_panel_mid_transfer(snap_compare) -> None:
    async def feed(pilot) -> None:
        panel = pilot.app.query_one(TransferPanel)
        panel.add_job(1, "Copy 3 items → demo:/uploads")
        panel.show_progress(1, progress_snapshot(16 * 1024 * 1024))
        panel.add_job(2, "Upload 2 item(s) from ~/keys → demo:/srv")
        panel.finish_job(2, "failed", failed_report())
        await pilot.pause(0.3)

    assert snap_compare(TransferApp(), terminal_size=(100, 20), run_before=feed)


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class DialogApp(TransferApp):
    def __init__(self, screen) -> None:
        super().__init__()
        self.dialog = screen

    def compose(self) -> ComposeResult:
        yield from ()

    async def on_mount(self) -> None:
        self.push_screen(self.dialog)


def test_snapshot_copy_dialog(snap_compare) -> None:
    summary = CopySummary(move=False, names=["site", "big.bin", "notes [draft].md"], file_bytes=13_002_342,
                          folders=1, source="~/work", dest="demo:/uploads")
    assert snap_compare(DialogApp(CopyDialog(summary)), terminal_size=(100, 24))


def test_snapshot_conflict_dialog(snap_compare, utc) -> None:
    new, old = Stat(EntryKind.FILE, 4_200_000, FIXED_TIME + 3600, 0o644), Stat(EntryKind.FILE, 1_048_576, FIXED_TIME)
    conflict = Conflict(5, "photos/été [1].jpg", new, old)
    assert snap_compare(DialogApp(ConflictDialog(conflict, dest="demo:/uploads")), terminal_size=(100, 24))


async def test_a_job_that_stops_moving_shows_waiting_not_a_speed() -> None:
    app = TransferApp()
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one(TransferPanel)
        panel.display = True
        panel.add_job(1, "Copy 3 items → demo:/uploads")
        panel.show_progress(1, progress_snapshot(1024 * 1024))
        await pilot.pause(0.3)
        assert "/s" in str(panel.query_one("#transfer-summary").content)
        # Then nothing arrives (a conflict question is open): after a moment the panel says so.
        for _ in range(60):
            await pilot.pause(0.1)
            if "waiting" in str(panel.query_one("#transfer-summary").content):
                break
        summary = str(panel.query_one("#transfer-summary").content)
        assert "waiting" in summary and "/s" not in summary and "ETA" not in summary
        assert "waiting" in panel.rows.rows[0].figures and "ETA" not in panel.rows.rows[0].figures


async def test_the_panel_cursor_starts_on_the_running_job() -> None:
    app = TransferApp()
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one(TransferPanel)
        panel.add_job(1, "Copy 1 item → demo:/a")
        panel.finish_job(1, "failed", failed_report())
        panel.add_job(2, "Copy 2 items → demo:/b")
        panel.show_progress(2, progress_snapshot(1024))
        panel.display = False
        await pilot.pause(0.2)
        panel.toggle()
        await pilot.pause(0.2)
        assert panel.rows.has_focus
        assert panel.rows.current.job == 2 and panel.rows.current.item is None
        assert "p pause" in str(panel.query_one("#transfer-title").content)  # says its keys work now
        panel.toggle()
        await pilot.pause(0.1)
        assert "Ctrl+T" in str(panel.query_one("#transfer-title").content)


def test_the_done_message_counts_what_the_dialog_counted() -> None:
    from sshdeck.ui.transfers import done_text

    items = []
    for index, (kind, src) in enumerate([
        ("dir", (b"site",)), ("file", (b"site", b"a.html")), ("file", (b"site", b"b.css")),
        ("file", (b"photo.jpg",)), ("file", (b"notes.md",)),
    ]):
        item = TransferItem(index, kind, src, src, Stat(EntryKind.DIR if kind == "dir" else EntryKind.FILE, 10))
        item.state = ItemState.DONE
        items.append(item)
    assert done_text(TransferReport(items, 1.0, 4096)) == "done (3 items: 4 files, 4.0 KiB copied)"
