"""Public-key login with fewer round trips, for sshdeck's own logins.

asyncssh, like OpenSSH, begins with a "none" request (to learn the server's
methods), then asks whether the server would accept a key (a request without a
signature, answered PK_OK) and only then sends the signed request: three round
trips before the login succeeds, 0.3 s on a 100 ms link.  The protocol lets a
client skip both (RFC 4252: "none" is optional, and a signed request may be sent
without asking first; the server checks it the same way).  On a connection
marked by `sign_at_once`:

- a key held in memory (a key file, already decrypted) is sent signed at once:
  signing costs nothing and asks nobody.  An agent's key or a security key
  (`sk-*`) is still asked about first, since signing may ask the user (a confirm
  prompt, a touch) for a key the server would refuse;
- the first request is public-key, not "none", when public-key is the method
  tried first anyway (no GSSAPI; the profile's order starts with it).  With no
  key to offer it falls back to "none", and a refused key brings the server's
  list as "none" would have, so every other method works as before.

Everything else is asyncssh's own code.  Where its internals are not what this
expects (another asyncssh version), nothing is changed and logins take the
usual round trips.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

_MARK = "_sshdeck_sign_at_once"
_installed: bool | None = None


def _quiet_signer(keypair: Any) -> bool:
    """A key whose signature asks nobody: a local key file's, not an agent's or a security key's."""
    try:
        from asyncssh.public_key import SSHLocalKeyPair
    except ImportError:
        return False
    algorithm = getattr(keypair, "algorithm", b"") or b""
    return (type(keypair) is SSHLocalKeyPair and not getattr(keypair, "use_executor", True)
            and not getattr(keypair, "use_webauthn", True) and not algorithm.startswith(b"sk-"))


def install() -> bool:
    """Put the public-key method below in asyncssh's table (once); False where asyncssh differs."""
    global _installed
    if _installed is not None:
        return _installed
    try:
        from asyncssh import auth
        from asyncssh.packet import Boolean, String

        base = auth._ClientPublicKeyAuth  # noqa: SLF001 - asyncssh has no public hook for this
        table = auth._client_auth_handlers  # noqa: SLF001
        if table.get(b"publickey") is not base:
            _installed = False
            return False
    except (ImportError, AttributeError):
        _installed = False
        return False

    class SignAtOncePublicKeyAuth(base):  # type: ignore[misc, valid-type]
        """asyncssh's public-key method; on a marked connection a quiet key is sent signed at once."""

        async def _start(self) -> None:
            if not getattr(self._conn, _MARK, False):
                await super()._start()
                return
            self._keypair = await self._conn.public_key_auth_requested()
            if self._keypair is None:
                self._conn.try_next_auth(next_method=True)
                return
            if _quiet_signer(self._keypair):
                await self._send_signed_request()
                return
            await self.send_request(Boolean(False), String(self._keypair.algorithm),
                                    String(self._keypair.public_data))

    table[b"publickey"] = SignAtOncePublicKeyAuth
    _installed = True
    return True


def sign_at_once(conn: Any, preferred: list[str] | None, gss: bool) -> bool:
    """Mark `conn` (in its `connection_made`, before the login begins); True when it was marked."""
    if not install():
        return False
    setattr(conn, _MARK, True)
    methods = getattr(conn, "_auth_methods", None)
    first_is_key = not preferred or preferred[0] == "publickey"
    if methods == [b"none"] and first_is_key and not gss:
        # Public-key first; "none" after it only when there is no key to offer (asyncssh then moves on).
        conn._auth_methods = [b"publickey", b"none"]  # noqa: SLF001
    return True
