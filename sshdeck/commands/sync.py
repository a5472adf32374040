"""`sshdeck sync [-F ssh_config] [--batch] [--accept-new] [--dry-run] [--delete] [--checksum] [--exclude GLOB]… SRC DST`.

Makes the folder DST like the folder SRC (local paths or remote targets as
`sshdeck cp` takes them; remote→remote works too): new files are copied,
changed ones (size or mtime, or content with --checksum) replaced atomically
with their mtime kept, and with --delete what SRC lacks is deleted from DST.
--exclude GLOB (repeatable) leaves matching names alone on both sides, as
do the globs of a saved profile SRC or DST names (its `excludes`) and of a
`.sshdeckignore` file at the top of SRC (two-way: of either folder); all
of them apply together.
--two-way propagates changes in both directions against the state of the
last run (kept in the data folder); with --delete a deletion on one side
is repeated on the other if the file did not change there; a file changed
on both sides is a conflict, listed and never overwritten (--keep-both
copies each version across under a "(conflict N)" name).  One line per action on stdout
(`copy PATH`, `update PATH`, `delete PATH`; two-way lines say `>` towards
DST and `<` towards SRC), then a summary; --dry-run prints the plan and
changes nothing.  Exit status 0 on success, 1 on any failure, 2 for bad
arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import IO

import asyncssh

from sshdeck.commands.connect_flags import add_connect_flags
from sshdeck.commands.limit_flag import LIMIT_HELP, Limits, add_limit_flag, limits_from
from sshdeck.commands import output
from sshdeck.commands import cp
from sshdeck.core.hosts.targets import Target, TargetError
from sshdeck.core.sync.ignore_file import IGNORE_FILE, excluding_text
from sshdeck.core.sync.plan import overlap
from sshdeck.core.sync import (
    ActionKind,
    SyncOptions,
    load_state,
    plan_sync,
    plan_two_way,
    record_state,
    run_plan,
)
from sshdeck.core.transfer import Endpoint, TransferError

NAME = "sync"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(NAME, help="make one folder like another (preview with --dry-run)", description=__doc__.splitlines()[0])
    add_connect_flags(parser)
    parser.add_argument("--dry-run", "-n", action="store_true", help="print the plan and change nothing")
    parser.add_argument("--delete", action="store_true", help="delete what the source lacks from the destination")
    parser.add_argument("--checksum", "-c", action="store_true", help="compare contents (reads both sides), not size and time")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="leave matching names alone (repeatable)")
    parser.add_argument("--two-way", action="store_true", help="propagate changes both ways (state kept between runs)")
    parser.add_argument("--keep-both", action="store_true", help="two-way: copy both versions of a conflict under new names")
    add_limit_flag(parser, help="bandwidth limit for the whole run: " + LIMIT_HELP)
    parser.add_argument("src", metavar="SRC")
    parser.add_argument("dst", metavar="DST")
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(run_async(args))
    except KeyboardInterrupt:
        output.err("sshdeck sync: interrupted (unfinished files are kept and resume next time)", file=sys.stderr)
        return 130


async def run_async(args: argparse.Namespace, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    if args.keep_both and not args.two_way:
        output.err("sshdeck sync: --keep-both needs --two-way", file=err)
        return 2
    limits = limits_from(args, "sync", err)
    if limits is None:
        return 2
    try:
        src_target, dst_target = cp._parse(args.src), cp._parse(args.dst)
    except TargetError as exc:
        output.err(f"sshdeck sync: {exc}", file=err)
        return 2
    opened: list[cp.Remote] = []
    try:
        source = await _side(src_target, args.src, args, err, opened, create=False)
        dest = await _side(dst_target, args.dst, args, err, opened, create=not args.two_way and not args.dry_run)
        return await _sync(source, dest, args, out, err, limits)
    except (OSError, asyncssh.Error, TransferError) as exc:
        output.err(f"sshdeck sync: {getattr(exc, 'reason', '') or exc}", file=err)
        return 1
    except Exception as exc:  # noqa: BLE001 - connect errors from the session layer
        output.err(f"sshdeck sync: {exc}", file=err)
        return 1
    finally:
        for remote in opened:
            await remote.close()


async def _side(target: Target | None, typed: str, args, err, opened: list[cp.Remote], *, create: bool) -> Endpoint:
    """The folder as an endpoint; a missing destination folder is made (one level) unless only planning."""
    remote = None
    if target is not None:
        remote = await cp.CONNECT(target, args, err)
        opened.append(remote)
    path = (target.path if target else typed) or "."
    if not await cp._is_dir(remote, path):
        if create and not await _exists(remote, path):
            await _mkdir(remote, path)
        else:
            raise TransferError(f"{typed}: not a folder")
    return cp._endpoint(remote, await cp._resolve(remote, path))


async def _exists(remote: cp.Remote | None, path: str) -> bool:
    if remote is None:
        return os.path.lexists(path)
    try:
        await remote.sftp.lstat(path)
        return True
    except asyncssh.SFTPNoSuchFile:
        return False


async def _mkdir(remote: cp.Remote | None, path: str) -> None:
    if remote is None:
        os.mkdir(path, 0o777)
    else:
        await remote.sftp.mkdir(path)


def profile_excludes(*targets: Target | None) -> list[tuple[str, tuple[str, ...]]]:
    """(profile name, its excludes) for each remote target that names a saved profile (as `sshdeck ls` resolves it)."""
    named = [t for t in targets if t is not None and t.user is None and t.port is None]
    if not named:
        return []
    from sshdeck.core.hosts.profile_store import ProfileStore

    store = ProfileStore.load()
    found: list[tuple[str, tuple[str, ...]]] = []
    for target in named:
        profile = store.find_by_name(target.host)
        if profile is not None and profile.excludes and profile.name not in (name for name, _ in found):
            found.append((profile.name, tuple(profile.excludes)))
    return found


async def _sync(source: Endpoint, dest: Endpoint, args, out: IO[str], err: IO[str], limits: Limits = Limits()) -> int:
    clash = overlap(source, dest)
    if clash:
        output.err(f"sshdeck sync: {clash}", file=err)
        return 2
    given = tuple(args.exclude)
    named = profile_excludes(cp._parse(args.src), cp._parse(args.dst))
    options = SyncOptions(delete=args.delete, checksum=args.checksum, excludes=given + tuple(glob for _, globs in named for glob in globs),
                          keep_both=args.keep_both)
    state = None
    if args.two_way:
        state, problem = load_state(source.describe(), dest.describe())
        if problem:
            output.err(f"note: {problem}", file=err)
        plan = await plan_two_way(source, dest, state, options)
    else:
        plan = await plan_sync(source, dest, options)
    for problem in plan.problems:
        output.err(f"problem: {problem}", file=err)
    for note in plan.notes:
        output.err(f"note: {note}", file=err)
    conflicts = [a for a in plan.actions if a.kind is ActionKind.CONFLICT]
    if args.dry_run:
        for action in plan.actions:
            output.out(action.line(plan.two_way), file=out)
        groups = [("--exclude", given), *((f"profile {name}", globs) for name, globs in named), (IGNORE_FILE, plan.ignore_globs)]
        if any(globs for _, globs in groups):
            output.err(f"sshdeck sync: excluding {excluding_text(groups)}", file=err)
        output.err(f"sshdeck sync: dry run, nothing changed: {plan.summary()}", file=err)
        return 1 if plan.problems else 0
    with limits.total_applied(limits.strictest):  # the whole run is one transfer: one limit for it
        result = await run_plan(source, dest, plan)
    for action in result.done:
        output.out(action.line(plan.two_way), file=out)
    for action in conflicts:
        output.out(action.line(plan.two_way), file=out)
    if args.two_way:
        await record_state(source, dest, options, state)
    for note in sorted(set(result.notes)):
        output.err(f"note: {note}", file=err)
    for failure in result.failures:
        output.err(f"FAILED: {failure}", file=err)
    summary = result.summary() + (f", {len(conflicts)} conflicts" if conflicts else "")
    output.out(summary, file=out)
    return 0 if result.ok and not plan.problems else 1
