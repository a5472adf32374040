"""What `sshdeck cp` tells the user about a copy: files resuming or restarting, sizes, and the summary line."""

from __future__ import annotations

from typing import IO

from sshdeck.commands import output
from sshdeck.core.fs.listing import human_size
from sshdeck.core.fs.names import display_name
from sshdeck.core.transfer import Endpoint, JobRecord, Journal, TransferReport
from sshdeck.core.transfer.partials import inspect_partials


async def announce_resume(journal: Journal, record: JobRecord, source: Endpoint, dest: Endpoint, err: IO[str]) -> None:
    """Say which files continue from their partial copy ("resuming NAME from 512 MiB") and which restart."""
    for partial in await inspect_partials(journal, record, source, dest):
        shown = display_name(b"/".join(partial.final))
        if partial.continues:
            output.err(f"sshdeck cp: resuming {shown} from {format_size(partial.size)}", file=err)
        else:
            output.err(f"sshdeck cp: restarting {shown}: the source changed since the interrupted run", file=err)


def format_size(count: int) -> str:
    """512 MiB, 1.5 GiB, 300 KiB, 12 B."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" or value >= 100 or value == int(value) else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} B"


def summarize(reports: list[TransferReport], err: IO[str], limit: int = 0) -> int:
    items = [item for report in reports for item in report.items]
    files = [i for i in items if i.kind == "file"]
    copied = sum(r.bytes_copied for r in reports)
    elapsed = sum(r.elapsed for r in reports) or 1e-9
    failed = [f for r in reports for f in r.failed]
    skipped = [s for r in reports for s in r.skipped]
    for item in skipped:
        output.err(f"skipped: {item.error}", file=err)
    for item in failed:
        output.err(f"FAILED: {item.error or item.name}", file=err)
    for note in sorted({n for r in reports for n in r.notes}):
        output.err(f"note: {note}", file=err)
    done = len([i for i in files if i.state.value == "done"])
    output.err(
        f"sshdeck cp: {done} of {len(files)} files copied, {human_size(copied)}B in {elapsed:.1f}s "
        f"({human_size(int(copied / elapsed))}B/s{_limit_text(limit)}), {len(skipped)} skipped, {len(failed)} failed",
        file=err,
    )
    return 0 if not failed else 1


def _limit_text(limit: int) -> str:
    from sshdeck.core.transfer.rate_limit import format_rate

    return f", limit {format_rate(limit)}" if limit else ""
