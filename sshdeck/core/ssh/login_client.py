"""The asyncssh client object for one login: host-key gate, credentials, server text.

asyncssh calls these methods during the handshake.  The host-key questions are
answered by the synchronous `HostKeyGate`; authentication questions go to the
caller's awaitables in `ConnectCallbacks`, while the connect timeout is paused
(a person typing a password is not a stalled server).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import os
import time
from typing import Any, AsyncIterator, Awaitable, TypeVar

import asyncssh

from sshdeck.core.ssh.auth import (
    MAX_PASSWORD_TRIES,
    AuthRecord,
    ConnectCallbacks,
    KbdIntChallenge,
    KbdIntPrompt,
    OfferedKey,
    PasswordRequest,
    ServerText,
    UserCertificateInfo,
    escape_server_text,
    key_type_name,
)
from sshdeck.core.ssh.client_keys import KeyOffer
from sshdeck.core.ssh.connect_errors import describe
from sshdeck.core.ssh.fast_auth import sign_at_once
from sshdeck.core.trust.gate import HostKeyGate

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_KBDINT_ROUNDS = 10


class StallTimer:
    """A connect timeout that stops counting while the user is being asked something."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._deadline = time.monotonic() + timeout
        self._waiting = 0

    @contextlib.asynccontextmanager
    async def user_waits(self) -> AsyncIterator[None]:
        self._waiting += 1
        try:
            yield
        finally:
            self._waiting -= 1
            self._deadline = time.monotonic() + self.timeout

    async def run(self, awaitable: Awaitable[T]) -> T:
        """Await `awaitable`, raising TimeoutError if it stalls while no one is being asked."""
        task = asyncio.ensure_future(awaitable)
        try:
            while True:
                wait = self.timeout if self._waiting else max(0.01, self._deadline - time.monotonic())
                done, _ = await asyncio.wait({task}, timeout=wait)
                if done:
                    return task.result()
                if not self._waiting and time.monotonic() >= self._deadline:
                    raise TimeoutError("connect timed out")
        finally:
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


