"""The failures a file operation can report, each with a one-line message for the user.

Every file system turns its own exceptions (OSError, asyncssh's SFTPError,
a dropped connection) into one of these, so the panes show the same words
for the same trouble on either side.  Paths in messages are escaped with
`display_path`: a hostile name cannot smuggle control characters into a
notification.
"""

from __future__ import annotations

import errno

import asyncssh

from sshdeck.core.fs.names import clean_reason, display_path


class FileSystemError(Exception):
    """An operation failed; the message is fit to show the user as it is."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class PermissionDeniedError(FileSystemError):
    """The user may not do this here."""


class NotFoundError(FileSystemError):
    """The file or folder is not there (any more)."""


class NameExistsError(FileSystemError):
    """Something already has the name the operation wanted to use."""


class ServerRefusedError(FileSystemError):
    """The server (or the local OS) said no, for a reason of its own."""


class ConnectionLostError(FileSystemError):
    """The connection to the server is gone; nothing more can be done on it."""


def permission_denied(path: str) -> PermissionDeniedError:
    return PermissionDeniedError(f"{display_path(path)}: permission denied", path=path)


def not_found(path: str) -> NotFoundError:
    return NotFoundError(
        f"{display_path(path)}: no such file or folder (it may have been moved or deleted)", path=path
    )


def name_exists(path: str, detail: str = "") -> NameExistsError:
    message = f"{display_path(path)}: a file or folder with that name already exists"
    return NameExistsError(message + (f" ({detail})" if detail else ""), path=path)


def refused(path: str, reason: str | bytes | None) -> ServerRefusedError:
    text = clean_reason(reason) or "no reason given"
    return ServerRefusedError(f"{display_path(path)}: the server refused: {text}", path=path)


def connection_lost(path: str) -> ConnectionLostError:
    return ConnectionLostError(f"{display_path(path)}: the connection was lost", path=path)


def stopped_after(error: FileSystemError, count: int) -> FileSystemError:
    """The same error, saying how much a multi-step operation had done before it."""
    if not count:
        return error
    done = "1 item" if count == 1 else f"{count} items"
    result = type(error)(f"{error} (stopped after removing {done})", path=error.path)
    return result


_OS_ERRNO = {
    errno.EACCES: permission_denied,
    errno.EPERM: permission_denied,
    errno.EROFS: permission_denied,
    errno.ENOENT: not_found,
    errno.EEXIST: name_exists,
}


def from_os_error(path: str, exc: OSError) -> FileSystemError:
    """The user-facing form of a local OS error about `path`."""
    make = _OS_ERRNO.get(exc.errno or 0)
    if make is not None:
        return make(path)
    if exc.errno == errno.ENOTEMPTY:
        return ServerRefusedError(f"{display_path(path)}: the folder is not empty", path=path)
    reason = exc.strerror or str(exc)
    return ServerRefusedError(f"{display_path(path)}: {clean_reason(reason)}", path=path)


_CONNECTION_ERRORS = (
    asyncssh.SFTPConnectionLost,
    asyncssh.SFTPNoConnection,
    asyncssh.DisconnectError,
    ConnectionError,
    EOFError,
)


def from_sftp_error(path: str, exc: BaseException) -> FileSystemError:
    """The user-facing form of an asyncssh (or socket) error about `path`."""
    if isinstance(exc, FileSystemError):
        return exc
    if isinstance(exc, _CONNECTION_ERRORS):
        return connection_lost(path)
    if isinstance(exc, (asyncssh.SFTPNoSuchFile, asyncssh.SFTPNoSuchPath)):
        return not_found(path)
    if isinstance(exc, (asyncssh.SFTPPermissionDenied, asyncssh.SFTPWriteProtect)):
        return permission_denied(path)
    if isinstance(exc, asyncssh.SFTPFileAlreadyExists):
        return name_exists(path)
    if isinstance(exc, asyncssh.SFTPDirNotEmpty):
        return ServerRefusedError(f"{display_path(path)}: the folder is not empty", path=path)
    if isinstance(exc, asyncssh.SFTPOpUnsupported):
        return refused(path, "this server does not support the operation")
    if isinstance(exc, asyncssh.SFTPError):
        return refused(path, exc.reason)
    if isinstance(exc, OSError):
        return from_os_error(path, exc)
    return refused(path, str(exc))
