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
import importlib
import signal
import sys
import threading
import time
from typing import IO, TYPE_CHECKING, Awaitable, Callable

import asyncssh

from sshdeck.commands.connect_flags import add_connect_flags, report_host_key_refusal
from sshdeck.commands.cp_sides import (  # noqa: F401 - the old private names: sync.py and tests use them
    Remote,
    connect_with_session,
    endpoint as _endpoint,
    is_dir as _is_dir,
    parse_path as _parse,
    resolve as _resolve,
    split_path as _split,
)
from sshdeck.commands.limit_flag import add_limit_flag, limits_from
from sshdeck.commands import output
from sshdeck.core.ssh.connect_errors import HostKeyRefused
from sshdeck.core.inert import inert, plain
from sshdeck.core.hosts.targets import Target, TargetError

if TYPE_CHECKING:
    from sshdeck.core.transfer import Journal, TransferProgress

NAME = "cp"
# ConflictChoice's values but "cancel" (a test holds them equal): the parser is built without loading the engine.
CONFLICT_CHOICES = ("overwrite", "resume", "skip", "rename", "newer", "size")


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
        choices=CONFLICT_CHOICES,
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
        return asyncio.run(run_async(args, exiting=True))
    except KeyboardInterrupt:  # before the loop's handlers were in place
        output.err(INTERRUPTED, file=sys.stderr)
        return 130


INTERRUPTED = "sshdeck cp: interrupted; unfinished files are kept: run the same command again to resume"


# -- connecting: one function, swappable (tests connect their own way) ----------------------

CONNECT: Callable[..., Awaitable[Remote]] = connect_with_session


# -- the command ---------------------------------------------------------------------------


async def run_async(args: argparse.Namespace, *, stderr: IO[str] | None = None, trust=None,
                    journal: Journal | None = None, exiting: bool = False) -> int:
    """The command; Ctrl+C, SIGTERM and SIGHUP stop it cleanly (exit 128 + signal number).

    `exiting`: the process ends when this returns (the `sshdeck cp` command), so its own journal is
    committed and left unclosed (`Journal.close(checkpoint=False)`).
    """
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
        return await _run(args, err, trust, journal, exiting)
    except asyncio.CancelledError:
        if not caught:
            raise
        task.uncancel()  # type: ignore[union-attr]
        output.err(("\n" if err.isatty() else "") + INTERRUPTED, file=err)  # off the progress bar's line
        return 128 + caught[0]
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


async def _run(args: argparse.Namespace, err: IO[str], trust, journal: Journal | None, exiting: bool = False) -> int:
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
    remote = any(t is not None for t in [*src_targets, dst_target])
    if trust is None and remote:
        from sshdeck.core.trust import TrustStore

        trust = TrustStore()
    preload = _preload() if remote else None
    try:
        src_remote = await _open(src_targets[0], args, err, opened, trust)
        dst_remote = await _open(dst_target, args, err, opened, trust)
        if preload is not None:
            preload.join()
        from sshdeck.commands.cp_copy import copy_all, open_journal

        if journal is None:
            journal = open_journal(err)
        with limits.total_applied():
            return await copy_all(args, sources, src_targets, src_remote, destination, dst_target, dst_remote, err,
                                  journal, limits, ProgressBar)
    except HostKeyRefused as exc:
        report_host_key_refusal(exc, args, command="cp", target="…", own_file=str(trust.own_file), err=err)
        return 1
    except (OSError, asyncssh.Error) as exc:
        reason = inert(exc.reason or str(exc)) if isinstance(exc, asyncssh.Error) else plain(str(exc))
        output.err(f"sshdeck cp: {reason}", file=err)
        return 1
    except Exception as exc:  # noqa: BLE001 - connect errors from the session layer
        if preload is not None:
            preload.join()  # its imports done before this one
        from sshdeck.core.transfer.errors import TransferError

        output.err(f"sshdeck cp: {plain(str(exc)) if isinstance(exc, TransferError) else exc}", file=err)
        return 1
    finally:
        if own_journal and journal is not None:
            journal.close(checkpoint=not exiting)
        for remote_side in opened:
            try:
                await remote_side.close()
            except Exception:  # noqa: BLE001 - closing a dead link must not hide the result
                pass


# What connecting loads on first use that the copy step loads too: the user's name (getpass), the default
# executor asyncssh builds its options in.
CONNECT_LOADS = ("pwd", "concurrent.futures.thread")


def _preload() -> threading.Thread | None:
    """Load the copy step (the transfer engine, the journal, SQLite: ~30 ms of a start) in a thread.

    Started just before connecting: the handshake spends most of its ~0.1 s waiting on the
    server, and the imports run in that wait instead of after it.  Everything the connection
    itself imports is loaded before (cp_sides, CONNECT_LOADS), so the two threads share no module in loading.
    A failure here is left for the real import after the connection to report.
    """
    if "sshdeck.commands.cp_copy" in sys.modules:
        return None
    for name in CONNECT_LOADS:  # loaded here first, or the handshake would wait for the thread's import lock
        try:
            importlib.import_module(name)
        except ImportError:
            pass

    def load() -> None:
        try:
            import sshdeck.commands.cp_copy  # noqa: F401
        except BaseException:  # noqa: BLE001 - the import after connecting raises it again, where it is reported
            pass

    thread = threading.Thread(target=load, name="sshdeck-cp-preload", daemon=True)
    thread.start()
    return thread


async def _open(target: Target | None, args: argparse.Namespace, err: IO[str], opened: list[Remote],
                trust=None) -> Remote | None:
    if target is None:
        return None
    remote = await CONNECT(target, args, err, trust)
    opened.append(remote)
    return remote


class ProgressBar:
    """One line on stderr, redrawn at the engine's throttled rate."""

    def __init__(self, stream: IO[str]) -> None:
        from sshdeck.core.fs.listing import human_size

        self.stream = stream
        self.started = time.monotonic()
        self._size = human_size

    def update(self, progress: TransferProgress) -> None:
        human_size = self._size
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
