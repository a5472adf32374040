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
"""

from __future__ import annotations

import argparse
import asyncio
import os
import posixpath
import sys
import time
from dataclasses import dataclass, field
from typing import IO, Awaitable, Callable

import asyncssh

from sshdeck.commands import output
from sshdeck.core.fs.listing import human_size
from sshdeck.core.inert import inert, plain
from sshdeck.core.hosts.targets import Target, TargetError, parse_target
from sshdeck.core.transfer import (
    ConflictChoice,
    Endpoint,
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
    parser = subparsers.add_parser(NAME, help="copy files to, from or between SFTP servers", description=__doc__.splitlines()[0])
    parser.add_argument("-r", "--recursive", action="store_true", help="copy folders and their contents")
    parser.add_argument("-F", dest="ssh_config", metavar="ssh_config", help="ssh_config file to use (default ~/.ssh/config)")
    parser.add_argument("--batch", action="store_true", help="never prompt; fail instead")
    parser.add_argument("--accept-new", action="store_true", help="trust and save unknown host keys (never changed ones)")
    parser.add_argument("--move", action="store_true", help="delete each source after it arrived and was verified")
    parser.add_argument(
        "--on-conflict",
        choices=[c.value for c in ConflictChoice if c is not ConflictChoice.CANCEL],
        default="overwrite",
        help="when the destination exists: overwrite (default), resume, skip, rename (keep both), newer, size",
    )
    parser.add_argument("paths", nargs="+", metavar="SRC… DST")
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(run_async(args))
    except KeyboardInterrupt:
        output.err("sshdeck cp: interrupted (unfinished files are kept and resume next time)", file=sys.stderr)
        return 130


# -- connecting: one function, swappable ------------------------------------------------


@dataclass
class Remote:
    """An open SFTP session and how to get a fresh one after a lost link."""

    sftp: asyncssh.SFTPClient
    reconnect: Callable[[], Awaitable[asyncssh.SFTPClient]]
    close: Callable[[], Awaitable[None]]
    label: str


async def connect_with_session(target: Target, args: argparse.Namespace, err: IO[str]) -> Remote:
    """Connect as `sshdeck ls` does: ssh_config, host-key trust prompts (or --batch), every auth method."""
    from sshdeck.commands.ls import cli_callbacks, cli_spec
    from sshdeck.core.ssh.session import Session
    from sshdeck.core.trust import TrustStore

    spec = cli_spec(target, args)
    callbacks = cli_callbacks(args, sys.stdin, err)
    session = Session(spec, callbacks, trust=TrustStore())
    await session.connect()

    async def reconnect() -> asyncssh.SFTPClient:
        await session.reconnect()
        return await session.start_sftp_client()

    return Remote(await session.sftp(), reconnect, session.close, str(target.host))


CONNECT: Callable[[Target, argparse.Namespace, IO[str]], Awaitable[Remote]] = connect_with_session


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
    return await side_remote.sftp.realpath(parent or "."), name


async def run_async(args: argparse.Namespace, *, stderr: IO[str] | None = None) -> int:
    err = stderr or sys.stderr
    if len(args.paths) < 2:
        output.err("sshdeck cp: need at least one SRC and a DST", file=err)
        return 2
    *sources, destination = args.paths
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
    try:
        src_remote = await _open(src_targets[0], args, err, opened)
        dst_remote = await _open(dst_target, args, err, opened)
        return await _copy_all(args, sources, src_targets, src_remote, destination, dst_target, dst_remote, err)
    except (OSError, asyncssh.Error, TransferError) as exc:
        reason = inert(exc.reason or str(exc)) if isinstance(exc, asyncssh.Error) else plain(str(exc))
        output.err(f"sshdeck cp: {reason}", file=err)
        return 1
    except Exception as exc:  # noqa: BLE001 - connect errors from the session layer
        output.err(f"sshdeck cp: {exc}", file=err)
        return 1
    finally:
        for remote in opened:
            await remote.close()


async def _open(target: Target | None, args: argparse.Namespace, err: IO[str], opened: list[Remote]) -> Remote | None:
    if target is None:
        return None
    remote = await CONNECT(target, args, err)
    opened.append(remote)
    return remote


def _endpoint(remote: Remote | None, root: str) -> Endpoint:
    if remote is None:
        return LocalEndpoint(root)
    return SftpEndpoint(remote.sftp, root, label=remote.label, descriptor=f"sftp://{remote.label}", reconnect=remote.reconnect)


async def _copy_all(args, sources, src_targets, src_remote, destination, dst_target, dst_remote, err) -> int:
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
        move=args.move, recursive=args.recursive, conflict=ConflictChoice(args.on_conflict)
    )
    bar = ProgressBar(err) if err.isatty() else None
    reports: list[TransferReport] = []
    for path, target in zip(sources, src_targets, strict=True):
        src_root, name = await _split(src_remote, (target.path if target else path) or ".")
        request = [((os.fsencode(name),), (os.fsencode(dst_name or name),))]
        transfer = Transfer(
            _endpoint(src_remote, src_root), _endpoint(dst_remote, dst_root), request, options,
            on_progress=bar.update if bar else None,
        )
        reports.append(await transfer.run())
    if bar:
        bar.done()
    return summarize(reports, err)


async def _is_dir(remote: Remote | None, path: str) -> bool:
    if remote is None:
        return os.path.isdir(path)
    try:
        return (await remote.sftp.stat(path)).type == asyncssh.FILEXFER_TYPE_DIRECTORY
    except asyncssh.SFTPNoSuchFile:
        return False


async def _resolve(remote: Remote | None, path: str) -> str:
    return os.path.abspath(path) if remote is None else await remote.sftp.realpath(path)


def summarize(reports: list[TransferReport], err: IO[str]) -> int:
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
        f"({human_size(int(copied / elapsed))}B/s), {len(skipped)} skipped, {len(failed)} failed",
        file=err,
    )
    return 0 if not failed else 1


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
