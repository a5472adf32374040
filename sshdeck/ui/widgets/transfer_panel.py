"""The transfer panel: total and per-file progress, speed, ETA, and the failures with their reasons.

It is a view: the `TransferController` feeds it (`add_job`, `show_progress`,
`finish_job`) and its keys call back into the controller.  Progress arrives
up to ten times a second per job from the engine; the panel keeps only the
latest figures and redraws at most ten times a second whatever the number
of jobs.  Only a capped number of rows is drawn, however many files are in
flight (the rows and the list that draws them: `transfer_rows`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Label, ProgressBar, Static

from sshdeck.core.inert import plain
from sshdeck.core.transfer import ItemState, TransferProgress, TransferReport

# format_bytes stays importable from here: the dialogs take it from this module.
from sshdeck.ui.widgets.transfer_rows import JobView, TransferRows, format_bytes, format_eta, job_rows

if TYPE_CHECKING:
    from sshdeck.ui.transfers import TransferController

REDRAW_INTERVAL = 0.1  # at most ten redraws a second
FAILURES_SHOWN = 200


class TransferPanel(Vertical):
    """Shown under the panes; the main screen's toggle key calls `toggle()`."""

    BINDINGS = [
        Binding("p", "pause", "Pause/resume", id="transfer_pause",
                tooltip="Pause or resume the transfer under the cursor"),
        Binding("x", "cancel", "Cancel", id="transfer_cancel",
                tooltip="Cancel the file or transfer under the cursor; partial files are kept"),
        Binding("r", "retry", "Retry failed", id="transfer_retry",
                tooltip="Run the failed and cancelled files of a finished transfer again"),
        Binding("c", "clear", "Clear finished", id="transfer_clear",
                tooltip="Remove finished transfers from the list"),
        Binding("escape", "hide", "Hide", show=False, id="transfer_hide", tooltip="Hide the panel"),
    ]

    def __init__(self, controller: "TransferController | None" = None, **kwargs) -> None:
        kwargs.setdefault("id", "transfer-panel")
        super().__init__(**kwargs)
        self.controller = controller
        self.jobs: dict[int, JobView] = {}
        self.draws = 0  # redraws so far (tests check the throttle)
        self._timer: Timer | None = None
        self._last_draw = 0.0
        self._ready = False  # children composed: drawing can start
        self._return_focus: Widget | None = None
        self._stale = False  # progress came while its tab was hidden

    def compose(self) -> ComposeResult:
        with Horizontal(id="transfer-head"):
            yield Label("Transfers", id="transfer-title")
            yield Static(id="transfer-summary")
        yield ProgressBar(total=1, show_eta=False, id="transfer-total")
        yield TransferRows(id="transfer-rows")
        with VerticalScroll(id="transfer-failures-scroll"):
            yield Static(id="transfer-failures")

    def on_mount(self) -> None:
        self._ready = True
        if self.controller is not None:
            self.controller.attach(self)
        self._draw()
        self._title()
        # A job that stops moving (a conflict question, a stalled server) must turn to "waiting"
        # even though no progress arrives to trigger a redraw.
        self.set_interval(1.0, self._tick)

    def on_show(self) -> None:
        if self._stale:
            self._draw()

    def on_descendant_focus(self) -> None:
        self._title()

    def on_descendant_blur(self) -> None:
        self._title()

    def _title(self) -> None:
        """The panel's keys work only while it has the focus: its title says which state it is in."""
        focused = self.rows.has_focus
        hint = "p pause · x cancel · r retry · c clear · Esc hide" if focused else "Ctrl+T: its keys"
        self.query_one("#transfer-title", Label).update(Content(f"Transfers  ({hint})"))

    def _tick(self) -> None:
        if self.display and any(v.state == "running" for v in self.jobs.values()):
            self._schedule()

    def on_unmount(self) -> None:
        if self.controller is not None and self.controller.panel is self:
            self.controller.panel = None

    @property
    def rows(self) -> TransferRows:
        return self.query_one(TransferRows)

    # -- fed by the controller -------------------------------------------------------

    def add_job(self, key: int, title: str) -> JobView:
        view = self.jobs[key] = JobView(key, title)
        self._schedule()
        return view

    def show_progress(self, key: int, progress: TransferProgress) -> None:
        view = self.jobs.get(key)
        if view is not None:
            view.progress = progress
            view.updated_at = time.monotonic()
            if view.state == "planning":
                view.state = "running"
            self._schedule()

    def set_state(self, key: int, state: str) -> None:
        view = self.jobs.get(key)
        if view is not None:
            view.state = state
            self._schedule()

    def finish_job(self, key: int, state: str, report: TransferReport | None, error: str = "") -> None:
        """A job ended: its files with their fate (problems first), and its failures with reasons."""
        view = self.jobs.get(key)
        if view is None:
            return
        view.state, view.failures, view.finished_items = state, [], []
        if report is None:
            view.failures.append((-1, error or "the transfer failed"))
        for item in report.items if report is not None else []:
            if item.state in (ItemState.FAILED, ItemState.CANCELLED, ItemState.QUEUED):
                view.failures.append((item.id, item.error or f"{item.name}: {item.state.value}"))
            if item.kind == "file":
                mark = {ItemState.DONE: "✓", ItemState.SKIPPED: "-"}.get(item.state, "✗")
                view.finished_items.append((mark, item.name, item.size))
        view.finished_items.sort(key=lambda row: row[0] == "✓")  # problems first
        self._draw()  # the end of a job is shown at once

    def toggle(self) -> None:
        """Show or hide the panel; shown, it takes the focus, hidden, it gives it back."""
        if self.display and self.rows.has_focus:
            self.action_hide()
        else:
            self._return_focus = self.screen.focused
            self.display = True
            self._draw()
            self.rows.cursor = self._first_running_row()
            self.rows.focus()

    def reveal(self) -> None:
        """Show the panel without taking the focus (a transfer started)."""
        if not self.display:
            self.display = True
            self._draw()

    def limit_changed(self) -> None:
        """The speed limit changed: the border says so at once."""
        self._draw()

    # -- drawing, throttled ------------------------------------------------------------

    def _schedule(self) -> None:
        if self._timer is None and self._ready:
            delay = max(0.001, self._last_draw + REDRAW_INTERVAL - time.monotonic())  # Textual refuses 0
            self._timer = self.set_timer(delay, self._draw)

    def _draw(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self._ready:
            return
        if any(not node.display for node in self.ancestors if isinstance(node, Widget)):
            # Its tab is hidden (a shell in front): a redraw would cost a layout of the whole screen,
            # frames the shell's echo waits behind.  Drawn when shown again (on_show).
            self._stale = True
            return
        self._stale = False
        self._last_draw = time.monotonic()
        self.draws += 1
        views = list(self.jobs.values())
        live = [v for v in views if v.state in ("planning", "running", "paused")] or views
        done = sum(v.progress.bytes_done for v in live if v.progress)
        total = sum(v.progress.bytes_total for v in live if v.progress)
        now = time.monotonic()
        speed = sum(v.progress.speed for v in live if v.progress and v.moving(now))
        bar = self.query_one("#transfer-total", ProgressBar)
        bar.update(total=max(total, 1), progress=total if total and done >= total else done)
        if not views:
            summary = "idle"
        else:
            running = sum(1 for v in views if v.state in ("planning", "running", "paused"))
            eta = (total - done) / speed if speed > 0 else None
            summary = f"{running} running · {format_bytes(done)} of {format_bytes(total)}"
            if running and speed > 0:
                summary += f" · {format_bytes(speed)}/s · ETA {format_eta(eta)}"
            elif running:
                summary += " · waiting"
        # The speed limit sits on the border: the head's line is full at 80 columns.
        self.border_title = (self.controller.limits.label() if self.controller is not None else "") or None
        self.query_one("#transfer-summary", Static).update(Content(summary))
        self.rows.set_rows([row for view in views for row in job_rows(view, now)])
        failures = [(view, item, reason) for view in views for item, reason in view.failures]
        text = self.query_one("#transfer-failures", Static)
        scroll = self.query_one("#transfer-failures-scroll")
        scroll.display = bool(failures)
        if failures:
            lines = [f"Failures ({len(failures)}):"] + [f"  {plain(reason)}" for _v, _i, reason in failures[:FAILURES_SHOWN]]
            if len(failures) > FAILURES_SHOWN:
                lines.append(f"  … and {len(failures) - FAILURES_SHOWN} more")
            text.update(Content("\n".join(lines)))

    def _first_running_row(self) -> int:
        """Where the cursor starts: on the newest job still under way (else where it was)."""
        live = [key for key, view in self.jobs.items() if view.state in ("running", "paused", "planning")]
        if not live:
            return self.rows.cursor
        for index, row in enumerate(self.rows.rows):
            if row.job == live[-1] and row.item is None:
                return index
        return self.rows.cursor

    # -- keys --------------------------------------------------------------------------------

    def _current_job(self) -> tuple[int, int | None] | None:
        row = self.rows.current
        if row is None:
            return None
        return row.job, row.item

    def action_pause(self) -> None:
        picked = self._current_job()
        if picked and self.controller is not None:
            self.controller.toggle_pause(picked[0])

    def action_cancel(self) -> None:
        picked = self._current_job()
        if picked and self.controller is not None:
            self.controller.cancel(picked[0], picked[1])

    def action_retry(self) -> None:
        picked = self._current_job()
        if picked and self.controller is not None:
            self.controller.retry(picked[0])

    def action_clear(self) -> None:
        for key in [k for k, v in self.jobs.items() if v.state in ("done", "failed", "cancelled")]:
            del self.jobs[key]
            if self.controller is not None:
                self.controller.forget(key)
        self._draw()

    def action_hide(self) -> None:
        self.display = False
        back = self._return_focus
        if back is not None and back.is_attached and back.focusable:
            back.focus()
