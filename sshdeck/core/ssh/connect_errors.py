"""Connection failures as one-line messages a person can act on.

Every exception that can come out of connecting (socket errors, asyncssh's
disconnects, our own host-key refusals) becomes a `ConnectError` whose `str()`
is a single line naming the host.  Server-chosen reasons are escaped.  No
secret is ever part of a message: asyncssh's exceptions carry none, and the
values from the prompts never reach this module.
"""

from __future__ import annotations

import asyncio
import errno
import socket

import asyncssh

from sshdeck.core.ssh.auth import AuthRecord, escape_server_text
from sshdeck.core.trust.check import HostKeyCheck
from sshdeck.core.trust.messages import refusal_line


class ConnectError(Exception):
    """A connection attempt that failed; `kind` names the failure for the UI.

    kinds: unknown-host, refused, timeout, unreachable, host-key, auth, lost,
    protocol, channel, cancelled, config.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return self.message


class HostKeyRefused(ConnectError):
    """The host key was not accepted; `check` says why (the hard-stop screen shows it)."""

    def __init__(self, check: HostKeyCheck, message: str | None = None, *, asked: bool = False) -> None:
        super().__init__("host-key", message or f"host key rejected: {refusal_line(check)}")
        self.check = check
        self.asked = asked  # the user saw the key's full description when asked: say it once, not twice


class AuthenticationFailed(ConnectError):
    """The server refused every credential offered; `methods_tried` lists what was tried."""

    def __init__(self, user: str, host: str, record: AuthRecord) -> None:
        tried = ", ".join(record.methods_tried) if record.methods_tried else "none (no usable key, password or prompt)"
        message = f"authentication failed for {user}@{host} (tried: {tried})"
        for detail in key_refusals(record, user):
            message += f"; {detail}"
        if record.problems:
            message += f"; {record.problems[-1]}"
        super().__init__("auth", message)
        self.methods_tried = list(record.methods_tried)


def key_refusals(record: AuthRecord, user: str) -> list[str]:
    """What the refused certificates and keys were, and the usual reasons a server refuses them.

    A certificate says who it is for and until when, so its refusal is
    explained from it; a plain key is named (type, fingerprint, file) with the
    causes only the server knows, including a `from=` restriction matched
    against the address this machine connected from.
    """
    details: list[str] = []
    certified: set[str] = set()
    for offered in record.offered:
        if offered.certificate is not None:
            certified.add(offered.fingerprint)
            text = offered.certificate.refusal(user)
            if text not in details:
                details.append(text)
    plain: list[str] = []
    for offered in record.offered:
        # The bare key behind a certificate was refused for the certificate's reason.
        if offered.certificate is None and not (details and offered.fingerprint in certified):
            label = offered.label()
            if label not in plain:
                plain.append(label)
    if plain:
        keys = f"key {plain[0]}" if len(plain) == 1 else f"keys {', '.join(plain)}"
        origin = f" (this machine connected from {record.local_address})" if record.local_address else ""
        details.append(
            f"the server refused {keys}. Usual causes: the key is not in authorized_keys, "
            f"a from= restriction{origin}, or the account is locked"
        )
    return details


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
    return escape_server_text(str(text), keep_newlines=False)


def describe(exc: BaseException, host: str, port: int) -> ConnectError:
    """The ConnectError for any exception raised while connecting to `host:port`."""
    if isinstance(exc, ConnectError):
        return exc
    where = f"{host} port {port}"
    if isinstance(exc, socket.gaierror):
        return ConnectError("unknown-host", f"unknown host name: {host}")
    if isinstance(exc, ConnectionRefusedError):
        return ConnectError("refused", f"connection refused by {where}")
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return ConnectError("timeout", f"timed out connecting to {where}")
    if isinstance(exc, asyncio.CancelledError):
        return ConnectError("cancelled", f"connecting to {where} was cancelled")
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        return ConnectError("host-key", f"host key rejected for {where}: {_reason(exc)}")
    if isinstance(exc, asyncssh.PermissionDenied):
        return ConnectError("auth", f"authentication failed for {where}")
    if isinstance(exc, asyncssh.ConnectionLost):
        return ConnectError("lost", f"connection lost to {where}: {_reason(exc)}")
    if isinstance(exc, asyncssh.ChannelOpenError):
        return ConnectError("channel", f"{where} refused to open a channel: {_reason(exc)}")
    if isinstance(exc, asyncssh.DisconnectError):
        return ConnectError("protocol", f"SSH negotiation with {where} failed: {_reason(exc)}")
    if isinstance(exc, ConnectionResetError) or isinstance(exc, BrokenPipeError):
        return ConnectError("lost", f"connection lost to {where}")
    if isinstance(exc, OSError):
        if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return ConnectError("unreachable", f"cannot reach {where}: {exc.strerror}")
        return ConnectError("unreachable", f"cannot connect to {where}: {exc.strerror or _reason(exc)}")
    if isinstance(exc, (asyncssh.KeyImportError, ValueError)):
        return ConnectError("config", f"cannot connect to {where}: {_reason(exc)}")
    return ConnectError("protocol", f"cannot connect to {where}: {_reason(exc)}")
