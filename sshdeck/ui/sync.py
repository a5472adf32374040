"""The app's "Synchronise": plan the two panes' folders, preview, run in the transfer queue.

The pane in focus is the source and the other pane the destination (two-way:
both).  The plan comes from core/sync (both trees listed at once, nothing
changed); the preview (screens/sync_plan.py) lets the user untick lines and
switch deleting and two-way on or off or edit the exclude globs (first
those of the panes' saved profiles), which plans again.  The ticked
actions then run: copies through the app's TransferController (so they show
in the transfer panel with progress, pause and cancel), deletes through the
endpoints; two-way runs record the state for the next run.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Callable

from sshdeck.core.places import place
from sshdeck.core.sync import (
    SyncOptions,
    SyncPlan,
    load_state,
    plan_sync,
    plan_two_way,
    record_state,
    run_plan,
)
from sshdeck.core.sync.plan import overlap
from sshdeck.core.sync.run import SyncResult
from sshdeck.core.transfer import Endpoint, Transfer, TransferReport
from sshdeck.core.transfer.errors import describe
from sshdeck.ui.screens.sync_plan import SyncChoices, SyncPlanScreen, SyncRun

if TYPE_CHECKING:
    from textual.app import App

    from sshdeck.ui.widgets.file_pane import FilePane

log = logging.getLogger(__name__)


class SyncController:
    """One synchronisation of two panes, from plan to result."""

    def __init__(self, app: "App", source: "FilePane", dest: "FilePane", *, on_done: Callable[[SyncResult], None] | None = None) -> None:
        self.app = app
        self.source_pane, self.dest_pane = source, dest
        self.on_done = on_done
        self.source: Endpoint | None = None
        self.dest: Endpoint | None = None

    def open(self, choices: SyncChoices | None = None) -> None:
        """Plan with `choices` and show the preview (a message instead when it cannot be done)."""
        source, dest = self.source_pane, self.dest_pane
        if any(pane.query_one(".pane-note").display for pane in (source, dest)):
            self.app.notify("Both panes must show a folder", title="Synchronise", severity="warning", markup=False)
            return
        try:
            self.source = self.app.transfers.endpoint_for(source.fs, source.path)
            self.dest = self.app.transfers.endpoint_for(dest.fs, dest.path)
        except (OSError, TypeError) as exc:
            self.app.notify(str(exc), title="Synchronise", severity="error", markup=False)
            return
        clash = overlap(self.source, self.dest)
        if clash:
            self.app.notify(f"Cannot synchronise: {clash}", title="Synchronise", severity="error", markup=False)
            return
        # The preview opens at once and compares in its own worker: Escape there stops the comparison.
        screen = SyncPlanScreen(
            None, place(source.fs, source.path), place(dest.fs, dest.path), choices or SyncChoices(excludes=self.profile_excludes()), self.plan,
        )
        self.app.push_screen(screen, self._answered)

    def profile_excludes(self) -> tuple[str, ...]:
        """The sync excludes of the saved profiles the two panes are connected through (a pane's key is its profile's id)."""
        store = getattr(self.source_pane.screen, "store", None)
        globs: list[str] = []
        for pane in (self.source_pane, self.dest_pane):
            profile = store.get(pane.location_key) if store is not None else None
            globs.extend(profile.excludes if profile is not None else ())
        return tuple(dict.fromkeys(globs))

    async def plan(self, choices: SyncChoices) -> SyncPlan:
        assert self.source is not None and self.dest is not None
        options = SyncOptions(delete=choices.delete, excludes=choices.excludes, checksum=choices.checksum)
        if choices.two_way:
            state, problem = load_state(self.source.describe(), self.dest.describe())
            plan = await plan_two_way(self.source, self.dest, state, options)
            if problem:
                plan.problems.insert(0, problem)
            return plan
        return await plan_sync(self.source, self.dest, options)

    def _answered(self, answer: SyncRun | None) -> None:
        if answer is not None:
            self.app.run_worker(self.run(answer), group="sync", exit_on_error=False)

    async def run(self, answer: SyncRun) -> SyncResult:
        assert self.source is not None and self.dest is not None
        dest_text = place(self.dest_pane.fs, self.dest_pane.path)
        try:
            result = await run_plan(self.source, self.dest, answer.plan, answer.actions, runner=self._queued(dest_text))
            if answer.choices.two_way:
                state, _ = load_state(self.source.describe(), self.dest.describe())
                await record_state(self.source, self.dest, SyncOptions(delete=answer.choices.delete, excludes=answer.choices.excludes, checksum=answer.choices.checksum), state)
        except Exception as exc:  # noqa: BLE001 - one line for the user
            log.info("sync failed: %r", exc)
            result = SyncResult(failures=[describe(exc)])
        if result.ok:
            self.app.notify(f"Synchronised: {result.summary()}", title="Synchronise", markup=False)
        else:
            self.app.notify(f"{result.summary()}; {len(result.failures)} failed — {result.failures[0]}",
                            title="Synchronise", severity="error", markup=False)
        for pane in (self.source_pane, self.dest_pane):
            if pane.is_mounted:
                pane.action_reload()
        if self.on_done is not None:
            self.on_done(result)
        return result

    def _queued(self, dest_text: str):
        """A runner for core/sync that puts each batch of copies in the app's transfer queue and waits for it."""

        async def runner(title: str, build: Callable[..., Transfer]) -> TransferReport | None:
            finished: asyncio.Future[TransferReport | None] = asyncio.get_running_loop().create_future()
            job = self.app.transfers.launch(title, dest_text, build,
                                            on_done=lambda report: finished.done() or finished.set_result(report))
            # A cancelled job never calls on_done: watch its state too.
            while not finished.done():
                await asyncio.wait([finished], timeout=0.2)
                if not finished.done() and job.state == "cancelled":
                    return job.report
            return finished.result()

        return runner
