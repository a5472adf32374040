"""The transfer panel: total and per-file progress, speed, ETA, and the failures with their reasons.

It is a view: the `TransferController` feeds it (`add_job`, `show_progress`,
`finish_job`) and its keys call back into the controller.  Progress arrives
up to ten times a second per job from the engine; the panel keeps only the
latest figures and redraws at most ten times a second whatever the number
of jobs.  Only a capped number of rows is drawn, however many files are in
flight.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Label, ProgressBar, Static

from sshdeck.core.inert import plain
from sshdeck.core.transfer import ItemState, TransferProgress, TransferReport

if TYPE_CHECKING:
    from sshdeck.ui.transfers import TransferController

REDRAW_INTERVAL = 0.1  # at most ten redraws a second
STALL_SECONDS = 1.5  # no progress for this long: the job is waiting (a question, the server), not slow
ITEM_ROWS_PER_JOB = 5
FAILURES_SHOWN = 200

MARKS = {"planning": "…", "running": "▶", "paused": "⏸", "done": "✓", "failed": "✗", "cancelled": "■"}


def format_bytes(count: float) -> str:
    """`12.4 MiB`: binary units with one decimal, plain bytes below 1 KiB."""
    if count < 1024:
        return f"{int(count)} B"
    value = float(count)
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        value /= 1024
        if value < 1024 or unit == "PiB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _percent(done: int, total: int) -> float:
    return 1.0 if total <= 0 else min(1.0, done / total)


@dataclass
class JobView:
    """What the panel knows about one job."""

    key: int
    title: str
    state: str = "planning"
    progress: TransferProgress | None = None
    updated_at: float = 0.0  # when progress last arrived (monotonic)
    finished_items: list[tuple[str, str, int]] = field(default_factory=list)  # (mark, name, size)
    failures: list[tuple[int, str]] = field(default_factory=list)  # (item id, reason)


    def moving(self, now: float) -> bool:
        """Running with bytes arriving: only then do speed and ETA mean anything."""
        return self.state == "running" and self.progress is not None and now - self.updated_at < STALL_SECONDS


@dataclass(frozen=True)
class Row:
    """One drawn line: a job, a file in flight, or a note."""

    job: int
    item: int | None
    mark: str
    text: str
    fraction: float | None = None
    figures: str = ""
    indent: int = 0


class TransferRows(Widget, can_focus=True):
    """The panel's lines with a cursor; the cursor picks what cancel and retry act on."""

    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False, id="transfer_cursor_up", tooltip="Previous row"),
        Binding("down", "cursor_down", "Down", show=False, id="transfer_cursor_down", tooltip="Next row"),
    ]
    cursor: reactive[int] = reactive(0)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list[Row] = []

    def set_rows(self, rows: list[Row]) -> None:
        self.rows = rows
        self.cursor = min(self.cursor, max(0, len(rows) - 1))
        self.refresh(layout=True)

    @property
    def current(self) -> Row | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_cursor_up(self) -> None:
        self.cursor = max(0, self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.cursor = min(max(0, len(self.rows) - 1), self.cursor + 1)

    def render(self) -> Content:
        if not self.rows:
            return Content.styled("No transfers", "$text-muted")
        width = max(20, self.size.width or 80)
        lines = [self._line(row, width, index == self.cursor) for index, row in enumerate(self.rows)]
        return Content("\n").join(lines)

    def _line(self, row: Row, width: int, is_cursor: bool) -> Content:
        bar_width = 0 if row.fraction is None else (20 if width >= 70 else 10)
        figures = f" {row.figures}" if row.figures else ""
        name_width = max(4, width - row.indent - 2 - bar_width - (1 if bar_width else 0) - len(figures))
        text = plain(row.text)  # names and titles may carry a server's words: escaped, one line
        name = text if len(text) <= name_width else text[: name_width - 1] + "…"
        style = "bold" if row.indent == 0 else ""
        if is_cursor:
            style += " reverse" if self.has_focus else " underline"
        parts = [Content(" " * row.indent + row.mark + " "), Content.styled(name.ljust(name_width), style.strip())]
        if row.fraction is not None:
            done = round(row.fraction * bar_width)
            style = "$success" if row.fraction >= 1 else "$primary"
            parts += [
                Content(" "),
                Content.styled("━" * done, style),
                Content.styled("━" * (bar_width - done), "$panel-lighten-2"),
            ]
        parts.append(Content(figures))
        return Content("").join(parts)


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
        self.rows.set_rows([row for view in views for row in _rows(view, now)])
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


def _rows(view: JobView, now: float) -> list[Row]:
    progress = view.progress
    mark = MARKS.get(view.state, "?")
    if progress is None:
        rows = [Row(view.key, None, mark, view.title, None, view.state)]
    else:
        fraction = _percent(progress.bytes_done, progress.bytes_total)
        figures = f"{progress.items_done}/{progress.items_total} files {fraction:4.0%}"
        if view.moving(now) and progress.speed > 0:
            figures += f" {format_bytes(progress.speed)}/s ETA {format_eta(progress.eta)}"
        elif view.state == "running":
            figures += " waiting"
        elif view.state != "done":
            figures += f" {view.state}"
        rows = [Row(view.key, None, mark, view.title, fraction, figures)]
    if view.state in ("running", "paused", "planning"):
        active = progress.active if progress is not None else ()
        for item in active[:ITEM_ROWS_PER_JOB]:
            part = _percent(item.done, item.size)
            rows.append(
                Row(view.key, item.item_id, "·", item.name, part,
                    f"{part:4.0%} {format_bytes(item.done)}/{format_bytes(item.size)}", indent=2)
            )
        hidden = len(active) - ITEM_ROWS_PER_JOB
        if hidden > 0:
            rows.append(Row(view.key, None, " ", f"… and {hidden} more in flight", indent=2))
        return rows
    for item_mark, name, size in view.finished_items[:ITEM_ROWS_PER_JOB]:
        rows.append(Row(view.key, None, item_mark, name, None, format_bytes(size), indent=2))
    hidden = len(view.finished_items) - ITEM_ROWS_PER_JOB
    if hidden > 0:
        rows.append(Row(view.key, None, " ", f"… and {hidden} more", indent=2))
    return rows
