"""One file-system protocol with a local and an SFTP implementation.

The panes and the transfer engine only ever see `FileSystem` and `Entry`, so
local and remote locations behave the same way on either side.
"""

from sshdeck.core.fs.base import Entry, EntryKind, FileSystem, RemoveProgress, encode_path, join, parent
from sshdeck.core.fs.errors import (
    ConnectionLostError,
    FileSystemError,
    NameExistsError,
    NotFoundError,
    PermissionDeniedError,
    ServerRefusedError,
)
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.fs.names import display_name, display_path
from sshdeck.core.fs.sftp import SftpFS

__all__ = [
    "ConnectionLostError",
    "Entry",
    "EntryKind",
    "FileSystem",
    "FileSystemError",
    "LocalFS",
    "NameExistsError",
    "NotFoundError",
    "PermissionDeniedError",
    "RemoveProgress",
    "ServerRefusedError",
    "SftpFS",
    "display_name",
    "display_path",
    "encode_path",
    "join",
    "parent",
]
