"""What the user is asked while connecting, and the shapes those questions take.

The UI (a modal), the CLI (a terminal prompt) or a batch job (no one) answers
through the awaitables in `ConnectCallbacks`; core never decides for the user.
Secrets pass straight from a callback to asyncssh and are never stored or
logged.  Text the server chose (banners, keyboard-interactive prompts) is
escaped of control characters and marked as the server's before anyone sees it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Awaitable, Callable

import asyncssh

from sshdeck.core.inert import Inert, inert
from sshdeck.core.trust.check import HostKeyCheck, HostKeyDecision

EXPIRY_WARNING_SECONDS = 3600
MAX_PASSPHRASE_TRIES = 3
MAX_PASSWORD_TRIES = 3


def escape_server_text(text: str, *, keep_newlines: bool = True) -> Inert:
    """`text` with control and format characters (ESC, CR, bidi overrides…) made visible.

    A server must not be able to move the cursor, recolour the screen or
    reorder what the user reads next to its words.  The rule is
    `sshdeck.core.inert.inert`; `keep_newlines=False` makes one line.
    """
    return inert(text, one_line=not keep_newlines)


@dataclass(frozen=True)
class ServerText:
    """Text the server sent (a login banner, keyboard-interactive instructions).

    Already escaped; show it as plain text, visibly attributed to the server.
    """

    kind: str  # "banner" or "instructions"
    text: str
    host: str
    source: str = "server"

    def labelled(self) -> str:
        return f"[message from {self.host}] {self.text}"


@dataclass(frozen=True)
class PassphraseRequest:
    """Ask for the passphrase of an encrypted key file."""

    path: str
    attempt: int  # 1-based; at most MAX_PASSPHRASE_TRIES
    error: str | None = None  # "Wrong passphrase." after a failed try


@dataclass(frozen=True)
class PasswordRequest:
    """Ask for the account's password."""

    user: str
    host: str
    port: int
    attempt: int
    error: str | None = None  # "Wrong password." after the server refused one


@dataclass(frozen=True)
class KbdIntPrompt:
    """One keyboard-interactive question; `echo` False means type it masked."""

    text: str
    echo: bool


@dataclass(frozen=True)
class KbdIntChallenge:
    """One round of keyboard-interactive questions (MFA codes, OTPs, passwords).

    `name`, `instructions` and each prompt's text come from the server and are
    escaped; answer with one string per prompt, or None to give up.
    """

    user: str
    host: str
    name: str
    instructions: str
    prompts: tuple[KbdIntPrompt, ...]
    round: int
    from_server: bool = True


