"""The transfer UI: confirm, copy and move to the demo server, conflicts, cancel, resume after a restart."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from textual.app import App, ComposeResult

from sshdeck.app import SshdeckApp
from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.ssh.remote_source import DemoSource
from sshdeck.core.transfer import (Conflict, ConflictChoice, ItemProgress, ItemState, Journal, LocalEndpoint, Stat,
                                   Transfer, TransferItem, TransferOptions, TransferProgress, TransferReport)
from sshdeck.ui.screens.conflict_dialog import ConflictDialog
from sshdeck.ui.screens.copy_dialog import CopyDialog, CopySummary
from sshdeck.ui.screens.resume_dialog import ResumeDialog
from sshdeck.ui.themes import load_themes
from sshdeck.ui.transfers import TransferController, parse_dropped_paths
from sshdeck.ui.widgets.file_pane import FilePane
from sshdeck.ui.widgets.transfer_panel import TransferPanel

STYLES = Path(__file__).resolve().parents[2] / "sshdeck" / "ui" / "styles"
FIXED_TIME = 1_780_000_000


class TransferApp(App):
    """A bare app with the transfer panel, its controller and, when given, the demo server's files."""

    CSS_PATH = [STYLES / "app.tcss", STYLES / "transfers.tcss"]

    def __init__(self, demo_root: Path | None = None, options: TransferOptions | None = None) -> None:
        super().__init__()
        self.demo = DemoSource(demo_root) if demo_root is not None else None
        self.remote_fs = None
        self.controller = TransferController(self, options=options)
        for theme in load_themes().themes:
            self.register_theme(theme)
        self.theme = "sshdeck-dark"

    def compose(self) -> ComposeResult:
        yield TransferPanel(self.controller)

    async def on_mount(self) -> None:
        if self.demo is not None:
            self.remote_fs, _start = await self.demo.open()

    async def on_unmount(self) -> None:
        if self.demo is not None:
            await self.demo.close()


async def wait_for(pilot, check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def entry(path: Path) -> Entry:
    kind = EntryKind.DIR if path.is_dir() else EntryKind.FILE
    return Entry(os.fsencode(path.name), kind, 0 if path.is_dir() else path.stat().st_size)


def tree_bytes(root: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            out[os.path.relpath(os.path.join(folder, name), root)] = None
        for name in files:
            out[os.path.relpath(os.path.join(folder, name), root)] = Path(folder, name).read_bytes()
    return out


def make_tree(local: Path) -> None:
    (local / "site" / "assets").mkdir(parents=True)
    (local / "site" / "empty").mkdir()
    (local / "site" / "index.html").write_text("<h1>hi</h1>\n")
    (local / "site" / "assets" / "logo [1] 'q'.bin").write_bytes(os.urandom(300_000))
    (local / "site" / "assets" / "zero").write_bytes(b"")
    (local / "big.bin").write_bytes(os.urandom(2 * 1024 * 1024 + 7))


# -- copying and moving -------------------------------------------------------------------


async def test_copy_of_a_tree_and_a_file_from_the_panes_arrives_byte_identical(tmp_path: Path, demo_root: Path) -> None:
    local = tmp_path / "local"
    local.mkdir()
    make_tree(local)
    (demo_root / "uploads").mkdir()
    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.screen.query(FilePane)) == 2
                       and all(p.is_idle for p in app.screen.query(FilePane))
                       and app.screen.query_one("#right", FilePane).fs.label == "demo", "the panes")
        left, right = app.screen.query_one("#left", FilePane), app.screen.query_one("#right", FilePane)
        right.load("/uploads")
        await wait_for(pilot, lambda: right.is_idle and right.path == "/uploads", "the uploads folder")
        controller = TransferController(app)
        panel = TransferPanel(controller)
        await app.screen.mount(panel)
        for name in ("big.bin", "site"):
            left.file_list.cursor = [e.name for e in left.file_list.entries].index(name.encode())
            await pilot.press("space")
        targets = left.model.targets(left.file_list.current)
        done: list = []
        controller.start(left.fs, left.path, targets, right.fs, right.path, on_done=done.append)
        await pilot.pause()
        assert isinstance(app.screen, CopyDialog)
        question = str(app.screen.query_one("#copy-question").content)
        assert question == "Copy 2 items (2.0 MiB + 1 folder) to demo:/uploads?"
        await pilot.press("enter")  # Copy has the focus
        await wait_for(pilot, lambda: done, "the copy")
        assert done[0].ok
        assert tree_bytes(demo_root / "uploads") == tree_bytes(local)
        await pilot.pause(0.2)
        assert panel.query_one("#transfer-total").percentage == 1.0
        rows = panel.rows.rows
        assert rows[0].mark == "✓" and "2 items" in rows[0].text and "4/4 files 100%" in rows[0].figures
        assert sorted((r.mark, r.text) for r in rows[1:]) == [
            ("✓", "big.bin"), ("✓", "site/assets/logo [1] 'q'.bin"), ("✓", "site/assets/zero"), ("✓", "site/index.html")
        ]


