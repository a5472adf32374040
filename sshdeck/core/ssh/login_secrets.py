"""The password and keyboard-interactive answers typed for one session, kept so a bulk connection needs no second prompt.

A `LoginSecrets` wraps a session's `ConnectCallbacks`: every answer the user
gives passes through unchanged and is remembered, in memory only, under the
account and question it answered.  `replaying()` gives callbacks that answer
the same questions from memory and never ask anyone; a question not seen
before (or a second try after a refusal) gets no answer, so that login fails
and the caller falls back instead of prompting again.  Nothing here is
written, logged or shown; `forget()` drops it all (on disconnect).
"""

from __future__ import annotations

import dataclasses

from sshdeck.core.ssh.auth import ConnectCallbacks, KbdIntChallenge, PasswordRequest

_PasswordKey = tuple[str, str, int]
_KbdIntKey = tuple[str, str, int, tuple[tuple[str, bool], ...]]


class LoginSecrets:
    """What the user typed to log in to one session's hosts (jump hosts included), in memory only."""

    def __init__(self) -> None:
        self._passwords: dict[_PasswordKey, str] = {}
        self._answers: dict[_KbdIntKey, list[str]] = {}

    def __repr__(self) -> str:  # never the secrets themselves
        return f"<LoginSecrets: {len(self._passwords)} password(s), {len(self._answers)} answer set(s)>"

    @property
    def empty(self) -> bool:
        return not self._passwords and not self._answers

    def forget(self) -> None:
        self._passwords.clear()
        self._answers.clear()

    # -- recording ---------------------------------------------------------------------

    def remembering(self, callbacks: ConnectCallbacks) -> ConnectCallbacks:
        """`callbacks` whose password and keyboard-interactive answers are also remembered here."""
        ask_password, ask_kbdint = callbacks.password, callbacks.keyboard_interactive
        password = kbdint = None
        if ask_password is not None:

            async def password(request: PasswordRequest) -> str | None:
                answer = await ask_password(request)
                if answer is not None:
                    # A wrong try is replaced by the next one: the last answer is the one that worked.
                    self._passwords[_password_key(request)] = answer
                return answer

        if ask_kbdint is not None:

            async def kbdint(challenge: KbdIntChallenge) -> list[str] | None:
                answers = await ask_kbdint(challenge)
                if answers is not None:
                    self._answers[_kbdint_key(challenge)] = list(answers)
                return answers

        return dataclasses.replace(callbacks, password=password, keyboard_interactive=kbdint)

    # -- handing over (a worker process's connection, core/ssh/worker_ticket.py) ------------

    def export(self) -> dict:
        """Everything kept, JSON-able, for a worker's stdin only (never argv, env, disk or a log)."""
        return {
            "passwords": [[list(key), answer] for key, answer in self._passwords.items()],
            "answers": [[[key[0], key[1], key[2], [list(p) for p in key[3]]], list(answers)]
                        for key, answers in self._answers.items()],
        }

    @classmethod
    def imported(cls, data: dict | None) -> "LoginSecrets":
        secrets = cls()
        for (user, host, port), answer in (data or {}).get("passwords", []):
            secrets._passwords[(user, host, int(port))] = answer
        for (user, host, round_, prompts), answers in (data or {}).get("answers", []):
            key = (user, host, int(round_), tuple((text, bool(echo)) for text, echo in prompts))
            secrets._answers[key] = list(answers)
        return secrets

    # -- replaying ---------------------------------------------------------------------

    def replaying(self) -> ConnectCallbacks:
        """Callbacks that answer only from memory: no host-key question, no passphrase, no prompt."""

        async def password(request: PasswordRequest) -> str | None:
            if request.attempt > 1:  # the remembered password was refused: do not guess
                return None
            return self._passwords.get(_password_key(request))

        async def kbdint(challenge: KbdIntChallenge) -> list[str] | None:
            answers = self._answers.get(_kbdint_key(challenge))
            return list(answers) if answers is not None else None

        return ConnectCallbacks(
            password=password if self._passwords else None,
            keyboard_interactive=kbdint if self._answers else None,
            server_text=_ignore,  # the banner was shown for the first connection
        )


def _ignore(_text: object) -> None:
    return None


def _password_key(request: PasswordRequest) -> _PasswordKey:
    return (request.user, request.host, request.port)


def _kbdint_key(challenge: KbdIntChallenge) -> _KbdIntKey:
    return (challenge.user, challenge.host, challenge.round, tuple((p.text, p.echo) for p in challenge.prompts))
