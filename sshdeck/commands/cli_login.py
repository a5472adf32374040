"""How a subcommand logs in on a terminal: the connection spec for a target and the questions it may ask.

Shared by every subcommand that connects (ls, cp, sync, find, tunnel, keys), so
`sshdeck cp` loads only this, not `sshdeck ls`'s listing code.  Questions go to
the terminal (stderr for text, stdin for answers); `--batch` asks none.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import sys
from typing import IO

from sshdeck.commands import output
from sshdeck.core.hosts.targets import Target
from sshdeck.core.inert import terminal_safe
from sshdeck.core.ssh.auth import ConnectCallbacks, KbdIntChallenge, PassphraseRequest, PasswordRequest, ServerText
from sshdeck.core.ssh.connect_spec import DEFAULT_SSH_CONFIG, ConnectSpec
from sshdeck.core.ssh.profile_connect import spec_for_target
from sshdeck.core.trust import HostKeyCheck, HostKeyDecision, TrustPolicy, unknown_key_text


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