async def test_move_to_the_server_removes_the_sources_and_escape_moves_nothing(tmp_path: Path, demo_root: Path) -> None:
    local = tmp_path / "local"
    local.mkdir()
    make_tree(local)
    expected = tree_bytes(local)
    app = TransferApp(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.remote_fs is not None, "the demo server")
        done: list = []
        entries = [entry(local / "site"), entry(local / "big.bin")]
        for key in ("escape", "enter"):
            app.controller.start(LocalFS(), str(local), entries, app.remote_fs, "/", move=True, on_done=done.append)
            await pilot.pause()
            assert str(app.screen.query_one("#copy-question").content).startswith("Move 2 items")
            await pilot.press(key)
            if key == "escape":
                await pilot.pause(0.2)
                assert not isinstance(app.screen, CopyDialog) and app.controller.jobs == {}
                assert not (demo_root / "big.bin").exists() and (local / "big.bin").exists()
        await wait_for(pilot, lambda: done, "the move")
        assert done[0].ok
    assert not (local / "site").exists() and not (local / "big.bin").exists()
    assert {k: v for k, v in tree_bytes(demo_root).items() if k.split("/")[0] in ("site", "big.bin")} == expected


async def test_pasted_local_paths_are_offered_as_an_upload(tmp_path: Path, demo_root: Path) -> None:
    desktop, other = tmp_path / "Desktop", tmp_path / "other place"
    desktop.mkdir()
    other.mkdir()
    (desktop / "photo 1.jpg").write_bytes(os.urandom(5000))
    (other / "notes.txt").write_text("notes\n")
    (other / "folder").mkdir()
    (other / "folder" / "inner.bin").write_bytes(os.urandom(100))
    pasted = f"'{desktop}/photo 1.jpg' file://{quote(str(other))}/notes.txt {str(other).replace(' ', chr(92) + ' ')}/folder "
    paths = parse_dropped_paths(pasted)
    assert paths == [str(desktop / "photo 1.jpg"), str(other / "notes.txt"), str(other / "folder")]
    (demo_root / "inbox").mkdir()
    app = TransferApp(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.remote_fs is not None, "the demo server")
        done: list = []
        app.controller.upload_paths(paths, app.remote_fs, "/inbox", on_done=done.append)
        await pilot.pause()
        assert str(app.screen.query_one("#copy-question").content) == (
            "Copy 3 items (4.9 KiB + 1 folder) to demo:/inbox?"
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: done, "the upload")
        assert all(job.state == "done" for job in app.controller.jobs.values())
    inbox = demo_root / "inbox"
    assert (inbox / "photo 1.jpg").read_bytes() == (desktop / "photo 1.jpg").read_bytes()
    assert (inbox / "notes.txt").read_text() == "notes\n"
    assert (inbox / "folder" / "inner.bin").read_bytes() == (other / "folder" / "inner.bin").read_bytes()


# -- conflicts ---------------------------------------------------------------------------------


CONFLICT_OUTCOMES = {
    "o": {"report.txt": b"the new report"},  # overwrite
    "s": {"report.txt": b"old"},  # skip
    "k": {"report.txt": b"old", "report (1).txt": b"the new report"},  # keep both
}


@pytest.mark.parametrize("key", CONFLICT_OUTCOMES, ids=["overwrite", "skip", "keep-both"])
async def test_conflict_dialog_choice_does_what_it_says(tmp_path: Path, demo_root: Path, key: str) -> None:
    (tmp_path / "report.txt").write_bytes(b"the new report")
    (demo_root / "inbox").mkdir()
    (demo_root / "inbox" / "report.txt").write_bytes(b"old")
    app = TransferApp(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.remote_fs is not None, "the demo server")
        done: list = []
        app.controller.start(LocalFS(), str(tmp_path), [entry(tmp_path / "report.txt")], app.remote_fs, "/inbox",
                             on_done=done.append, confirm=False)
        # The screen is pushed before its widgets are mounted: wait for what the test reads.
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog) and app.screen.query("#conflict-source"),
                       "the conflict dialog")
        assert "“report.txt” already exists in demo:/inbox" in str(app.screen.query_one(".dialog-title").content)
        assert str(app.screen.query_one("#conflict-existing").content).startswith("3 B (3 bytes)")
        assert str(app.screen.query_one("#conflict-source").content).startswith("14 B (14 bytes)")
        await pilot.press(key)
        await wait_for(pilot, lambda: done, "the copy")
    found = {p.name: p.read_bytes() for p in (demo_root / "inbox").iterdir()}
    assert found == CONFLICT_OUTCOMES[key]


