"""`sshdeck ls [-F ssh_config] [--batch] [--accept-new] TARGET`: list a remote folder.

TARGET is `user@host:path`, `alias:path` (a saved profile's name or an
ssh_config Host) or
`sftp://user@host:port/path`.  It connects through the same session manager,
host-key checks and authentication as the TUI.  Questions go to the terminal
(stderr for text, stdin for answers); `--batch` never asks: an unknown host
key fails with its fingerprint and how to trust it, a changed key with
OpenSSH's warning.  Exit status 0 on success, 1 on failure, 2 on a bad TARGET.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import stat
import sys
from typing import IO

import asyncssh

from sshdeck.commands import output
from sshdeck.core.inert import terminal_safe
from sshdeck.core.ssh.auth import (
    ConnectCallbacks,
    KbdIntChallenge,
    PassphraseRequest,
    PasswordRequest,
    ServerText,
    escape_server_text,
)
from sshdeck.core.ssh.connect_errors import ConnectError, HostKeyRefused
from sshdeck.core.ssh.connect_spec import DEFAULT_SSH_CONFIG, ConnectSpec
from sshdeck.core.ssh.session import Session
from sshdeck.core.ssh.profile_connect import spec_for_target
from sshdeck.core.hosts.targets import Target, TargetError, parse_target
from sshdeck.core.trust import (
    HostKeyCheck,
    HostKeyDecision,
    TrustPolicy,
    TrustStore,
    refusal_text,
    unknown_key_text,
)

NAME = "ls"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="list a remote folder",
        description="List a remote folder over SFTP, with the same host-key checks as the app.",
    )
    parser.add_argument("-F", dest="ssh_config", metavar="ssh_config", help="ssh_config file to use (default ~/.ssh/config)")
    parser.add_argument("--batch", action="store_true", help="never prompt; fail instead")
    parser.add_argument("--accept-new", action="store_true", help="trust and save unknown host keys (never changed ones)")
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
        sftp = await session.sftp()
        names = await _list(sftp, target.path or ".")
    except HostKeyRefused as exc:
        output.err(refusal_text(exc.check, own_file=str(trust.own_file)), file=err)
        output.err(f"sshdeck ls: {_host_key_reason(exc, args)}", file=err)
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
    for name in names:
        output.out(name, file=out)
    return 0


def cli_callbacks(args: argparse.Namespace, stdin: IO[str], err: IO[str]) -> ConnectCallbacks:
    """Questions on the terminal, or none at all with --batch (shared by ls and cp)."""
    prompts = TerminalPrompts(stdin, err)
    callbacks = ConnectCallbacks(server_text=prompts.server_text, notice=prompts.notice)
    if not args.batch:
        callbacks.decide_host_key = prompts.decide_host_key
        callbacks.passphrase = prompts.passphrase
        callbacks.password = prompts.password
        callbacks.keyboard_interactive = prompts.keyboard_interactive
    return callbacks


def cli_spec(target: Target, args: argparse.Namespace) -> ConnectSpec:
    """A saved profile named like the target's host wins; otherwise ssh_config resolves it."""
    spec, _profile = spec_for_target(target, ssh_config=args.ssh_config or DEFAULT_SSH_CONFIG)
    if args.accept_new and spec.policy == TrustPolicy.ASK:
        spec = dataclasses.replace(spec, policy=TrustPolicy.ACCEPT_NEW)
    return spec


def _host_key_reason(exc: HostKeyRefused, args: argparse.Namespace) -> str:
    check = exc.check
    if check.may_ask and args.batch:
        return (
            f"host key for {check.name} is not known ({check.key_type} {check.fingerprint}); "
            f"if that fingerprint is right, trust it with: sshdeck ls --accept-new {args.target}"
        )
    return str(exc)


async def _list(sftp: asyncssh.SFTPClient, path: str) -> list[str]:
    entries = await sftp.readdir(path)
    names = []
    for entry in sorted(entries, key=lambda e: str(e.filename)):
        name = str(entry.filename)
        if name in (".", ".."):
            continue
        shown = escape_server_text(name, keep_newlines=False).replace("\n", "\\n").replace("\t", "\\t")
        if entry.attrs.permissions is not None and stat.S_ISDIR(entry.attrs.permissions):
            shown += "/"
        names.append(shown)
    return names


class TerminalPrompts:
    """ConnectCallbacks answered on a terminal: text to stderr, answers from stdin (secrets unechoed)."""

    def __init__(self, stdin: IO[str], stderr: IO[str]) -> None:
        self.stdin = stdin
        self.stderr = stderr

    def _say(self, text: str) -> None:
        output.err(text, file=self.stderr, flush=True)

    async def _ask(self, prompt: str, *, secret: bool = False) -> str | None:
        def read() -> str | None:
            if secret and self.stdin is sys.stdin:
                return getpass.getpass(terminal_safe(prompt), stream=self.stderr)
            self.stderr.write(terminal_safe(prompt))
            self.stderr.flush()
            line = self.stdin.readline()
            return line.rstrip("\n") if line else None

        try:
            return await asyncio.get_running_loop().run_in_executor(None, read)
        except (EOFError, OSError):
            return None

    def server_text(self, text: ServerText) -> None:
        self._say(text.labelled())

    def notice(self, message: str) -> None:
        self._say(f"sshdeck: {message}")

    async def decide_host_key(self, check: HostKeyCheck) -> HostKeyDecision:
        self._say(unknown_key_text(check))
        answer = await self._ask(
            "Trust this host? [r]eject, connect [o]nce, [s]ave, or paste the expected fingerprint [r]: "
        )
        answer = (answer or "").strip()
        if answer.lower() in ("o", "once"):
            return HostKeyDecision.ONCE
        if answer.lower() in ("s", "save", "yes"):
            return HostKeyDecision.TRUST_AND_SAVE
        if answer.startswith("SHA256:") or len(answer) >= 40:
            if check.matches_fingerprint(answer):
                return HostKeyDecision.TRUST_AND_SAVE
            self._say("The fingerprint you pasted does not match the server's.")
        return HostKeyDecision.REJECT

    async def passphrase(self, request: PassphraseRequest) -> str | None:
        if request.error:
            self._say(request.error)
        return await self._ask(f"Passphrase for key {request.path}: ", secret=True)

    async def password(self, request: PasswordRequest) -> str | None:
        if request.error:
            self._say(request.error)
        return await self._ask(f"{request.user}@{request.host}'s password: ", secret=True)

    async def keyboard_interactive(self, challenge: KbdIntChallenge) -> list[str] | None:
        for text in (challenge.name, challenge.instructions):
            if text:
                self._say(f"[from {challenge.host}] {text}")
        answers = []
        for prompt in challenge.prompts:
            answer = await self._ask(f"[from {challenge.host}] {prompt.text}", secret=not prompt.echo)
            if answer is None:
                return None
            answers.append(answer)
        return answers


__all__ = ["add_parser", "run", "run_async"]
