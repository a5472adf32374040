"""The transfer UI after a restart: an unfinished job is offered for resuming, completed or discarded."""

from __future__ import annotations

import os
from pathlib import Path

from sshdeck.core.transfer import Journal, LocalEndpoint, Transfer, TransferOptions, TransferProgress
from sshdeck.ui.screens.resume_dialog import ResumeDialog
from tests.ui.transfer_app import TransferApp, wait_for


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