async def test_apply_to_all_answers_every_later_conflict(tmp_path: Path, demo_root: Path) -> None:
    names = ["a.txt", "b.txt", "c.txt"]
    for name in names:
        (tmp_path / name).write_bytes(b"new " + name.encode())
        (demo_root / name).write_bytes(b"old")
    app = TransferApp(demo_root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.remote_fs is not None, "the demo server")
        done: list = []
        app.controller.start(LocalFS(), str(tmp_path), [entry(tmp_path / n) for n in names], app.remote_fs, "/",
                             on_done=done.append, confirm=False)
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog), "the conflict dialog")
        await pilot.press("a", "o")
        await wait_for(pilot, lambda: done or isinstance(app.screen, ConflictDialog), "the copy")
        assert done and not isinstance(app.screen, ConflictDialog)
    assert all((demo_root / n).read_bytes() == b"new " + n.encode() for n in names)


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


# -- resume after a restart ---------------------------------------------------------------------


async def interrupted_job(src: Path, dst: Path, data: bytes) -> None:
    """Start a journaled copy and cancel it mid-file, as a killed sshdeck would leave it."""
    src.mkdir()
    dst.mkdir()
    (src / "big.bin").write_bytes(data)
    transfer: Transfer

    def progress(snapshot: TransferProgress) -> None:
        if snapshot.bytes_done >= 2 * 1024 * 1024:
            transfer.cancel()

    options = TransferOptions(progress_interval=0, memory_limit=512 * 1024)
    journal = Journal()
    transfer = Transfer(LocalEndpoint(src), LocalEndpoint(dst), [((b"big.bin",), (b"big.bin",))], options,
                        journal=journal, on_progress=progress)
    report = await transfer.run()
    journal.close()
    assert not report.ok
    assert (dst / ".big.bin.sshdeck-part").stat().st_size > 0 and not (dst / "big.bin").exists()


async def test_resume_dialog_lists_an_unfinished_job_and_resume_completes_it(tmp_path: Path) -> None:
    data = os.urandom(8 * 1024 * 1024)
    src, dst = tmp_path / "src", tmp_path / "dst"
    await interrupted_job(src, dst, data)
    kept = (dst / ".big.bin.sshdeck-part").stat().st_size
    app = TransferApp()
    async with app.run_test(size=(120, 30)) as pilot:
        done: list = []
        app.controller.offer_resume(on_done=done.append)
        await wait_for(pilot, lambda: isinstance(app.screen, ResumeDialog), "the resume dialog")
        [line] = [job.line for job in app.screen.jobs]
        assert line.startswith(f"local:{src} → local:{dst}")
        assert "0 file(s) done, 1 unfinished" in line and f"{kept / 1024 / 1024:.1f} MiB done" in line
        await pilot.press("r")
        await wait_for(pilot, lambda: done, "the resumed copy")
        report = done[0]
        assert report.ok and report.items[0].resumed_from == kept
    assert (dst / "big.bin").read_bytes() == data
    assert not (dst / ".big.bin.sshdeck-part").exists()
    assert Journal().unfinished() == []


async def test_discard_deletes_the_partial_and_later_keeps_the_job(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    await interrupted_job(src, dst, os.urandom(8 * 1024 * 1024))
    app = TransferApp()
    async with app.run_test(size=(120, 30)) as pilot:
        app.controller.offer_resume()
        await wait_for(pilot, lambda: isinstance(app.screen, ResumeDialog), "the resume dialog")
        await pilot.press("escape")  # later
        await pilot.pause(0.1)
        assert len(Journal().unfinished()) == 1 and (dst / ".big.bin.sshdeck-part").exists()
        app.controller.offer_resume()
        await wait_for(pilot, lambda: isinstance(app.screen, ResumeDialog), "the resume dialog again")
        await pilot.press("d")
        await wait_for(pilot, lambda: not (dst / ".big.bin.sshdeck-part").exists(), "the partial to go")
    assert Journal().unfinished() == []


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
