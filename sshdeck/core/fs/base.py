"""What every file system offers the panes and the transfer engine."""

from __future__ import annotations

import enum
import posixpath
from dataclasses import dataclass, field
from typing import AsyncContextManager, AsyncIterator, Callable, Protocol, runtime_checkable

from sshdeck.core.fs.errors import (
    ConnectionLostError,
    FileSystemError,
    NameExistsError,
    NotFoundError,
    PermissionDeniedError,
    ServerRefusedError,
)
from sshdeck.core.fs.names import display_name

__all__ = [
    "ConnectionLostError",
    "Entry",
    "EntryKind",
    "FileSystem",
    "FileSystemError",
    "NameExistsError",
    "NotFoundError",
    "PermissionDeniedError",
    "ReadStream",
    "RemoveProgress",
    "ServerRefusedError",
    "WriteStream",
    "encode_path",
    "join",
    "parent",
]


class EntryKind(enum.Enum):
    FILE = "file"
    DIR = "dir"
    LINK = "link"
    OTHER = "other"


# Not frozen: a frozen dataclass costs three times as much to build, and a
# 100,000-entry listing builds 100,000 of them.  Treat entries as read-only.
@dataclass(slots=True, unsafe_hash=True)
class Entry:
    """One item of a folder listing.

    `name` is the raw bytes the server sent and is what operations use;
    `display` is the escaped, printable form for the screen.  `kind` is the
    entry itself (a symlink is LINK, never followed); `target_is_dir` tells
    whether a link leads to a folder.
    """

    name: bytes
    kind: EntryKind
    size: int = 0
    mtime: float | None = None
    mode: int | None = None
    owner: str | None = None
    group: str | None = None
    link_target: str | None = None
    # For symlinks: whether the target is a folder (so Enter can open it).
    target_is_dir: bool = False
    display: str = field(default="", compare=False)
    uid: int | None = None
    gid: int | None = None

    def __post_init__(self) -> None:
        if not self.display:
            self.display = display_name(self.name)

    @property
    def is_dir(self) -> bool:
        return self.kind is EntryKind.DIR or (self.kind is EntryKind.LINK and self.target_is_dir)

    @property
    def is_hidden(self) -> bool:
        return self.name.startswith(b".")


RemoveProgress = Callable[[int, str], None]
"""Called during a recursive remove with the count removed so far and the last path removed."""


class ReadStream(Protocol):
    """An open file being read: what `FileSystem.open_read` yields."""

    async def read(self, size: int = -1) -> bytes: ...

    async def close(self) -> None: ...


class WriteStream(Protocol):
    """An open file being written: what `FileSystem.open_write` yields."""

    async def write(self, data: bytes) -> None: ...

    async def close(self) -> None: ...


@runtime_checkable
class FileSystem(Protocol):
    """A place the panes can browse: this machine or one SFTP session.

    Paths are POSIX strings; a name that is not valid UTF-8 travels through
    them with `surrogateescape`, so raw bytes round-trip (`join` does it).
    Every failure raises a `FileSystemError` whose message can be shown as
    it is; its subclasses say which kind of trouble it was.
    """

    label: str

    def list(self, path: str) -> AsyncIterator[list[Entry]]:
        """Yield the folder's entries in batches as they arrive ('.' and '..' left out)."""
        ...

    async def realpath(self, path: str) -> str: ...

    async def home(self) -> str: ...

    async def stat(self, path: str) -> Entry:
        """What `path` is, following a symlink to its target."""
        ...

    async def lstat(self, path: str) -> Entry:
        """What `path` is; a symlink is described itself, with its target text."""
        ...

    async def exists(self, path: str) -> bool:
        """Whether anything (even a dangling symlink) has this name."""
        ...

    async def mkdir(self, path: str) -> None: ...

    async def rename(self, old: str, new: str, *, overwrite: bool = False) -> None:
        """Move `old` to `new`; an existing `new` is replaced only when `overwrite` is set."""
        ...

    @property
    def can_replace(self) -> bool:
        """Whether `rename(..., overwrite=True)` can replace an existing name in one step."""
        ...

    async def remove(self, path: str, *, progress: RemoveProgress | None = None) -> int:
        """Delete a file, link or whole folder tree (links are removed, never followed).

        Returns how many items were removed.  Cancel the task to stop; what
        was removed by then stays removed.
        """
        ...

    async def chmod(self, path: str, mode: int) -> None: ...

    async def read_bytes(self, path: str, limit: int) -> bytes:
        """At most `limit` bytes from the start of a file (ask for one more to detect a cut)."""
        ...

    async def write_bytes_atomic(self, path: str, data: bytes) -> None:
        """Replace a file's content through a temporary name, keeping its permissions."""
        ...

    def open_read(self, path: str) -> AsyncContextManager[ReadStream]: ...

    def open_write(self, path: str, *, exclusive: bool = False) -> AsyncContextManager[WriteStream]:
        """Create or truncate a file (`exclusive`: fail when it exists)."""
        ...


def encode_path(path: str) -> bytes:
    """The raw bytes of a path string (the inverse of surrogateescape decoding)."""
    return path.encode("utf-8", errors="surrogateescape")


def join(folder: str, name: bytes | str) -> str:
    if isinstance(name, bytes):
        name = name.decode("utf-8", errors="surrogateescape")
    return posixpath.join(folder, name)


def parent(path: str) -> str:
    return posixpath.dirname(path.rstrip("/")) or "/"


def basename(path: str) -> bytes:
    """The last component's raw bytes ('/' for the root)."""
    stripped = path.rstrip("/")
    return encode_path(posixpath.basename(stripped)) if stripped else b"/"
