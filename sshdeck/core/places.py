"""How a folder is named on screen: `~/work` on this computer, `alias:/srv` on a host.

Pane headers, the copy dialog and the transfer panel all use `place`, so a
location is written one way everywhere (and exactly once: a connection's
label never holds a path, see `connection_label`).
"""

from __future__ import annotations

import os

from sshdeck.core.fs.base import FileSystem
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.fs.names import display_path


def tilde(path: str) -> str:
    """`path` with the home folder written as `~`."""
    home = os.path.expanduser("~").rstrip("/")
    if home and (path == home or path.startswith(home + "/")):
        return "~" + path[len(home):]
    return path


def place(fs: FileSystem, folder: str) -> str:
    """The inert on-screen name of `folder` on `fs`."""
    shown = display_path(folder)
    if isinstance(fs, LocalFS):
        return tilde(shown)
    return f"{fs.label}:{shown}"
