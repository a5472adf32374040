"""Quitting while a transfer runs asks first; a paused job is offered (and resumed) at the next start.

Real SSH throughout: the app's own demo server (asyncssh, in process) serving a test folder.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from sshdeck.app import SshdeckApp
from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.ssh.remote_source import DemoSource
from sshdeck.core.transfer import Journal, TransferOptions
from sshdeck.ui.screens.quit_dialog import QuitDialog
from sshdeck.ui.screens.resume_dialog import ResumeDialog
from tests.ui.waiting import until

SIZE = 32 * 1024 * 1024


def make_app(local: Path, demo_root: Path) -> SshdeckApp:
    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root), ssh_config=None)
    # Small windows and frequent progress: the file is still in flight when we quit.
    app.transfers.defaults = TransferOptions(memory_limit=256 * 1024, progress_interval=0.02)
    return app


async def demo_fs(pilot, app: SshdeckApp):
    place = await until(pilot, lambda: next((p for p in app.connections.extra if p.key == "demo"), None),
                        "the demo to be connected")
    return place.fs


async def start_paused_upload(pilot, app: SshdeckApp, local: Path):
    """An upload of big.bin to the demo's root, paused once bytes flow (so it is running when we quit)."""
    fs = await demo_fs(pilot, app)
    entry = Entry(b"big.bin", EntryKind.FILE, SIZE)
    app.transfers.start(LocalFS(), str(local), [entry], fs, "/", confirm=False)
    job = app.transfers.jobs[1]
    await until(pilot, lambda: job.progress is not None and job.progress.bytes_done > 1024 * 1024, "bytes to flow")
    app.transfers.toggle_pause(job.key)
    assert job.state == "paused"
    return job


async def until_exited(app: SshdeckApp, tries: int = 800) -> None:
    for _ in range(tries):
        if app.return_code is not None:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the app did not exit")


def setup(tmp_path: Path) -> tuple[Path, Path, bytes]:
    local, remote = tmp_path / "local", tmp_path / "remote"
    local.mkdir()
    remote.mkdir()
    data = os.urandom(SIZE)
    (local / "big.bin").write_bytes(data)
    return local, remote, data


async def test_quit_without_transfers_quits_at_once(tmp_path: Path) -> None:
    local, remote, _data = setup(tmp_path)
    app = make_app(local, remote)
    async with app.run_test(size=(80, 24)) as pilot:
        await demo_fs(pilot, app)
        await pilot.press("q")
        await until_exited(app)
    assert app.return_code == 0


async def test_quit_and_finish_waits_for_the_transfer_then_quits(tmp_path: Path) -> None:
    local, remote, data = setup(tmp_path)
    app = make_app(local, remote)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_paused_upload(pilot, app, local)
        await pilot.press("q")
        dialog = await until(pilot, lambda: isinstance(app.screen, QuitDialog) and app.screen, "the quit dialog")
        assert "1 transfer is still running" in str(dialog.query_one(".dialog-title").render())
        await pilot.press("f")
        await until_exited(app)
    assert app.return_code == 0
    assert (remote / "big.bin").read_bytes() == data  # finished (a paused job is resumed to finish it)
    assert not (remote / ".big.bin.sshdeck-part").exists()
    assert Journal().unfinished() == []


async def test_quit_and_cancel_removes_the_partial_file(tmp_path: Path) -> None:
    local, remote, _data = setup(tmp_path)
    app = make_app(local, remote)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_paused_upload(pilot, app, local)
        assert (remote / ".big.bin.sshdeck-part").exists()
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog), "the quit dialog")
        await pilot.press("c")
        await until_exited(app)
    assert not (remote / ".big.bin.sshdeck-part").exists() and not (remote / "big.bin").exists()
    assert Journal().unfinished() == []


