"""`sshdeck find [-F ssh_config] [--batch] [--accept-new] TARGET [--name GLOB] [--content TEXT] [--max-depth N]`.

Searches below a remote folder (TARGET as `sshdeck ls` takes it) or a local
one (a path with no ':' before its first '/', as scp reads it), with the
same core search as the app's Find screen (core/find.py): folders listed
several at a time over the one SFTP session, symlinks never followed.
Paths are printed one a line as they are found, escaped (server names are
untrusted).  Exit status like grep's: 0 when something was found, 1 when
nothing was, 2 on an error (a bad TARGET, a failed connection, a folder
that could not be searched).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import IO

import asyncssh

from sshdeck.commands import output
from sshdeck.commands.connect_flags import add_connect_flags, report_host_key_refusal
from sshdeck.core.find import FindProblem, FindQuery, find
from sshdeck.core.fs.base import FileSystem
from sshdeck.core.fs.errors import FileSystemError
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.fs.names import display_path
from sshdeck.core.fs.sftp import SftpFS
from sshdeck.core.hosts.targets import TargetError, parse_target
from sshdeck.core.ssh.account import NO_FILE_ACCESS, open_sftp_or_none
from sshdeck.core.ssh.auth import escape_server_text
from sshdeck.core.ssh.connect_errors import ConnectError, HostKeyRefused
from sshdeck.core.ssh.session import Session
from sshdeck.core.trust import TrustStore
from sshdeck.commands.cli_login import cli_callbacks, cli_spec

NAME = "find"
FOUND, NOTHING, ERROR = 0, 1, 2


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="find files below a remote (or local) folder",
        description="Find files by name and content below a remote folder over SFTP (or a local folder).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Paths are printed one a line as they are found (unprintable characters escaped).\n"
            "Symlinks are listed when they match but never followed.\n\n"
            "Exit status: 0 if something was found, 1 if nothing was, 2 on an error\n"
            "(a bad TARGET, a failed connection, or a folder that could not be searched;\n"
            "what was found is printed all the same)."
        ),
    )
    add_connect_flags(parser)
    parser.add_argument("target", metavar="TARGET", help="user@host:path, alias:path, sftp://user@host:port/path, or a local path")
    parser.add_argument("--name", default="", metavar="GLOB", help="names matching this glob (*, ?, [..]); case-insensitive")
    parser.add_argument("--case-sensitive", action="store_true", help="match --name and --content case-sensitively")
    parser.add_argument("--content", default="", metavar="TEXT", help="files containing TEXT (binary files and files over 64 MiB skipped)")
    parser.add_argument("--max-depth", type=_depth, metavar="N", help="1: the folder's own entries only; 2: one level below too; …")
    return parser


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(run_async(args))
    except KeyboardInterrupt:
        output.err("sshdeck find: interrupted", file=sys.stderr)
        return 130


def _is_local(text: str) -> bool:
    # scp's rule: a ':' before any '/' makes it remote.
    return "://" not in text and (":" not in text or "/" in text.split(":", 1)[0])


def query_from(args: argparse.Namespace) -> FindQuery:
    return FindQuery(name=args.name, content=args.content, ignore_case=not args.case_sensitive, max_depth=args.max_depth)


async def run_async(
    args: argparse.Namespace,
    *,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    trust: TrustStore | None = None,
) -> int:
    """The command itself; streams and trust store are injectable for tests."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    query = query_from(args)
    if _is_local(args.target):
        return await _search(LocalFS(), args.target, query, out, err)
    try:
        target = parse_target(args.target)
    except TargetError as exc:
        output.err(f"sshdeck find: {exc}", file=err)
        return ERROR
    spec = cli_spec(target, args)
    trust = trust or TrustStore()
    session = Session(spec, cli_callbacks(args, stdin or sys.stdin, err), trust=trust)
    try:
        await session.connect()
        sftp = await open_sftp_or_none(session.sftp)
        if sftp is None:
            output.err(f"sshdeck find: {NO_FILE_ACCESS}", file=err)
            return ERROR
        fs = SftpFS(sftp, spec.host)
        folder = target.path or "."
        return await _search(fs, folder, query, out, err)
    except HostKeyRefused as exc:
        report_host_key_refusal(exc, args, command="find", target=args.target, own_file=str(trust.own_file), err=err)
        return ERROR
    except ConnectError as exc:
        output.err(f"sshdeck find: {exc}", file=err)
        return ERROR
    except (asyncssh.SFTPError, asyncssh.ChannelOpenError) as exc:
        reason = escape_server_text(str(getattr(exc, "reason", exc)), keep_newlines=False)
        output.err(f"sshdeck find: {reason}", file=err)
        return ERROR
    finally:
        await session.close()


async def _search(fs: FileSystem, folder: str, query: FindQuery, out: IO[str], err: IO[str]) -> int:
    found = 0
    problems = 0

    def problem(item: FindProblem) -> None:
        nonlocal problems
        problems += item.error
        out.flush()
        output.err(f"sshdeck find: {item.message}", file=err, flush=True)

    try:
        async with contextlib.aclosing(find(fs, folder, query, on_problem=problem)) as results:
            async for path, _entry in results:
                found += 1
                output.out(display_path(path), file=out)
    except FileSystemError as exc:
        out.flush()
        output.err(f"sshdeck find: {exc}", file=err)
        return ERROR
    out.flush()
    if problems:
        return ERROR
    return FOUND if found else NOTHING


__all__ = ["add_parser", "run", "run_async"]
