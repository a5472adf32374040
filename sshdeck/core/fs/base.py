"""What every file system offers the panes and the transfer engine."""

from __future__ import annotations

import enum
import posixpath
from dataclasses import dataclass, field
from typing import AsyncIterator, Protocol, runtime_checkable

from sshdeck.core.fs.names import display_name


class EntryKind(enum.Enum):
    FILE = "file"
    DIR = "dir"
    LINK = "link"
    OTHER = "other"


class FileSystemError(Exception):
    """An operation failed; the message is fit to show the user as it is."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a folder listing.

    `name` is the raw bytes the server sent and is what operations use;
    `display` is the escaped, printable form for the screen.
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

    def __post_init__(self) -> None:
        if not self.display:
            object.__setattr__(self, "display", display_name(self.name))

    @property
    def is_dir(self) -> bool:
        return self.kind is EntryKind.DIR or (self.kind is EntryKind.LINK and self.target_is_dir)

    @property
    def is_hidden(self) -> bool:
        return self.name.startswith(b".")


@runtime_checkable
class FileSystem(Protocol):
    """A place the panes can browse: this machine or one SFTP session.

    Paths are POSIX strings; a name that is not valid UTF-8 travels through
    them with `surrogateescape`, so raw bytes round-trip.
    """

    label: str

    def list(self, path: str) -> AsyncIterator[list[Entry]]:
        """Yield the folder's entries in batches as they arrive ('.' and '..' left out)."""
        ...

    async def realpath(self, path: str) -> str: ...

    async def home(self) -> str: ...


def join(folder: str, name: bytes | str) -> str:
    if isinstance(name, bytes):
        name = name.decode("utf-8", errors="surrogateescape")
    return posixpath.join(folder, name)


def parent(path: str) -> str:
    return posixpath.dirname(path.rstrip("/")) or "/"