class LoginClient(asyncssh.SSHClient):
    """asyncssh's view of sshdeck for one connection attempt."""

    def __init__(
        self,
        *,
        gate: HostKeyGate,
        keys: KeyOffer,
        callbacks: ConnectCallbacks,
        record: AuthRecord,
        timer: StallTimer,
        user: str,
        host: str,
        port: int,
        preferred_auth: list[str] | None = None,
        gss: bool = False,
    ) -> None:
        self.gate = gate
        # Which method goes first decides whether the login may skip asyncssh's "none" probe (fast_auth.py).
        self.preferred_auth = preferred_auth
        self.gss = gss
        self.keys = keys
        self.callbacks = callbacks
        self.record = record
        self.timer = timer
        self.user = user
        self.host = host
        self.port = port
        self.established = False
        self.closing = False
        self.lost = False
        self._password_tries = 0
        self._kbdint_rounds = 0
        # SHA256 fingerprint of the key that logged in (the last one asyncssh
        # offered before auth completed), None after a password/kbd-int login.
        self.login_key_fingerprint: str | None = None
        self._last_offered: str | None = None

    # -- life cycle -------------------------------------------------------------

    def connection_made(self, conn: asyncssh.SSHClientConnection) -> None:
        sockname = conn.get_extra_info("sockname")
        # A ProxyCommand pipe has no socket address; `from=` cannot be explained then.
        if isinstance(sockname, tuple) and sockname:
            self.record.local_address = str(sockname[0])
        # asyncssh picks single keys out of our batches itself; wrap its picker
        # (on this one connection) to learn which key it offered last.
        pick = conn.public_key_auth_requested

        async def offered() -> Any:
            keypair = await pick()
            self._last_offered = _fingerprint(keypair)
            return keypair

        conn.public_key_auth_requested = offered  # type: ignore[method-assign]
        # A key file's key is sent signed at once, and public-key goes first: two round trips fewer (fast_auth.py).
        sign_at_once(conn, self.preferred_auth, self.gss)

    def connection_lost(self, exc: Exception | None) -> None:
        self.keys.close()
        self.lost = True
        if self.established and not self.closing and self.callbacks.connection_lost is not None:
            reason = describe(exc, self.host, self.port).message if exc else f"{self.host} closed the connection"
            self.callbacks.connection_lost(reason)

    def auth_completed(self) -> None:
        self.keys.close()
        self.login_key_fingerprint = self._last_offered
        self.established = True

    # -- host key ---------------------------------------------------------------

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        return self.gate.validate_public_key(host, addr, port, key)

    def validate_host_ca_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        return self.gate.validate_ca_key(host, addr, port, key)

    # -- server text ------------------------------------------------------------

    def auth_banner_received(self, msg: str, lang: str) -> None:
        self._server_text("banner", msg)

    def _server_text(self, kind: str, text: str) -> None:
        text = escape_server_text(text).strip("\n")
        if not text:
            return
        if self.callbacks.server_text is not None:
            self.callbacks.server_text(ServerText(kind, text, self.host))
        else:
            log.info("%s from %s: %s", kind, self.host, text.replace("\n", " / "))

    # -- credentials ------------------------------------------------------------

    async def public_key_auth_requested(self) -> Any:
        batch = await self.keys.next_batch()
        if batch:
            self.record.tried("publickey")
            source = self.keys.last_source
            self.record.offered.extend(offered_key(item, source) for item in batch)
        return batch

    async def password_auth_requested(self) -> str | None:
        ask = self.callbacks.password
        if ask is None or self._password_tries >= MAX_PASSWORD_TRIES:
            return None
        self._password_tries += 1
        error = "Wrong password." if self._password_tries > 1 else None
        request = PasswordRequest(self.user, self.host, self.port, self._password_tries, error)
        async with self.timer.user_waits():
            password = await ask(request)
        if password is None:
            return None
        self._last_offered = None
        self.record.tried("password")
        return password

    def kbdint_auth_requested(self) -> str | None:
        if self.callbacks.keyboard_interactive is None and self.callbacks.password is None:
            return None
        return ""

    async def kbdint_challenge_received(
        self, name: str, instructions: str, lang: str, prompts: list[tuple[str, bool]]
    ) -> list[str] | None:
        if not prompts:
            # An empty round only carries a message.
            self._server_text("instructions", "\n".join(t for t in (name, instructions) if t))
            return []
        self._kbdint_rounds += 1
        if self._kbdint_rounds > MAX_KBDINT_ROUNDS:
            return None
        ask = self.callbacks.keyboard_interactive
        if ask is None:
            return await self._password_by_kbdint(prompts)
        challenge = KbdIntChallenge(
            user=self.user,
            host=self.host,
            name=escape_server_text(name, keep_newlines=False),
            instructions=escape_server_text(instructions),
            prompts=tuple(KbdIntPrompt(escape_server_text(text, keep_newlines=False), bool(echo)) for text, echo in prompts),
            round=self._kbdint_rounds,
        )
        async with self.timer.user_waits():
            answers = await ask(challenge)
        if answers is None or len(answers) != len(prompts):
            return None
        self._last_offered = None
        self.record.tried("keyboard-interactive")
        return list(answers)

    async def _password_by_kbdint(self, prompts: list[tuple[str, bool]]) -> list[str] | None:
        # PAM servers often ask for the password through keyboard-interactive;
        # a UI that only supplies a password callback still gets in.
        if len(prompts) == 1 and not prompts[0][1] and "password" in prompts[0][0].lower():
            password = await self.password_auth_requested()
            return [password] if password is not None else None
        return None


def _short_path(path: str) -> str:
    home = os.path.expanduser("~")
    return "~" + path[len(home):] if home != "~" and path.startswith(home + os.sep) else path


def offered_key(item: Any, source: str) -> OfferedKey:
    """How to name one key of a batch in a failure message: type, SHA256 fingerprint, where from."""
    cert = None
    if isinstance(item, tuple):
        item, cert = item[0], item[1]
    blob = getattr(item, "public_data", b"")
    algorithm = item.get_algorithm() if hasattr(item, "get_algorithm") else "key"
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    where = "agent" if source == "agent" else _short_path(source)
    info = UserCertificateInfo.from_certificate(where, cert) if cert is not None else None
    return OfferedKey(key_type_name(algorithm), f"SHA256:{digest}", where, info)


def _fingerprint(keypair: Any) -> str | None:
    if keypair is None:
        return None
    data = getattr(keypair, "public_data", None)
    if not data:
        return None
    # The SHA256 of the public key blob is exactly what OpenSSH prints.
    return "SHA256:" + base64.b64encode(hashlib.sha256(data).digest()).decode("ascii").rstrip("=")
