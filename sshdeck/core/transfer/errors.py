"""Exceptions the transfer engine raises, and how it tells a lost link from a refusal."""

from __future__ import annotations

import errno

import asyncssh


class TransferError(Exception):
    """One item cannot be transferred; the message is fit to show the user as it is."""


class SourceChangedError(TransferError):
    """The source's size or data did not match what its listing promised."""


class ConnectionLostError(TransferError):
    """The link to a server dropped; the item may be retried after a reconnect."""


_LOST_CODES = {asyncssh.sftp.FX_CONNECTION_LOST, asyncssh.sftp.FX_NO_CONNECTION}


def is_connection_lost(exc: BaseException) -> bool:
    """True when `exc` means the SSH link is gone (worth a reconnect), not a refusal."""
    if isinstance(exc, ConnectionLostError):
        return True
    if isinstance(exc, asyncssh.SFTPError):
        return exc.code in _LOST_CODES
    if isinstance(exc, (asyncssh.ConnectionLost, asyncssh.DisconnectError, asyncssh.ChannelOpenError)):
        return True
    if isinstance(exc, (BrokenPipeError, ConnectionError, EOFError)):
        return True
    if isinstance(exc, OSError) and exc.errno in (errno.ECONNRESET, errno.EPIPE, errno.ENOTCONN):
        return True
    return False


def describe(exc: BaseException) -> str:
    """A one-line reason for the failure list."""
    if isinstance(exc, TransferError):
        return str(exc)
    if is_connection_lost(exc):
        detail = getattr(exc, "reason", "") or str(exc)
        return f"connection lost ({detail})" if detail else "connection lost"
    if isinstance(exc, asyncssh.SFTPNoSuchFile):
        return "no such file or folder"
    if isinstance(exc, asyncssh.SFTPPermissionDenied):
        return "permission denied"
    if isinstance(exc, asyncssh.SFTPError):
        return exc.reason or "the server refused"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return f"{type(exc).__name__}: {exc}"