async def test_escape_in_the_quit_dialog_keeps_the_app_and_the_transfer(tmp_path: Path) -> None:
    local, remote, _data = setup(tmp_path)
    app = make_app(local, remote)
    async with app.run_test(size=(80, 24)) as pilot:
        job = await start_paused_upload(pilot, app, local)
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog), "the quit dialog")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, QuitDialog), "the dialog to close")
        assert app.return_code is None and job.state == "paused"
        # The palette's Quit goes through the same question.
        [quit_command] = [c for c in app.get_system_commands(app.screen) if c.title == "Quit"]
        await quit_command.callback()
        await until(pilot, lambda: isinstance(app.screen, QuitDialog), "the quit dialog from the palette")
        await pilot.press("escape")
        app.transfers.cancel(job.key)


async def test_quit_and_pause_keeps_the_partial_and_the_next_start_resumes_it(tmp_path: Path) -> None:
    local, remote, data = setup(tmp_path)
    app = make_app(local, remote)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_paused_upload(pilot, app, local)
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog), "the quit dialog")
        await pilot.press("p")
        await until_exited(app)
    partial = remote / ".big.bin.sshdeck-part"
    kept = partial.stat().st_size
    assert 0 < kept < SIZE and not (remote / "big.bin").exists()
    [record] = Journal().unfinished()
    assert record.state == "interrupted"

    # The next start offers it, named as the user knows both sides, and resumes from the partial.
    app = make_app(local, remote)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await until(pilot, lambda: isinstance(app.screen, ResumeDialog) and app.screen, "the resume offer")
        [line] = [job.line for job in dialog.jobs]
        assert line.startswith(f"{local} → demo:/"), line  # (the test folder is not under ~)
        await pilot.press("r")
        job = await until(pilot, lambda: app.transfers.jobs.get(1), "the resumed job")
        await until(pilot, lambda: job.ended.is_set() and job.report is not None, "the resumed copy")
        report = job.report
        assert report.ok, [i.error for i in report.failed]
        assert report.items[0].resumed_from and report.items[0].resumed_from >= kept
        # The bytes it really copied: the rest of the file, neither 0 nor the whole size.
        assert report.bytes_copied == SIZE - report.items[0].resumed_from
    assert (remote / "big.bin").read_bytes() == data
    assert Journal().unfinished() == []


def test_quit_dialog_fits_80_by_24(snap_compare, hermetic_home: Path) -> None:
    local = hermetic_home / "work"
    local.mkdir()

    async def ask(pilot) -> None:
        await until(pilot, lambda: len(list(pilot.app.screen.query("FilePane"))) == 2, "the main screen")
        titles = ["Copy “big.bin” → demo:/", "Upload 3 item(s) from ~/photos → web1:/srv/www",
                  "Move 12 items → ~/backup", "Copy “disk.img” → db2:/var/tmp"]
        pilot.app.push_screen(QuitDialog(titles))
        await until(pilot, lambda: isinstance(pilot.app.screen, QuitDialog), "the quit dialog")
        await pilot.pause(0.1)

    app = SshdeckApp(local_path=str(local), theme_name="sshdeck-dark", ssh_config=None)
    assert snap_compare(app, terminal_size=(80, 24), run_before=ask)


def stop_by_sigterm(app) -> None:
    app.quitting.on_signal(signal.SIGTERM)  # what the loop's handler calls


def stop_by_terminal_gone(app) -> None:
    from sshdeck.ui.terminal_driver import TerminalGone

    app.post_message(TerminalGone())  # as the driver sends it: a failed write found the terminal closed, no SIGHUP


