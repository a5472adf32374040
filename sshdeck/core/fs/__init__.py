"""One file-system protocol with a local and an SFTP implementation.

The panes and the transfer engine only ever see `FileSystem` and `Entry`, so
local and remote locations behave the same way on either side.
"""

from sshdeck.core.fs.base import Entry, EntryKind, FileSystem, FileSystemError
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.fs.names import display_name
from sshdeck.core.fs.sftp import SftpFS

__all__ = ["Entry", "EntryKind", "FileSystem", "FileSystemError", "LocalFS", "SftpFS", "display_name"]
