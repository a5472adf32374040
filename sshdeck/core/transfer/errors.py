"""Exceptions the transfer engine raises, and how it tells a lost link from a refusal."""

from __future__ import annotations

import errno

import asyncssh

from sshdeck.core.inert import Inert, inert, plain


class TransferError(Exception):
    """One item cannot be transferred; server text in the message must already be inert (`show`, `inert`)."""


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


def describe(exc: BaseException) -> Inert:
    """A one-line reason for the failure list; a server's words in it are made inert."""
    if isinstance(exc, TransferError):
        return plain(str(exc))
    if is_connection_lost(exc):
        detail = inert(getattr(exc, "reason", "") or str(exc))
        return plain(f"connection lost ({detail})" if detail else "connection lost")
    if isinstance(exc, asyncssh.SFTPNoSuchFile):
        return Inert("no such file or folder")
    if isinstance(exc, asyncssh.SFTPPermissionDenied):
        return Inert("permission denied")
    if isinstance(exc, asyncssh.SFTPError):
        return inert(exc.reason) or Inert("the server refused")
    if isinstance(exc, OSError):
        return inert(exc.strerror or str(exc))
    return plain(f"{type(exc).__name__}: {inert(str(exc))}")
