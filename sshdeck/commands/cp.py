"""`sshdeck cp [-r] [-F ssh_config] [--batch] [--accept-new] [--on-conflict=…] SRC… DST`.

Copies files and trees between this machine and SFTP servers, or between two
servers, with the transfer engine (safe walker, atomic commit, resume,
retries).  SRC and DST are local paths or remote targets in the forms
`sshdeck ls` takes (`user@host:path`, `alias:path`, `sftp://user@host:port/path`);
a local path containing ':' before any '/' must be written `./name`.
All sources must be on one side.  DST is a folder to copy into when it
exists as one, otherwise the new name of a single source.  A progress bar
goes to stderr when it is a terminal; the exit status is 0 only when every
item arrived and was verified (1 otherwise, 2 for bad arguments).
`--limit RATE` caps the copy's bandwidth (bytes per second, K/M/G meaning
KiB/MiB/GiB; `0` or `off`: none); settings.toml's [transfers] gives the default.

Every copy is journaled (the same journal the app uses): when a run is cut
short (Ctrl+C, a kill, a lost link), running the same command again
continues from the partial files, unless `--on-conflict` says otherwise.
Ctrl+C, SIGTERM and SIGHUP end the copy cleanly (partial files kept, the
journal marked interrupted); the exit status is then 128 + the signal.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import posixpath
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from typing import IO, Awaitable, Callable

import asyncssh

from sshdeck.commands.connect_flags import add_connect_flags, report_host_key_refusal
from sshdeck.commands.limit_flag import Limits, add_limit_flag, limits_from
from sshdeck.commands import output
from sshdeck.core.fs.listing import human_size
from sshdeck.core.fs.names import display_name
from sshdeck.core.transfer.partials import inspect_partials
from sshdeck.core.ssh.connect_errors import HostKeyRefused
from sshdeck.core.inert import inert, plain
from sshdeck.core.hosts.targets import Target, TargetError, parse_target
from sshdeck.core.transfer import (
    ConflictChoice,
    Endpoint,
    JobRecord,
    Journal,
    LocalEndpoint,
    SftpEndpoint,
    Transfer,
    TransferError,
    TransferOptions,
    TransferProgress,
    TransferReport,
)

NAME = "cp"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="copy files to, from or between SFTP servers",
        description=__doc__.splitlines()[0],
        usage="sshdeck cp [-h] [-r] [-F ssh_config] [--batch] [--accept-new] [--move] [--on-conflict WHEN] [--limit RATE] "
              "SRC... DST",
    )
    parser.add_argument("-r", "--recursive", action="store_true", help="copy folders and their contents")
    add_connect_flags(parser)
    parser.add_argument("--move", action="store_true", help="delete each source after it arrived and was verified")
    parser.add_argument(
        "--on-conflict",
        choices=[c.value for c in ConflictChoice if c is not ConflictChoice.CANCEL],
        default=None,
        help="when the destination exists: overwrite (default), resume, skip, rename (keep both), newer, size; "
        "given, it also starts afresh instead of continuing an interrupted run of the same copy",
    )
    add_limit_flag(parser)
    parser.add_argument("paths", nargs="+", metavar="SRC... DST",
                        help="what to copy, then where to: local paths, host:path or sftp://user@host:port/path")
    return parser


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(run_async(args))
    except KeyboardInterrupt:  # before the loop's handlers were in place
        output.err(INTERRUPTED, file=sys.stderr)
        return 130


INTERRUPTED = "sshdeck cp: interrupted; unfinished files are kept: run the same command again to resume"


# -- connecting: one function, swappable ------------------------------------------------


@dataclass
class Remote:
    """An open SFTP session and how to get a fresh one after a lost link."""

    sftp: asyncssh.SFTPClient
    reconnect: Callable[[], Awaitable[asyncssh.SFTPClient]]
    close: Callable[[], Awaitable[None]]
    label: str
    channels: Callable[[], Awaitable[asyncssh.SFTPClient]] | None = None  # one more SFTP channel (big files)
    commands: Callable[..., Awaitable[asyncssh.SSHClientProcess]] | None = None  # a command channel (server-side checksums)
    tickets: Callable[[], dict | None] | None = None  # a worker process's connection (core/ssh/worker_ticket.py)


async def connect_with_session(target: Target, args: argparse.Namespace, err: IO[str], trust=None) -> Remote:
    """Connect as `sshdeck ls` does: ssh_config, host-key trust prompts (or --batch), every auth method."""
    from sshdeck.commands.ls import cli_callbacks, cli_spec
    from sshdeck.core.ssh.session import Session
    from sshdeck.core.trust import TrustStore

    from sshdeck.core.ssh.login_secrets import LoginSecrets
    from sshdeck.core.ssh.worker_ticket import ticket_for

    spec = cli_spec(target, args)
    secrets = LoginSecrets()  # a password typed here also logs a worker process in (over its pipe), never asked twice
    callbacks = secrets.remembering(cli_callbacks(args, sys.stdin, err))
    session = Session(spec, callbacks, trust=trust if trust is not None else TrustStore())
    await session.connect()

    async def reconnect() -> asyncssh.SFTPClient:
        await session.reconnect()
        return await session.start_sftp_client()

    return Remote(await session.sftp(), reconnect, session.close, str(target.host), session.start_sftp_client,
                  session.create_process, lambda: ticket_for(session, secrets))


CONNECT: Callable[..., Awaitable[Remote]] = connect_with_session


# -- the command ---------------------------------------------------------------------------


@dataclass
class Side:
    """Where paths live: this machine (remote None) or one server."""

    remote: Remote | None = None
    target: Target | None = None


@dataclass
class Job:
    root: str
    name: str
    dst_name: str
    opened: list[Remote] = field(default_factory=list)


def _parse(path: str) -> Target | None:
    """A remote target, or None for a local path (scp's rule: ':' before any '/')."""
    if "://" not in path and (":" not in path or "/" in path.split(":", 1)[0]):
        return None
    return parse_target(path)


async def _split(side_remote: Remote | None, path: str) -> tuple[str, str]:
    """(folder, name) for a source path; the folder resolved, the name kept as typed."""
    if side_remote is None:
        full = os.path.abspath(path)
        return os.path.dirname(full.rstrip("/")) or "/", os.path.basename(full.rstrip("/"))
    parent, name = posixpath.split(path.rstrip("/") or path)
    if name in ("", ".", ".."):
        full = await side_remote.sftp.realpath(path or ".")
        parent, name = posixpath.split(full)
    if parent.startswith("/") and posixpath.normpath(parent) == parent:
        return parent, name  # already absolute and plain: asking the server costs a round trip (0.1 s at 100 ms)
    return await side_remote.sftp.realpath(parent or "."), name


async def run_async(args: argparse.Namespace, *, stderr: IO[str] | None = None, trust=None,
                    journal: Journal | None = None) -> int:
    """The command; Ctrl+C, SIGTERM and SIGHUP stop it cleanly (exit 128 + signal number)."""
    err = stderr or sys.stderr
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    caught: list[int] = []

    def stop(signum: int) -> None:
        if not caught and task is not None:
            caught.append(signum)
            task.cancel()

    installed = []
    for signum in STOP_SIGNALS:
        try:
            loop.add_signal_handler(signum, stop, signum)
            installed.append(signum)
        except (RuntimeError, ValueError, NotImplementedError):  # not the main thread (tests), or no signals
            pass
    try:
        return await _run(args, err, trust, journal)
    except asyncio.CancelledError:
        if not caught:
            raise
        task.uncancel()  # type: ignore[union-attr]
        output.err(("\n" if err.isatty() else "") + INTERRUPTED, file=err)  # off the progress bar's line
        return 128 + caught[0]
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


async def _run(args: argparse.Namespace, err: IO[str], trust, journal: Journal | None) -> int:
    if len(args.paths) < 2:
        output.err("sshdeck cp: need at least one SRC and a DST", file=err)
        return 2
    *sources, destination = args.paths
    limits = limits_from(args, "cp", err)
    if limits is None:
        return 2
    try:
        src_targets = [_parse(p) for p in sources]
        dst_target = _parse(destination)
    except TargetError as exc:
        output.err(f"sshdeck cp: {exc}", file=err)
        return 2
    hosts = {(t.host, t.port, t.user) if t else None for t in src_targets}
    if len(hosts) != 1:
        output.err("sshdeck cp: all sources must be on one side (this machine or one host)", file=err)
        return 2
    opened: list[Remote] = []
    own_journal = journal is None
    if trust is None and any(t is not None for t in [*src_targets, dst_target]):
        from sshdeck.core.trust import TrustStore

        trust = TrustStore()
    try:
        src_remote = await _open(src_targets[0], args, err, opened, trust)
        dst_remote = await _open(dst_target, args, err, opened, trust)
        if journal is None:
            journal = _open_journal(err)
        with limits.total_applied():
            return await _copy_all(args, sources, src_targets, src_remote, destination, dst_target, dst_remote, err,
                                   journal, limits)
    except HostKeyRefused as exc:
        report_host_key_refusal(exc, args, command="cp", target="…", own_file=str(trust.own_file), err=err)
        return 1
    except (OSError, asyncssh.Error, TransferError) as exc:
        reason = inert(exc.reason or str(exc)) if isinstance(exc, asyncssh.Error) else plain(str(exc))
        output.err(f"sshdeck cp: {reason}", file=err)
        return 1
    except Exception as exc:  # noqa: BLE001 - connect errors from the session layer
        output.err(f"sshdeck cp: {exc}", file=err)
        return 1
    finally:
        if own_journal and journal is not None:
            journal.close()
        for remote in opened:
            try:
                await remote.close()
            except Exception:  # noqa: BLE001 - closing a dead link must not hide the result
                pass


def _open_journal(err: IO[str]) -> Journal | None:
    try:
        return Journal()
    except (OSError, sqlite3.Error) as exc:
        output.err(f"sshdeck cp: the transfer journal is unavailable ({exc}); an interrupted copy will restart", file=err)
        return None


async def _open(target: Target | None, args: argparse.Namespace, err: IO[str], opened: list[Remote],
                trust=None) -> Remote | None:
    if target is None:
        return None
    remote = await CONNECT(target, args, err, trust)
    opened.append(remote)
    return remote


def _endpoint(remote: Remote | None, root: str) -> Endpoint:
    if remote is None:
        return LocalEndpoint(root)
    endpoint = SftpEndpoint(remote.sftp, root, label=remote.label, descriptor=f"sftp://{remote.label}",
                            reconnect=remote.reconnect, channels=remote.channels, commands=remote.commands)
    endpoint.worker_ticket = remote.tickets
    return endpoint


async def _copy_all(args, sources, src_targets, src_remote, destination, dst_target, dst_remote, err,
                    journal: Journal | None, limits: Limits = Limits()) -> int:
    dst_path = (dst_target.path if dst_target else destination) or "."
    dst_stat_is_dir = await _is_dir(dst_remote, dst_path)
    if not dst_stat_is_dir and len(sources) > 1:
        output.err(f"sshdeck cp: {destination}: not a folder (needed for several sources)", file=err)
        return 2
    if dst_stat_is_dir:
        dst_root = await _resolve(dst_remote, dst_path)
        dst_name = None
    else:
        dst_root, dst_name = await _split(dst_remote, dst_path)
    options = TransferOptions(
        move=args.move, recursive=args.recursive, conflict=ConflictChoice(args.on_conflict or "overwrite"),
        limit=limits.each,
    )
    bar = ProgressBar(err) if err.isatty() else None
    reports: list[TransferReport] = []
    for path, target in zip(sources, src_targets, strict=True):
        src_root, name = await _split(src_remote, (target.path if target else path) or ".")
        request = [((os.fsencode(name),), (os.fsencode(dst_name or name),))]
        source, dest = _endpoint(src_remote, src_root), _endpoint(dst_remote, dst_root)
        progress = bar.update if bar else None
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
    if bar:
        bar.done()
    return summarize(reports, err, limits.strictest)


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


async def _is_dir(remote: Remote | None, path: str) -> bool:
    if remote is None:
        return os.path.isdir(path)
    try:
        return (await remote.sftp.stat(path)).type == asyncssh.FILEXFER_TYPE_DIRECTORY
    except asyncssh.SFTPNoSuchFile:
        return False


async def _resolve(remote: Remote | None, path: str) -> str:
    return os.path.abspath(path) if remote is None else await remote.sftp.realpath(path)


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


class ProgressBar:
    """One line on stderr, redrawn at the engine's throttled rate."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.started = time.monotonic()

    def update(self, progress: TransferProgress) -> None:
        total = max(progress.bytes_total, 1)
        width = 30
        filled = int(width * min(progress.bytes_done / total, 1.0))
        eta = progress.eta
        line = (
            f"\r[{'#' * filled}{'.' * (width - filled)}] {human_size(progress.bytes_done)}/{human_size(progress.bytes_total)}"
            f" {human_size(int(progress.speed))}/s {progress.items_done}/{progress.items_total} files"
        )
        line += f" ETA {eta:.0f}s " if eta is not None else " "
        self.stream.write(line)
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
