"""At start: transfers a killed or failed run left unfinished, to resume, discard or leave for later."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, SelectionList, Static

from sshdeck.core.fs.names import display_path
from sshdeck.core.transfer import Endpoint, JobRecord, Journal, Place
from sshdeck.ui.widgets.transfer_panel import format_bytes


def shown(record: JobRecord, side: str) -> str:
    """One side of a journaled job as the user knows it (the raw descriptor for an old journal)."""
    place = record.source_place if side == "source" else record.dest_place
    if place is not None:
        return place.label if not place.remote else f"{place.label}:{display_path(place.folder)}"
    return display_path(record.source if side == "source" else record.dest)


@dataclass(frozen=True)
class UnfinishedJob:
    """A journaled job and whether it can be resumed right now."""

    record: JobRecord
    bytes_done: int  # committed files plus the partial files found at the destination
    problem: str = ""  # why it cannot be resumed now ("connect to demo first"); empty when it can
    note: str = ""  # what resuming will do first ("connects to web1")

    @property
    def line(self) -> str:
        record = self.record
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created))
        # Two lines: the places (long paths get cut at the edge), then the figures and what resuming does.
        text = (
            f"{shown(record, 'source')} → {shown(record, 'dest')}\n  {when}; {format_bytes(self.bytes_done)} done, "
            f"{record.items_done} file(s) done, {record.items_unfinished} unfinished"
        )
        return text + (f"; {self.problem}" if self.problem else f"; {self.note}" if self.note else "")


async def gather_unfinished(
    journal: Journal, records: list[JobRecord], resolve: Callable[[str], Endpoint | None],
    can_connect: Callable[[Place | None], bool] = lambda place: False,
) -> list[UnfinishedJob]:
    """What the dialog lists: `resolve` turns a journal line into an endpoint when it is reachable now;
    a side whose host `can_connect` says it can reach is connected to when the job is resumed."""
    out = []
    for record in records:
        source, dest = resolve(record.source), resolve(record.dest)
        partial = 0
        for part in journal.parts(record.id) if dest is not None else []:
            try:
                found = await dest.lstat(part)
            except Exception:  # noqa: BLE001 - a figure for the dialog, not worth failing for
                found = None
            partial += found.size if found is not None and found.is_file else 0
        sides = (("source", record.source_place, source), ("dest", record.dest_place, dest))
        missing = [shown(record, side) for side, place, end in sides if end is None and not can_connect(place)]
        hosts = sorted({place.label for side, place, end in sides if end is None and can_connect(place) and place})
        out.append(UnfinishedJob(record, record.bytes_done + partial,
                                 f"not reachable now: {', '.join(missing)}" if missing else "",
                                 f"connects to {', '.join(hosts)} first" if hosts else ""))
    return out


@dataclass(frozen=True)
class ResumeAnswer:
    """`action` is "resume" or "discard"; `jobs` are the ones ticked."""

    action: str
    jobs: list[UnfinishedJob]


class ResumeDialog(ModalScreen[ResumeAnswer | None]):
    """Lists the unfinished jobs, all ticked; Resume, Discard, or Later (None: ask again next start)."""

    BINDINGS = [
        Binding("r", "answer('resume')", "Resume", id="resume_jobs", tooltip="Resume the ticked transfers"),
        Binding("d", "answer('discard')", "Discard", id="discard_jobs",
                tooltip="Forget the ticked transfers and delete their partial files"),
        Binding("l,escape", "later", "Later", id="resume_later", tooltip="Ask again at the next start"),
    ]

    def __init__(self, jobs: list[UnfinishedJob]) -> None:
        super().__init__(classes="resume-screen")
        self.jobs = jobs

    def compose(self) -> ComposeResult:
        count = len(self.jobs)
        with Vertical(classes="dialog resume-dialog"):
            yield Label(
                Content(f"{count} transfer{'s' if count != 1 else ''} did not finish last time"),
                classes="dialog-title",
            )
            yield SelectionList[int](
                *((Content(job.line.splitlines()[0]), index, True) for index, job in enumerate(self.jobs)),
                id="resume-jobs",
            )
            # The highlighted job in full: both places, the figures, and what resuming does first.
            yield Static(Content(self.jobs[0].line if self.jobs else ""), id="resume-detail")
            yield Static(
                Content("Resume continues from the partial files; Discard deletes them."), id="resume-hint"
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Later", id="resume-later")
                yield Button("Discard", id="resume-discard", variant="error")
                yield Button("Resume", id="resume-resume", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#resume-resume", Button).focus()

    @on(SelectionList.SelectionHighlighted, "#resume-jobs")
    def _show_detail(self, event: SelectionList.SelectionHighlighted) -> None:
        index = event.selection.value
        if 0 <= index < len(self.jobs):
            self.query_one("#resume-detail", Static).update(Content(self.jobs[index].line))

    def chosen(self) -> list[UnfinishedJob]:
        picked = self.query_one("#resume-jobs", SelectionList).selected
        return [self.jobs[index] for index in sorted(picked)]

    @on(Button.Pressed, "#resume-resume")
    def _resume(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer("resume")

    @on(Button.Pressed, "#resume-discard")
    def _discard(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer("discard")

    @on(Button.Pressed, "#resume-later")
    def _later(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_later()

    def action_answer(self, action: str) -> None:
        jobs = self.chosen()
        if not jobs:
            self.notify("Tick at least one transfer (Space)", severity="warning", markup=False)
            return
        self.dismiss(ResumeAnswer(action, jobs))

    def action_later(self) -> None:
        self.dismiss(None)