@dataclass(frozen=True)
class UserCertificateInfo:
    """An OpenSSH user certificate offered for login: who it is for and until when."""

    path: str
    key_id: str
    principals: tuple[str, ...]
    valid_after: datetime | None
    valid_before: datetime | None  # None: valid forever

    @classmethod
    def from_certificate(cls, path: str, cert: asyncssh.SSHCertificate) -> "UserCertificateInfo":
        # asyncssh 2.24 keeps key id and validity in private attributes only.
        after = int(getattr(cert, "_valid_after", 0) or 0)
        before = int(getattr(cert, "_valid_before", 0) or 0)
        forever = before >= 2**63
        return cls(
            path=path,
            key_id=str(getattr(cert, "_key_id", "")),
            principals=tuple(getattr(cert, "principals", ()) or ()),
            valid_after=datetime.fromtimestamp(after, timezone.utc) if after else None,
            valid_before=None if forever or not before else datetime.fromtimestamp(before, timezone.utc),
        )

    def expired(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return self.valid_before is not None and self.valid_before.timestamp() <= now

    def expires_soon(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return (
            self.valid_before is not None
            and not self.expired(now)
            and self.valid_before.timestamp() - now <= EXPIRY_WARNING_SECONDS
        )

    def warning(self, now: float | None = None) -> str | None:
        """A one-line warning when the certificate is expired or expires within the hour."""
        if self.valid_before is None:
            return None
        until = self.valid_before.strftime("%Y-%m-%d %H:%M UTC")
        if self.expired(now):
            return f"certificate {self.path} expired at {until}"
        if self.expires_soon(now):
            return f"certificate {self.path} expires at {until} (within the hour)"
        return None

    def not_yet_valid(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return self.valid_after is not None and self.valid_after.timestamp() > now

    def refusal(self, user: str, now: float | None = None) -> str:
        """Why a server would refuse this certificate for `user`, as far as the certificate says."""
        if self.expired(now):
            assert self.valid_before is not None
            return f"certificate expired {_utc(self.valid_before)}"
        if self.not_yet_valid(now):
            assert self.valid_after is not None
            return f"certificate not valid before {_utc(self.valid_after)}"
        # A CA chose the names and the id (a provider's login CLI, say): shown inert.
        names = escape_server_text(", ".join(self.principals), keep_newlines=False)
        if self.principals and user not in self.principals:
            return f"certificate for {names}; logging in as {user}"
        until = "no expiry" if self.valid_before is None else f"valid until {_utc(self.valid_before)}"
        key_id = escape_server_text(self.key_id or self.path, keep_newlines=False)
        return (
            f"the server refused certificate {key_id} (for {names or 'any principal'}, {until}); "
            "is its CA in the server's TrustedUserCAKeys?"
        )

    def summary(self) -> str:
        until = "forever" if self.valid_before is None else self.valid_before.strftime("%Y-%m-%d %H:%M UTC")
        names = ", ".join(self.principals) if self.principals else "any"
        return f"certificate {self.key_id or self.path}: principals {names}; valid until {until}"


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


_KEY_TYPES = {"ssh-ed25519": "ED25519", "ssh-rsa": "RSA", "ssh-dss": "DSA", "sk-ssh-ed25519@openssh.com": "ED25519-SK",
              "sk-ecdsa-sha2-nistp256@openssh.com": "ECDSA-SK"}


def key_type_name(algorithm: str) -> str:
    """OpenSSH's short name for a key algorithm ("ssh-ed25519" → "ED25519")."""
    if algorithm in _KEY_TYPES:
        return _KEY_TYPES[algorithm]
    if algorithm.startswith("ecdsa-sha2-"):
        return "ECDSA"
    return algorithm.upper()


@dataclass(frozen=True)
class OfferedKey:
    """A public key offered for login, named the way `ssh -v` names it."""

    key_type: str  # "ED25519"
    fingerprint: str  # "SHA256:…"
    source: str  # a key file ("~/.ssh/id_ed25519") or "agent"
    certificate: UserCertificateInfo | None = None

    def label(self) -> str:
        return f"{self.key_type} {self.fingerprint} ({self.source})"


DecideHostKey = Callable[[HostKeyCheck], Awaitable[HostKeyDecision]]
AskPassphrase = Callable[[PassphraseRequest], Awaitable["str | None"]]
AskPassword = Callable[[PasswordRequest], Awaitable["str | None"]]
AskKbdInt = Callable[[KbdIntChallenge], Awaitable["list[str] | None"]]


@dataclass
class ConnectCallbacks:
    """The questions only the user can answer, and the news only the user needs.

    Leave a callback None to say "no one can answer" (batch mode): an unknown
    host key is then rejected, and that authentication method is skipped.
    """

    decide_host_key: DecideHostKey | None = None
    passphrase: AskPassphrase | None = None
    password: AskPassword | None = None
    keyboard_interactive: AskKbdInt | None = None
    server_text: Callable[[ServerText], None] | None = None
    # Plain-language news for the user: certificate expiry, keys skipped, trust decisions.
    notice: Callable[[str], None] | None = None
    # Called once when an established connection drops, with a one-line reason.
    connection_lost: Callable[[str], None] | None = None

    def tell(self, message: str) -> None:
        if self.notice is not None:
            self.notice(message)


@dataclass
class AuthRecord:
    """What happened during authentication, for the failure message and the UI."""

    methods_tried: list[str] = field(default_factory=list)
    keys_offered: int = 0
    certificates: list[UserCertificateInfo] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    offered: list[OfferedKey] = field(default_factory=list)
    # The address this machine connected from (servers match `from=` restrictions against it).
    local_address: str | None = None

    def tried(self, method: str) -> None:
        if method not in self.methods_tried:
            self.methods_tried.append(method)
