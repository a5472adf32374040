"""`sshdeck ls [-F ssh_config] [--batch] [--accept-new] TARGET`: list a remote folder.

TARGET is `user@host:path`, `alias:path` (a saved profile's name or an
ssh_config Host) or
`sftp://user@host:port/path`.  It connects through the same session manager,
host-key checks and authentication as the TUI, and lists with the panes'
pipelined, capped listing (core/fs): names are printed as they arrive, so
memory stays flat however big the folder.  Up to `SORTED_UP_TO` names come
out sorted; a bigger folder is printed in the server's order (said on
stderr).  A folder past the listing limit (settings.toml [limits]) prints
what came before it, then the limit's message, and exits 1; a host without
SFTP says so in the app's words.  Questions go to the terminal (stderr for
text, stdin for answers); `--batch` never asks: an unknown host key fails
with its fingerprint and how to trust it, a changed key with OpenSSH's
warning.  Exit status 0 on success, 1 on failure, 2 on a bad TARGET.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from operator import itemgetter
from typing import IO, AsyncIterator

import asyncssh

from sshdeck.commands.cli_login import TerminalPrompts, cli_callbacks, cli_spec  # noqa: F401 - also ls's API
from sshdeck.commands.connect_flags import add_connect_flags, report_host_key_refusal
from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.fs.errors import FileSystemError
from sshdeck.core.fs.sftp import SftpFS
from sshdeck.core.ssh.account import NO_FILE_ACCESS, open_sftp_or_none
from sshdeck.commands import output
from sshdeck.core.ssh.auth import escape_server_text
from sshdeck.core.ssh.connect_errors import ConnectError, HostKeyRefused
from sshdeck.core.ssh.session import Session
from sshdeck.core.hosts.targets import TargetError, parse_target
from sshdeck.core.trust import TrustStore

NAME = "ls"
# Folders up to this many entries are printed sorted by name; beyond it the
# names stream out in the server's order (holding millions to sort would not).
SORTED_UP_TO = 100_000


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="list a remote folder",
        description="List a remote folder over SFTP, with the same host-key checks as the app.",
    )
    add_connect_flags(parser)
    parser.add_argument("target", metavar="TARGET", help="user@host:path, alias:path or sftp://user@host:port/path")
    return parser


def run(args: argparse.Namespace) -> int:
    """Entry point used by cli.py."""
    try:
        return asyncio.run(run_async(args))
    except KeyboardInterrupt:
        output.err("sshdeck ls: interrupted", file=sys.stderr)
        return 130


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
    try:
        target = parse_target(args.target)
    except TargetError as exc:
        output.err(f"sshdeck ls: {exc}", file=err)
        return 2
    spec = cli_spec(target, args)
    trust = trust or TrustStore()
    callbacks = cli_callbacks(args, stdin or sys.stdin, err)
    session = Session(spec, callbacks, trust=trust)
    try:
        await session.connect()
        sftp = await open_sftp_or_none(session.sftp)
        if sftp is None:
            # The same detection and words as the app's file pane (core/ssh/account.py).
            output.err(f"sshdeck ls: {NO_FILE_ACCESS}", file=err)
            return 1
        return await _print_listing(SftpFS(sftp, spec.host), target.path or ".", out, err)
    except HostKeyRefused as exc:
        report_host_key_refusal(exc, args, command="ls", target=args.target, own_file=str(trust.own_file), err=err)
        return 1
    except ConnectError as exc:
        output.err(f"sshdeck ls: {exc}", file=err)
        return 1
    except (asyncssh.SFTPError, asyncssh.ChannelOpenError) as exc:
        reason = escape_server_text(str(getattr(exc, "reason", exc)), keep_newlines=False)
        output.err(f"sshdeck ls: cannot list {escape_server_text(target.path or '~', keep_newlines=False)}: {reason}", file=err)
        return 1
    finally:
        await session.close()


async def _print_listing(fs: SftpFS, path: str, out: IO[str], err: IO[str]) -> int:
    """Print `path`'s names as they stream in; 1 (with the reason on `err`) when the listing fails."""
    try:
        async for names in _names(fs.list(path), err):
            if names:
                # One write per batch; `output` still makes the whole text terminal-safe.
                output.out("\n".join(names), file=out)
    except FileSystemError as exc:
        out.flush()
        output.err(f"sshdeck ls: {exc}", file=err)
        return 1
    return 0


async def _names(batches: AsyncIterator[list[Entry]], err: IO[str]) -> AsyncIterator[list[str]]:
    """Shown names: sorted when the folder is small, else in the order they arrive.

    The work is done batch by batch while the next replies are on their way:
    each batch's shown names are made and sorted by raw name as it arrives, so
    the sort at the end only merges sorted runs (timsort finds them) and the
    printing starts right after the last reply.
    """
    held: list[tuple[bytes, str]] = []
    streaming = False
    try:
        async for batch in batches:
            if streaming:
                yield _shown_names(batch)
                continue
            pairs = _named(batch)
            pairs.sort(key=_first)
            held.extend(pairs)
            if len(held) > SORTED_UP_TO:
                streaming = True
                output.err(f"sshdeck ls: more than {SORTED_UP_TO:,} entries: printed in the server's order", file=err,
                           flush=True)
                yield list(map(_second, held))
                held = []
    except FileSystemError:
        # The listing stopped (a limit, a lost link): what came before it is printed first.
        if held:
            held.sort(key=_first)
            yield list(map(_second, held))
        raise
    if held:
        held.sort(key=_first)
        yield list(map(_second, held))


_first = itemgetter(0)
_second = itemgetter(1)
_DIR = EntryKind.DIR
_LINK = EntryKind.LINK


def _named(batch: list[Entry]) -> list[tuple[bytes, str]]:
    """(raw name, shown name) of each entry: `Entry.is_dir` inlined, it runs once per entry."""
    return [
        (e.name, e.display + "/" if e.kind is _DIR or (e.kind is _LINK and e.target_is_dir) else e.display)
        for e in batch
    ]


def _shown_names(batch: list[Entry]) -> list[str]:
    # `display` is the escaped form (no control character reaches the terminal).
    return [
        e.display + "/" if e.kind is _DIR or (e.kind is _LINK and e.target_is_dir) else e.display
        for e in batch
    ]


__all__ = ["add_parser", "run", "run_async"]
