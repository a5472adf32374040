"""The byte-level operations a transfer needs from either side.

An endpoint is a folder (local, or on one SFTP session) that the engine
addresses with *relative* paths: tuples of validated raw names.  Because no
component may contain '/' or be '..', and the local endpoint opens every
component with O_NOFOLLOW relative to its parent's descriptor, a relative
path can never reach outside the endpoint's root.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Protocol

from sshdeck.core.fs.base import EntryKind
from sshdeck.core.transfer.names import NameRules

Rel = tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class Stat:
    """What the engine needs to know about one entry (links not followed unless asked)."""

    kind: EntryKind
    size: int = 0
    mtime: float | None = None
    mode: int | None = None

    @property
    def is_file(self) -> bool:
        return self.kind is EntryKind.FILE

    @property
    def is_dir(self) -> bool:
        return self.kind is EntryKind.DIR

    @property
    def is_link(self) -> bool:
        return self.kind is EntryKind.LINK


class ReadFile(Protocol):
    """A source file open for reading at explicit offsets."""

    async def read(self, offset: int, size: int) -> bytes:
        """Up to `size` bytes at `offset`; b'' at the end of the file."""
        ...

    async def flush(self) -> None:
        """Make finished work durable (local: fsync the folders renamed into)."""
        ...

    async def close(self) -> None: ...


class WriteFile(Protocol):
    """A temporary destination file open for writing at explicit offsets."""

    async def write(self, offset: int, data: bytes) -> None: ...

    async def finish(self, mtime: float | None, mode: int | None) -> str | None:
        """Set times and mode (& 0o777), make the data durable, close; a note if something was skipped."""
        ...

    async def close(self) -> None:
        """Close without finishing: the partial file stays for a later resume."""
        ...


class Endpoint(Protocol):
    """One side of a transfer: a folder here or on a server."""

    label: str
    rules: NameRules
    is_remote: bool
    block_size: int  # bytes per read/write request
    window: int  # requests in flight per file

    def describe(self) -> str:
        """A stable description for the journal (e.g. `local:/home/me/x`, `sftp://u@h:22/srv`)."""
        ...

    async def lstat(self, rel: Rel) -> Stat | None:
        """The entry itself (a link is a link), or None when nothing is there."""
        ...

    async def stat(self, rel: Rel) -> Stat | None:
        """The entry with links followed, or None when missing or dangling."""
        ...

    async def scandir(self, rel: Rel, follow: bool = False, max_entries: int | None = None) -> list[tuple[bytes, Stat]]:
        """Every entry of a folder ('.' and '..' left out), raw names as listed, not yet validated.

        Past the endpoint's listing limits, or past `max_entries` when that is
        lower (the room left in a copy plan), `ListingLimitError`.
        """
        ...

    async def identity(self, rel: Rel) -> Hashable:
        """A file id for loop detection when links are followed."""
        ...

    async def open_read(self, rel: Rel, follow: bool = False, checked: bool = False) -> ReadFile:
        """Open a regular file for reading; a link is refused unless `follow`.

        `checked` says the caller's listing already showed a regular file.
        """
        ...

    async def make_dir(self, rel: Rel) -> bool:
        """Create a folder (True), or accept an existing real folder (False); anything else is an error."""
        ...

    async def open_part(self, rel: Rel, resume: bool, fresh: bool = False) -> tuple[WriteFile, int]:
        """Open the temporary file: created exclusively (0600), or reopened when `resume`; returns its length.

        `fresh` says the folder was just created by this transfer, so nothing can be in the way.
        """
        ...

    async def clone(self, src: Rel, dst: Rel) -> None:
        """Copy the existing file `src` to the new file `dst` on this side (to resume onto a kept file)."""
        ...

    async def commit(self, part: Rel, final: Rel) -> str | None:
        """Atomically rename the temporary file onto its final name; a note if it could not be atomic."""
        ...

    async def unlink(self, rel: Rel) -> None: ...

    async def rmdir(self, rel: Rel) -> None: ...

    async def alive(self) -> bool:
        """Whether the link still answers (always True locally)."""
        ...

    async def reconnect(self) -> None:
        """Open a fresh session after a lost link (an error when the caller gave no way to)."""
        ...

    async def flush(self) -> None:
        """Make finished work durable (local: fsync the folders renamed into)."""
        ...

    async def close(self) -> None: ...
