"""One file-system protocol with a local and an SFTP implementation.

The panes and the transfer engine only ever see `FileSystem` and `Entry`, so
local and remote locations behave the same way on either side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sshdeck.core.lazy_names import lazy_names

# Each name is loaded from its module on first use (PEP 562): `sshdeck cp` needs only
# `limits` and `base` before it connects, and loads the rest while the handshake runs.
_HOMES = {
    "base": ("Entry", "EntryKind", "FileSystem", "RemoveProgress", "encode_path", "join", "parent"),
    "errors": ("ConnectionLostError", "FileSystemError", "NameExistsError", "NotFoundError", "PermissionDeniedError",
               "ServerRefusedError"),
    "local": ("LocalFS",),
    "names": ("display_name", "display_path"),
    "sftp": ("SftpFS",),
}
__getattr__, __dir__ = lazy_names(__name__, _HOMES, globals())

if TYPE_CHECKING:
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
