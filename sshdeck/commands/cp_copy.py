"""`sshdeck cp`'s copy step, once its sides are open: the journal, one transfer per source, the summary.

Loaded apart from cp.py (it brings in the transfer engine, the journal and
SQLite: ~30 ms), so a copy from or to a server loads it while the connection's
handshake waits on the server (cp.py `_preload`).
"""

from __future__ import annotations

import os
import sqlite3
from typing import IO, Callable

from sshdeck.commands import output
from sshdeck.commands.cp_report import announce_resume, summarize
from sshdeck.commands.cp_sides import Remote, endpoint, is_dir, resolve, split_path
from sshdeck.commands.limit_flag import Limits
from sshdeck.core.transfer import ConflictChoice, Journal, Transfer, TransferOptions, TransferProgress, TransferReport
from sshdeck.core.transfer import LocalEndpoint, SftpEndpoint  # noqa: F401 - loaded with the step (cp_sides.endpoint)


def open_journal(err: IO[str]) -> Journal | None:
    try:
        return Journal()
    except (OSError, sqlite3.Error) as exc:
        output.err(f"sshdeck cp: the transfer journal is unavailable ({exc}); an interrupted copy will restart", file=err)
        return None


async def copy_all(args, sources, src_targets, src_remote: Remote | None, destination, dst_target,
                   dst_remote: Remote | None, err: IO[str], journal: Journal | None, limits: Limits = Limits(),
                   bar: Callable[[IO[str]], object] | None = None) -> int:
    """Copy each source into the destination; `bar` makes the progress bar for a terminal."""
    dst_path = (dst_target.path if dst_target else destination) or "."
    dst_stat_is_dir = await is_dir(dst_remote, dst_path)
    if not dst_stat_is_dir and len(sources) > 1:
        output.err(f"sshdeck cp: {destination}: not a folder (needed for several sources)", file=err)
        return 2
    if dst_stat_is_dir:
        dst_root = await resolve(dst_remote, dst_path)
        dst_name = None
    else:
        dst_root, dst_name = await split_path(dst_remote, dst_path)
    options = TransferOptions(
        move=args.move, recursive=args.recursive, conflict=ConflictChoice(args.on_conflict or "overwrite"),
        limit=limits.each,
    )
    progress_bar = bar(err) if bar is not None and err.isatty() else None
    reports: list[TransferReport] = []
    for path, target in zip(sources, src_targets, strict=True):
        src_root, name = await split_path(src_remote, (target.path if target else path) or ".")
        request = [((os.fsencode(name),), (os.fsencode(dst_name or name),))]
        # Without -r each source is one file, copied as a job of its own.
        source, dest = endpoint(src_remote, src_root), endpoint(dst_remote, dst_root, one_file=not args.recursive)
        progress: Callable[[TransferProgress], None] | None = progress_bar.update if progress_bar else None  # type: ignore[attr-defined]
        earlier = journal.find_unfinished(source.describe(), dest.describe(), request) if journal else None
        if earlier is not None and args.on_conflict is None:
            await announce_resume(journal, earlier, source, dest, err)
            transfer = Transfer.resume_job(earlier, source, dest, journal=journal, on_progress=progress,
                                           options=options)  # this command line decides, as when first run
        else:
            if earlier is not None and journal is not None:
                journal.forget_job(earlier.id)  # --on-conflict given: this run starts afresh
            transfer = Transfer(source, dest, request, options, journal=journal, on_progress=progress)
        reports.append(await transfer.run())
    if progress_bar:
        progress_bar.done()  # type: ignore[attr-defined]
    return summarize(reports, err, limits.strictest)
