"""Deleting a remote file or folder tree, with progress, without following symlinks.

Folder listings come from READDIR, whose attributes describe each entry
itself (lstat): a symlink is removed as a name, never entered.  SFTP has no
`O_NOFOLLOW` for folders, so a server could swap a folder for a link
between our listing and our descent; the server controls that tree anyway,
so this is its own files at stake, not ours.

Files of one folder are removed by several requests in flight at once;
cancelling the awaiting task stops the walk (requests already sent may
still complete on the server).
"""

from __future__ import annotations

import asyncio

import asyncssh

from sshdeck.core.fs.base import EntryKind, FileSystemError, RemoveProgress, encode_path, join
from sshdeck.core.fs.errors import NotFoundError, from_sftp_error, refused, stopped_after
from sshdeck.core.fs.removal_counter import RemovalCounter
from sshdeck.core.fs.limits import ListingLimits, capped
from sshdeck.core.fs.sftp_listing import list_folder

# Removals in flight at once: deleting 10,000 files costs ~10,000 / 32 round trips.
_IN_FLIGHT = 32


class _Removal(RemovalCounter):
    """One recursive removal: the counter the progress callback sees."""

    def __init__(self, sftp: asyncssh.SFTPClient, progress: RemoveProgress | None, limits: ListingLimits) -> None:
        super().__init__(progress)
        self.sftp = sftp
        self.limits = limits

    async def _call(self, path: str, request: object) -> None:
        try:
            await request  # type: ignore[misc]
        except (asyncssh.Error, OSError) as exc:
            raise from_sftp_error(path, exc) from None

    async def run(self, path: str) -> None:
        if not path.rstrip("/"):
            raise refused(path, "will not delete the root folder")
        try:
            attrs = await self.sftp.lstat(encode_path(path))
        except (asyncssh.Error, OSError) as exc:
            raise from_sftp_error(path, exc) from None
        if attrs.type != asyncssh.FILEXFER_TYPE_DIRECTORY:
            await self._call(path, self.sftp.remove(encode_path(path)))
            self.removed(path)
            return
        # Post-order walk with an explicit stack: (folder, its children are gone).
        stack: list[tuple[str, bool]] = [(path, False)]
        while stack:
            folder, emptied = stack.pop()
            if emptied:
                await self._call(folder, self.sftp.rmdir(encode_path(folder)))
                self.removed(folder)
                continue
            stack.append((folder, True))
            names: list[bytes] = []
            # Capped like every listing: an endless folder stops the removal with the limit's message.
            async for batch in capped(folder, list_folder(self.sftp, folder, resolve_links=False), self.limits):
                for entry in batch:
                    if entry.kind is EntryKind.DIR:
                        stack.append((join(folder, entry.name), False))
                    else:
                        names.append(entry.name)
            await self._remove_files(folder, names)

    async def _remove_files(self, folder: str, names: list[bytes]) -> None:
        for start in range(0, len(names), _IN_FLIGHT):
            paths = [join(folder, name) for name in names[start : start + _IN_FLIGHT]]
            results = await asyncio.gather(
                *(self.sftp.remove(encode_path(path)) for path in paths), return_exceptions=True
            )
            failure: FileSystemError | None = None
            for path, result in zip(paths, results):
                if result is None:
                    self.removed(path)
                    continue
                if isinstance(result, asyncio.CancelledError):
                    raise result
                error = from_sftp_error(path, result)
                # Gone already (someone else deleted it): that is what we wanted.
                if not isinstance(error, NotFoundError) and failure is None:
                    failure = error
            if failure is not None:
                raise failure


async def remove_tree(
    sftp: asyncssh.SFTPClient, path: str, progress: RemoveProgress | None, limits: ListingLimits
) -> int:
    """Remove `path` (a file, a link or a folder tree); returns how many items went."""
    removal = _Removal(sftp, progress, limits)
    try:
        await removal.run(path)
    except FileSystemError as exc:
        raise stopped_after(exc, removal.count) from None
    finally:
        removal.final_report()
    return removal.count
