"""The app's transfers: confirm, run in a worker, feed the panel, ask conflicts, resume after a restart.

One `TransferController` per app.  The main screen calls `start` for F5/F6
and for a drop of entries onto the other pane, `upload_paths` for a paste
of local paths, and `offer_resume` once at start.  Each job is one engine
`Transfer` (sshdeck/core/transfer) whose progress goes to the mounted
`TransferPanel`, whose conflicts go to the `ConflictDialog`, and which is
journaled so a killed sshdeck can finish it next time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from sshdeck.core.dropped_paths import local_entries, parse_dropped_paths
from sshdeck.core.fs.base import Entry, FileSystem, join
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.ssh.bulk_routes import BulkRoutes
from sshdeck.core.transfer import (Conflict, ConflictChoice, ConflictDecision, Endpoint, JobRecord,
                                   Journal, LocalEndpoint, Transfer, TransferOptions, TransferProgress,
                                   TransferReport)
from sshdeck.core.transfer.errors import describe
from sshdeck.ui.screens.conflict_dialog import ConflictDialog
from sshdeck.ui.screens.copy_dialog import CopyDialog, CopySummary, place
from sshdeck.ui.speed_limit import SpeedLimits
from sshdeck.ui.transfer_endpoints import pane_endpoint
from sshdeck.ui.transfer_resume import ResumeFlow
from sshdeck.ui.widgets.transfer_panel import format_bytes

if TYPE_CHECKING:
    from textual.app import App

    from sshdeck.ui.connections import Connection, Connections
    from sshdeck.ui.widgets.transfer_panel import TransferPanel

log = logging.getLogger(__name__)
DoneCallback = Callable[["TransferReport | None"], None]
__all__ = ["TransferController", "TransferJob", "parse_dropped_paths"]


@dataclass
class TransferJob:
    """One running (or finished) transfer as the controller tracks it."""

    key: int
    title: str
    transfer: Transfer
    dest_text: str
    on_done: DoneCallback | None = None
    state: str = "planning"  # planning, running, paused, done, failed, cancelled
    report: TransferReport | None = None
    error: str = ""
    progress: TransferProgress | None = None
    cancel_requested: bool = False
    interrupting: bool = False  # quit with "pause": ends as "interrupted", resumed at the next start
    ended: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)


class TransferController:
    """Holds the journal and the running transfers; widgets stay thin and call in here."""

    def __init__(self, app: "App", connections: "Connections | None" = None, *,
                 journal: Journal | None = None, options: TransferOptions | None = None) -> None:
        self.app = app
        self.connections = connections if connections is not None else getattr(app, "connections", None)
        self._journal = journal
        self._journal_failed = False
        self.defaults = options or TransferOptions()  # move= is set per job
        self.jobs: dict[int, TransferJob] = {}
        self.panel: "TransferPanel | None" = None
        self._next_key = 1
        self.resumer = ResumeFlow(self)
        self.limits = SpeedLimits(app, self)  # bandwidth limits (speed_limit.py)
        # While a job runs, its endpoints on a host go over that host's bulk connection (a shell stays responsive);
        # when it cannot be opened, one notice per host and session says why a shell there gets slower.
        self.bulk = BulkRoutes(on_shared=lambda label, reason: app.notify(
            f"Transfers to {label} share the shell's connection: {reason}", title="Transfer", severity="warning",
            timeout=10, markup=False))

    # -- plumbing ----------------------------------------------------------------------

    @property
    def journal(self) -> Journal | None:
        """Opened on first use; a journal that cannot be opened means no resume, not no transfers."""
        if self._journal is None and not self._journal_failed:
            try:
                self._journal = Journal()
            except (OSError, sqlite3.Error) as exc:
                self._journal_failed = True
                self.app.notify(f"Transfer journal unavailable ({exc}); transfers cannot be resumed after a restart",
                                severity="warning", markup=False)
        return self._journal

    def attach(self, panel: "TransferPanel") -> None:
        """Called by the panel when mounted; jobs already known are shown in it."""
        self.panel = panel
        for job in self.jobs.values():
            panel.add_job(job.key, job.title)
            panel.set_state(job.key, job.state)
            if job.progress is not None:
                panel.show_progress(job.key, job.progress)

    def endpoint_for(self, fs: FileSystem, folder: str, connection: "Connection | None" = None) -> Endpoint:
        """The transfer endpoint for a pane's folder; with an SSH connection it can reconnect (transfer_endpoints.py)."""
        return pane_endpoint(fs, folder, self.connections, self.bulk, connection)

    # -- starting ----------------------------------------------------------------------

    def start(self, source_fs: FileSystem, source_folder: str, entries: list[Entry], dest_fs: FileSystem,
              dest_folder: str, *, move: bool = False, on_done: DoneCallback | None = None,
              confirm: bool = True) -> None:
        """F5/F6 and drops: copy (or move) `entries` of `source_folder` into `dest_folder`, after a confirm."""
        if not entries:
            self.app.notify("Nothing selected", severity="warning", markup=False)
            return
        problem = self._same_place(source_fs, source_folder, entries, dest_fs, dest_folder)
        if problem:
            self.app.notify(problem, title="Copy" if not move else "Move", severity="error", markup=False)
            return
        summary = CopySummary.of(entries, move, place(source_fs, source_folder), place(dest_fs, dest_folder))

        def launch(folder: str = dest_folder) -> None:
            shown = place(dest_fs, folder)
            try:
                source, dest = self.endpoint_for(source_fs, source_folder), self.endpoint_for(dest_fs, folder)
            except (OSError, TypeError) as exc:
                self.app.notify(str(exc), title=summary.verb, severity="error", markup=False)
                return
            places = (self.resumer.place_for(source_fs, source_folder), self.resumer.place_for(dest_fs, folder))
            self._copy(f"{summary.verb} {summary.what} → {shown}", shown, source, dest, entries, move, on_done, places)

        if not confirm:
            launch()
            return
        # The destination is editable in the dialog (F5 then type another folder, as in mc).
        self.app.push_screen(
            CopyDialog(summary, dest_fs, dest_folder),
            lambda answer: launch(answer if isinstance(answer, str) else dest_folder) if answer else None,
        )

    def upload_paths(self, local_paths: list[str], dest_fs: FileSystem, dest_folder: str, *,
                     on_done: DoneCallback | None = None, confirm: bool = True) -> None:
        """A pasted or dropped list of local paths (see `parse_dropped_paths`): copy them into `dest_folder`."""
        groups, problems = local_entries(local_paths)
        for problem in problems:
            self.app.notify(problem, title="Upload", severity="error", markup=False)
        if not groups:
            return
        everything = [entry for entries in groups.values() for entry in entries]
        sources = ", ".join(place(LocalFS(), parent) for parent in groups)
        summary = CopySummary.of(everything, False, sources, place(dest_fs, dest_folder))
        pending = [len(groups)]

        def one_done(report: TransferReport | None) -> None:
            pending[0] -= 1
            if pending[0] == 0 and on_done is not None:
                on_done(report)

        def launch() -> None:
            for parent, entries in groups.items():
                title = f"Upload {len(entries)} item(s) from {place(LocalFS(), parent)} → {summary.dest}"
                places = (self.resumer.place_for(LocalFS(), parent), self.resumer.place_for(dest_fs, dest_folder))
                self._copy(title, summary.dest, LocalEndpoint(parent), self.endpoint_for(dest_fs, dest_folder),
                           entries, False, one_done, places)

        self._confirm(summary, launch, confirm)

    def _confirm(self, summary: CopySummary, launch: Callable[[], None], confirm: bool) -> None:
        if not confirm:
            launch()
            return
        self.app.push_screen(CopyDialog(summary), lambda yes: launch() if yes else None)

    @staticmethod
    def _same_place(source_fs, source_folder, entries, dest_fs, dest_folder) -> str:
        if source_fs is not dest_fs:
            return ""
        if source_folder.rstrip("/") == dest_folder.rstrip("/"):
            return "The source and the destination are the same folder"
        for entry in entries:
            inside = join(source_folder, entry.name).rstrip("/")
            if dest_folder == inside or dest_folder.startswith(inside + "/"):
                return f"Cannot copy {entry.display} into itself"
        return ""

    def _copy(self, title: str, dest_text: str, source: Endpoint, dest: Endpoint, entries: list[Entry],
              move: bool, on_done: DoneCallback | None, places=(None, None)) -> TransferJob:
        requests = [((e.name,), (e.name,)) for e in entries]
        options = dataclasses.replace(self.defaults, move=move)
        return self._launch(title, dest_text, lambda job: Transfer(
            source, dest, requests, options, journal=self.journal, places=places, **self._callbacks(job)), on_done)

    def launch(self, title: str, dest_text: str, build: Callable[..., Transfer],
               on_done: DoneCallback | None = None) -> TransferJob:
        """Run a Transfer built elsewhere (a sync's copies) in the queue; `build` gets the journal and callbacks."""
        return self._launch(title, dest_text, lambda job: build(journal=self.journal, **self._callbacks(job)), on_done)

    def _callbacks(self, job: TransferJob) -> dict:
        return {
            "on_progress": lambda progress: self._progress(job, progress),
            "on_conflict": lambda conflict: self._ask_conflict(job, conflict),
        }

    def _launch(self, title: str, dest_text: str, build: Callable[[TransferJob], Transfer],
                on_done: DoneCallback | None) -> TransferJob:
        key, self._next_key = self._next_key, self._next_key + 1
        job = TransferJob(key, title, None, dest_text, on_done)  # type: ignore[arg-type]
        job.transfer = build(job)
        self.limits.for_job(job.transfer)
        self.jobs[key] = job
        if self.panel is not None:
            self.panel.add_job(key, title)
            self.panel.reveal()
        self.app.run_worker(self._run(job), name=f"transfer-{key}", group="transfers", exit_on_error=False)
        return job

    # -- running -----------------------------------------------------------------------

    async def _run(self, job: TransferJob, retry: bool = False) -> None:
        job.state, job.error, job.cancel_requested = "planning", "", False
        job.ended.clear()
        try:
            await self._run_job(job, retry)
        finally:
            job.ended.set()

    async def _run_job(self, job: TransferJob, retry: bool) -> None:
        self._set_state(job)
        report: TransferReport | None = None
        try:
            async with self.bulk.route(job.transfer):
                report = await (job.transfer.retry() if retry else job.transfer.run())
        except asyncio.CancelledError:
            job.state = "cancelled"
            self._set_state(job)
            raise
        except Exception as exc:  # noqa: BLE001 - one line for the user, the traceback in the log
            log.info("transfer %s failed: %r", job.title, exc)
            job.error = describe(exc)
        job.report = report
        failed = report.failed if report is not None else []
        if report is None:
            job.state = "failed"
        elif failed and job.interrupting:
            job.state = "interrupted"
        elif failed and job.cancel_requested:
            job.state = "cancelled"
        else:
            job.state = "failed" if failed else "done"
        self._finished(job)
        if job.on_done is not None:
            try:
                job.on_done(report)
            except Exception:  # noqa: BLE001 - a refresh failing must not hide the result
                log.exception("on_done after %s failed", job.title)

    def _progress(self, job: TransferJob, progress: TransferProgress) -> None:
        job.progress = progress
        if job.state == "planning":
            job.state = "running"
        if self.panel is not None:
            self.panel.show_progress(job.key, progress)

    def _set_state(self, job: TransferJob) -> None:
        if self.panel is not None:
            self.panel.set_state(job.key, job.state)

    def _finished(self, job: TransferJob) -> None:
        report = job.report
        if self.panel is not None:
            # The panel knows no "interrupted" (only seen while quitting): it shows as stopped.
            self.panel.finish_job(job.key, "cancelled" if job.state == "interrupted" else job.state, report, job.error)
        failed = report.failed if report is not None else []
        first = (failed[0].error or failed[0].state.value) if failed else job.error or "failed"
        message, severity = {
            "done": (done_text(report), "information"),
            "cancelled": ("cancelled; partial files are kept for a retry", "warning"),
            "interrupted": ("paused; it resumes at the next start", "warning"),
        }.get(job.state, (f"{max(1, len(failed))} failed — {first}", "error"))
        self.app.notify(f"{job.title}: {message}", title="Transfer", severity=severity, markup=False)

    async def _ask_conflict(self, job: TransferJob, conflict: Conflict) -> ConflictDecision:
        """Show the conflict dialog and wait for it (cancelling the item closes it)."""
        future: asyncio.Future[ConflictDecision] = asyncio.get_running_loop().create_future()

        def answered(decision: ConflictDecision | None) -> None:
            if not future.done():
                future.set_result(decision or ConflictDecision(ConflictChoice.CANCEL))

        dialog = ConflictDialog(conflict, dest=job.dest_text)
        self.app.push_screen(dialog, answered)
        try:
            return await future
        except asyncio.CancelledError:
            # The item was cancelled while asking; during shutdown there may be no screen left.
            if dialog.is_current and self.app.screen is dialog:
                dialog.dismiss(None)
            raise

    # -- controls (the panel's keys) -------------------------------------------------

    def toggle_pause(self, key: int) -> None:
        job = self.jobs.get(key)
        if job is None or job.state not in ("running", "paused", "planning"):
            return
        if job.transfer.paused:
            job.transfer.unpause()
            job.state = "running"
        else:
            job.transfer.pause()
            job.state = "paused"
        self._set_state(job)

    def cancel(self, key: int, item_id: int | None = None) -> None:
        """Cancel one file of a job, or the whole job; partial files stay for a retry."""
        job = self.jobs.get(key)
        if job is not None and job.state in ("planning", "running", "paused"):
            job.cancel_requested = job.cancel_requested or item_id is None
            job.transfer.cancel(item_id)

    def retry(self, key: int) -> None:
        """Run a finished job's failed and cancelled items again."""
        job = self.jobs.get(key)
        if job is None:
            return
        if job.state not in ("failed", "cancelled") or job.report is None:
            self.app.notify("Only a finished transfer with failures can be retried", markup=False)
            return
        self.app.run_worker(self._run(job, retry=True), name=f"transfer-{key}", group="transfers",
                            exit_on_error=False)

    def forget(self, key: int) -> None:
        job = self.jobs.get(key)
        if job is not None and job.state in ("done", "failed", "cancelled"):
            del self.jobs[key]

    # -- after a restart (see transfer_resume.py) -------------------------------------------

    def unfinished_jobs(self) -> list[JobRecord]:
        """Jobs a killed or failed run left in the journal."""
        return self.journal.unfinished() if self.journal is not None else []

    def endpoint_from_description(self, text: str) -> Endpoint | None:
        return self.resumer.current_endpoint(text)

    def offer_resume(self, on_done: DoneCallback | None = None) -> None:
        """At start: when the journal holds unfinished jobs, ask whether to resume or discard them."""
        self.resumer.offer(on_done)

    async def resume(self, record: JobRecord, on_done: DoneCallback | None = None) -> TransferJob | None:
        """Continue a journaled job, connecting to its hosts first (with the usual questions)."""
        return await self.resumer.resume(record, on_done)

    async def discard(self, record: JobRecord) -> None:
        await self.resumer.discard(record)

    # -- quitting (see quitting.py) -----------------------------------------------------------

    def running(self) -> list[TransferJob]:
        return [job for job in self.jobs.values() if job.state in ("planning", "running", "paused")]


def done_text(report: TransferReport | None) -> str:
    """"done (3 items: 4 files, 12.0 MiB copied, 1 resumed…)": counted as the copy dialog counted
    (what was selected), with the bytes this run really moved, not the files' sizes."""
    if report is None:
        return "done"
    top = sum(1 for item in report.done if len(item.src) == 1)
    files = sum(1 for item in report.done if item.kind == "file")
    text = f"done ({top} item{'s' if top != 1 else ''}"
    if files != top:
        text += f": {files} file{'s' if files != 1 else ''}"
    text += f", {format_bytes(report.bytes_copied)} copied"
    resumed = len(report.resumed)
    return text + (f", {resumed} resumed from a partial file)" if resumed else ")")

