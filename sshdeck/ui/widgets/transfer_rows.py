"""The transfer panel's lines: what it knows of a job, the rows drawn for it, and the list with a cursor.

Part of the transfer panel (`transfer_panel`), split out to keep one idea a
file.  :func:`job_rows` turns a :class:`JobView` into a capped number of
:class:`Row` s (the job, files in flight or finished, a "… and N more" note);
:class:`TransferRows` draws them and its cursor picks what the panel's keys act
on.  Names and titles may carry a server's words: they are drawn escaped, on
one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.binding import Binding
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from sshdeck.core.inert import plain
from sshdeck.core.transfer import TransferProgress

STALL_SECONDS = 1.5  # no progress for this long: the job is waiting (a question, the server), not slow
ITEM_ROWS_PER_JOB = 5

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


def job_rows(view: JobView, now: float) -> list[Row]:
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
