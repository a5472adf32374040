"""`sshdeck cp`'s two sides: a connection to a server (or none, for this machine) and the paths on it.

`Remote` is an open SFTP session and how to get a fresh one after a lost link;
`connect_with_session` opens one the way `sshdeck ls` does (cp.py calls it
through `cp.CONNECT`, which tests replace).  The path helpers answer the same
questions on either side: is a path remote (scp's rule), its folder and name,
is it a folder, its absolute form, and the transfer endpoint for a folder.
"""

from __future__ import annotations

import argparse
import os
import posixpath
import sys
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Awaitable, Callable

import asyncssh

# What connecting needs is loaded here, with cp.py, before cp's copy step starts loading in a thread.
from sshdeck.commands.cli_login import cli_callbacks, cli_spec
from sshdeck.core.hosts.targets import Target, parse_target
from sshdeck.core.ssh.login_secrets import LoginSecrets
from sshdeck.core.ssh.session import Session
from sshdeck.core.ssh.worker_ticket import ticket_for
from sshdeck.core.trust import TrustStore

if TYPE_CHECKING:
    from sshdeck.core.transfer import Endpoint


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


def parse_path(path: str) -> Target | None:
    """A remote target, or None for a local path (scp's rule: ':' before any '/')."""
    if "://" not in path and (":" not in path or "/" in path.split(":", 1)[0]):
        return None
    return parse_target(path)


async def split_path(side_remote: Remote | None, path: str) -> tuple[str, str]:
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


async def is_dir(remote: Remote | None, path: str) -> bool:
    if remote is None:
        return os.path.isdir(path)
    try:
        return (await remote.sftp.stat(path)).type == asyncssh.FILEXFER_TYPE_DIRECTORY
    except asyncssh.SFTPNoSuchFile:
        return False


async def resolve(remote: Remote | None, path: str) -> str:
    return os.path.abspath(path) if remote is None else await remote.sftp.realpath(path)


def endpoint(remote: Remote | None, root: str, *, one_file: bool = False) -> Endpoint:
    """The transfer endpoint for folder `root`; `one_file`: only one file will be written there (no -r), so
    a local side fsyncs it rather than share a syncfs of the whole file system (LocalEndpoint's `group_sync`)."""
    from sshdeck.core.transfer.local import LocalEndpoint
    from sshdeck.core.transfer.sftp import SftpEndpoint

    if remote is None:
        return LocalEndpoint(root, group_sync=not one_file)
    side = SftpEndpoint(remote.sftp, root, label=remote.label, descriptor=f"sftp://{remote.label}",
                        reconnect=remote.reconnect, channels=remote.channels, commands=remote.commands)
    side.worker_ticket = remote.tickets
    return side