@pytest.mark.parametrize(("stop", "status"), [(stop_by_sigterm, 143), (stop_by_terminal_gone, 129)])
async def test_a_stop_pauses_running_transfers_and_exits_with_its_status(stop, status, tmp_path: Path) -> None:
    """SIGTERM, or the terminal gone without a signal: the running upload is paused, its partial kept."""
    local, remote, _data = setup(tmp_path)
    app = make_app(local, remote)
    async with app.run_test(size=(80, 24)) as pilot:
        job = await start_paused_upload(pilot, app, local)
        app.transfers.toggle_pause(job.key)  # running again: the stop must end it mid-flight
        stop(app)
        await until_exited(app)
    assert app.return_code == status
    assert job.state == "interrupted"
    partial = remote / ".big.bin.sshdeck-part"
    assert 0 < partial.stat().st_size < SIZE and not (remote / "big.bin").exists()
    [record] = Journal().unfinished()
    assert record.state == "interrupted"


async def test_resume_connects_to_a_saved_host_on_demand_asking_about_its_key(tmp_path: Path, openssh_server) -> None:
    """A job to a saved host (OpenSSH's sshd): listed by the host's name, connected when resumed."""
    from sshdeck.core.hosts.profile_store import ProfileStore
    from sshdeck.core.hosts.profiles import HostProfile
    from sshdeck.core.transfer import LocalEndpoint, Place
    from sshdeck.core.trust import TrustStore
    from sshdeck.ui.screens.host_key_prompt import HostKeyPrompt

    local, remote = tmp_path / "local", tmp_path / "remote"
    local.mkdir()
    remote.mkdir()
    data = os.urandom(4 * 1024 * 1024)
    (local / "big.bin").write_bytes(data)
    (remote / ".big.bin.sshdeck-part").write_bytes(data[:1_500_000])  # what the killed upload left
    store = ProfileStore.load()
    store.add(HostProfile(name="shared hosting", host=openssh_server.host, port=openssh_server.port,
                          user=openssh_server.username, identity_files=[str(openssh_server.client_key)]))
    store.save()
    profile = ProfileStore.load().profiles[0]
    journal = Journal()
    requests = [((b"big.bin",), (b"big.bin",))]
    places = (Place(str(local), str(local)), Place("shared hosting", str(remote), profile=profile.id, remote=True))
    job_id = journal.start_job(LocalEndpoint(str(local)).describe(), f"sftp://{profile.id}{remote}", requests,
                               TransferOptions().to_journal(), places)
    journal.item_started(job_id, (b"big.bin",), (b".big.bin.sshdeck-part",), len(data),
                         (local / "big.bin").stat().st_mtime)
    journal.finish_job(job_id, "interrupted")
    journal.close()

    trust = TrustStore(own_file=tmp_path / "own_known_hosts", read_files=[])
    app = SshdeckApp(local_path=str(local), trust=trust, ssh_config=None)
    async with app.run_test(size=(120, 30)) as pilot:
        dialog = await until(pilot, lambda: isinstance(app.screen, ResumeDialog) and app.screen, "the resume offer")
        [line] = [job.line for job in dialog.jobs]
        assert line.startswith(f"{local} → shared hosting:{remote}"), line
        assert "connects to shared hosting first" in line
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, HostKeyPrompt), "the host-key question")
        await pilot.click("#trust-and-save")
        job = await until(pilot, lambda: app.transfers.jobs.get(1), "the resumed job")
        await until(pilot, lambda: job.ended.is_set() and job.report is not None, "the resumed upload")
        report = job.report
        assert report.ok, [i.error for i in report.failed]
        assert report.items[0].resumed_from == 1_500_000
        assert report.bytes_copied == len(data) - 1_500_000
        assert job.title.startswith(f"Resume {local} → shared hosting:")
    assert (remote / "big.bin").read_bytes() == data
    assert not (remote / ".big.bin.sshdeck-part").exists()
    assert Journal().unfinished() == []


def test_an_unreadable_bookmarks_file_is_a_startup_note_not_a_crash(tmp_path: Path) -> None:
    from sshdeck.core.hosts.bookmarks import bookmarks_path

    path = bookmarks_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("this is [not toml")
    app = SshdeckApp(local_path=str(tmp_path), ssh_config=None)
    assert any(str(path) in problem for problem in app._startup_problems)
