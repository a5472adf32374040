"""One remote file being edited: its private local copy and how that copy reaches the server.

The copy lives in `<data>/edits/<random>/NAME` (folders 0700, file 0600), not
in a temporary folder: it is removed only once its content is verified on the
server (or the user dropped it on purpose), so a refused upload, a lost
connection or a crash never loses the edit.  Before each upload the server's
file is compared with the version we last fetched or uploaded; when someone
else changed it the caller is told (`SyncResult.CONFLICT`) and decides.
"""

from __future__ import annotations

import enum
import hashlib
import os
import posixpath
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from sshdeck.core import paths
from sshdeck.core.fs.base import FileSystem, FileSystemError, join, parent
from sshdeck.core.fs.errors import NotFoundError
from sshdeck.core.fs.names import display_path

EDIT_LIMIT = 32 * 1024 * 1024


def edits_dir() -> Path:
    """The private folder where edited copies wait until they are safely on the server."""
    return paths.data_dir() / "edits"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    """`data` at `path` (0600) through a temporary name, fsynced before the rename."""
    paths.write_private_file(path, data)


def beside_name(name: str, when: float | None = None) -> str:
    """`notes (edited 2026-11-29 0310).txt` for `notes.txt` (a leading dot is not an extension)."""
    stamp = time.strftime("%Y-%m-%d %H%M", time.localtime(when))
    stem, ext = posixpath.splitext(name)
    if not stem:
        stem, ext = name, ""
    return f"{stem} (edited {stamp}){ext}"


class SyncResult(enum.Enum):
    UNCHANGED = "unchanged"  # the copy holds what the server already has
    UPLOADED = "uploaded"  # the copy's content is now on the server, verified
    CONFLICT = "conflict"  # the server's file changed since we last saw it: ask


@dataclass
class EditSession:
    """A remote file fetched for editing (`remote_path` on `fs`, copy at `local_path`)."""

    fs: FileSystem
    remote_path: str
    local_path: Path
    remote_size: int
    remote_mtime: float | None
    digest: str  # sha256 of the content the server has, as far as we know
    uploads: int = 0
    _seen: tuple[int, int] | None = field(default=None, repr=False)

    @classmethod
    async def fetch(cls, fs: FileSystem, remote_path: str) -> "EditSession":
        before = await fs.stat(remote_path)
        if before.is_dir:
            raise FileSystemError("a folder cannot be edited")
        if before.size > EDIT_LIMIT:
            raise FileSystemError(f"the file is larger than {EDIT_LIMIT // (1024 * 1024)} MiB; download it instead")
        data = await fs.read_bytes(remote_path, EDIT_LIMIT + 1)
        try:
            folder = paths.ensure_private_dir(edits_dir()) / f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
            folder.mkdir(mode=0o700)
            name = posixpath.basename(remote_path.rstrip("/")).replace("\x00", "")
            if name in ("", ".", ".."):
                name = "file"
            local = folder / name
            _write_private(local, data)
        except OSError as exc:
            raise FileSystemError(f"cannot keep a private copy to edit: {exc.strerror or exc}") from None
        session = cls(fs, remote_path, local, before.size, before.mtime, _digest(data))
        session._seen = session.local_state()
        return session

    # -- the local copy -----------------------------------------------------------------

    def local_state(self) -> tuple[int, int] | None:
        """(mtime in ns, size) of the copy: cheap to poll; None when it is gone."""
        try:
            st = os.stat(self.local_path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def touched(self) -> bool:
        """Whether the copy's mtime or size moved since the last call (a save, maybe)."""
        state = self.local_state()
        if state == self._seen:
            return False
        self._seen = state
        return True

    def read_local(self) -> bytes:
        try:
            return self.local_path.read_bytes()
        except OSError as exc:
            shown = display_path(str(self.local_path))  # holds the server's name for the file
            raise FileSystemError(f"cannot read the edited copy {shown}: {exc.strerror or exc}") from None

    def changed_locally(self) -> bool:
        return _digest(self.read_local()) != self.digest

    def discard(self) -> None:
        """Remove the copy (its content is on the server, or the user dropped it)."""
        shutil.rmtree(self.local_path.parent, ignore_errors=True)

    # -- the server ---------------------------------------------------------------------

    async def changed_remotely(self) -> bool:
        """Whether the server's file is no longer the version we last fetched or uploaded."""
        try:
            now = await self.fs.stat(self.remote_path)
        except NotFoundError:
            return True  # deleted or moved away: overwriting would bring it back, so ask
        if (now.size, now.mtime) == (self.remote_size, self.remote_mtime):
            return False
        # Same bytes with a new time (a touch, a copy back) is not a conflict.
        theirs = await self.fs.read_bytes(self.remote_path, EDIT_LIMIT + 1)
        if _digest(theirs) != self.digest:
            return True
        self.remote_size, self.remote_mtime = now.size, now.mtime
        return False

    async def server_copy(self) -> Path:
        """The server's current version beside the edited copy (0600), for a diff."""
        data = await self.fs.read_bytes(self.remote_path, EDIT_LIMIT + 1)
        theirs = self.local_path.parent / f"server version of {self.local_path.name}"
        try:
            _write_private(theirs, data)
        except OSError as exc:
            raise FileSystemError(f"cannot keep the server's version: {exc.strerror or exc}") from None
        return theirs

    async def upload(self) -> None:
        """Replace the server's file with the copy (atomically), then read it back to verify."""
        data = self.read_local()
        await self.fs.write_bytes_atomic(self.remote_path, data)
        back = await self.fs.read_bytes(self.remote_path, EDIT_LIMIT + 1)
        if _digest(back) != _digest(data):
            raise FileSystemError("the server's file does not hold what was uploaded; the edited copy was kept")
        now = await self.fs.stat(self.remote_path)
        self.remote_size, self.remote_mtime, self.digest = now.size, now.mtime, _digest(data)
        self.uploads += 1

    async def sync(self) -> SyncResult:
        """Upload the copy if it changed and the server's file did not; say what happened."""
        if not self.changed_locally():
            return SyncResult.UNCHANGED
        if await self.changed_remotely():
            return SyncResult.CONFLICT
        await self.upload()
        return SyncResult.UPLOADED

    async def save_beside(self, when: float | None = None) -> str:
        """Upload the copy under a new name next to the file, never replacing anything; return the path."""
        data = self.read_local()
        folder = parent(self.remote_path)
        base = beside_name(posixpath.basename(self.remote_path.rstrip("/")), when)
        stem, ext = posixpath.splitext(base)
        for attempt in range(1, 100):
            name = base if attempt == 1 else f"{stem} {attempt}{ext}"
            target = join(folder, name)
            if await self.fs.exists(target):
                continue
            temp = join(folder, f".{name}.sshdeck-{secrets.token_hex(4)}.tmp")
            try:
                async with self.fs.open_write(temp, exclusive=True) as stream:
                    await stream.write(data)
                await self.fs.rename(temp, target, overwrite=False)
            except FileSystemError:
                try:
                    await self.fs.remove(temp)
                except (FileSystemError, OSError):
                    pass
                if await self.fs.exists(target):
                    continue  # someone took the name meanwhile: try the next one
                raise
            back = await self.fs.read_bytes(target, EDIT_LIMIT + 1)
            if _digest(back) != _digest(data):
                try:
                    await self.fs.remove(target)  # our own new name: nothing of anyone else's is lost
                except FileSystemError:
                    pass
                raise FileSystemError("the saved copy on the server does not match; the edited copy was kept")
            return target
        raise FileSystemError("no free name to save the edited copy beside the file")
