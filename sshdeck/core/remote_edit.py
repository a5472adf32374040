"""Editing a remote file with the user's own editor, without losing anyone's changes.

The file is copied to a private temporary folder (0700, file 0600); after
the editor exits, the copy is uploaded only if it changed, and if the remote
file changed meanwhile the caller is told so it can ask before overwriting.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sshdeck.core.fs.base import FileSystem, FileSystemError

EDIT_LIMIT = 32 * 1024 * 1024


def editor_command() -> list[str]:
    """$VISUAL, else $EDITOR, else the first of a few common editors that exists."""
    for variable in ("VISUAL", "EDITOR"):
        value = os.environ.get(variable, "").strip()
        if value:
            return shlex.split(value)
    for candidate in ("nano", "vim", "vi"):
        found = shutil.which(candidate)
        if found:
            return [found]
    raise FileSystemError("no editor found: set $VISUAL or $EDITOR")


@dataclass
class EditSession:
    """One file fetched for editing."""

    fs: FileSystem
    remote_path: str
    local_path: Path
    remote_size: int
    remote_mtime: float | None
    digest: str

    @classmethod
    async def fetch(cls, fs: FileSystem, remote_path: str) -> "EditSession":
        before = await fs.stat(remote_path)
        if before.is_dir:
            raise FileSystemError("a folder cannot be edited")
        if before.size > EDIT_LIMIT:
            raise FileSystemError(f"the file is larger than {EDIT_LIMIT // (1024 * 1024)} MiB; download it instead")
        data = await fs.read_bytes(remote_path, EDIT_LIMIT + 1)
        folder = Path(tempfile.mkdtemp(prefix="sshdeck-edit-"))
        os.chmod(folder, 0o700)
        name = os.path.basename(remote_path.rstrip("/")) or "file"
        local = folder / name
        fd = os.open(local, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return cls(fs, remote_path, local, before.size, before.mtime, hashlib.sha256(data).hexdigest())

    def changed_locally(self) -> bool:
        return hashlib.sha256(self.local_path.read_bytes()).hexdigest() != self.digest

    async def changed_remotely(self) -> bool:
        try:
            now = await self.fs.stat(self.remote_path)
        except FileSystemError:
            return True
        return (now.size, now.mtime) != (self.remote_size, self.remote_mtime)

    async def upload(self) -> None:
        await self.fs.write_bytes_atomic(self.remote_path, self.local_path.read_bytes())

    def cleanup(self) -> None:
        shutil.rmtree(self.local_path.parent, ignore_errors=True)
