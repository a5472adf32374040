"""One file-system protocol with a local and an SFTP implementation.

The panes and the transfer engine only ever see `FileSystem` and `Entry`, so
local and remote locations behave the same way on either side.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

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
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> object:
    module = _HOME_OF.get(name)
    if module is None:
        if not name.startswith("_"):  # a submodule not loaded yet (`fs.sftp_listing`)
            try:
                return importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME_OF})


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
