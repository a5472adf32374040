"""The authorized_keys manager: list, add, disable, enable and remove keys over SFTP.

Works on `~/.ssh/authorized_keys` and `~/.ssh/authorized_keys2`, with ~ the
SFTP start folder.  Every write is one line's change (see
authorized_keys_format), made atomically: a temporary file in ~/.ssh, fsync
when the server offers it, then posix-rename over the old file; mode 0600,
and ~/.ssh made 0700 when missing.  The file is read again just before the
write and the change refused if someone else changed it meanwhile.  Disabling
or removing the key this connection logged in with needs `force`.
"""

from __future__ import annotations

import posixpath
import secrets
from dataclasses import dataclass, field

import asyncssh

from sshdeck.core.fs.names import clean_reason, display_path
from sshdeck.core.keys.authorized_keys_format import (
    BadLine,
    Entry,
    KeyTextError,
    PublicKey,
    append_line,
    disable_line,
    enable_line,
    from_option,
    parse_file,
    remove_line,
)

FILES = ("authorized_keys", "authorized_keys2")
MAX_FILE_BYTES = 1024 * 1024


class KeysError(Exception):
    """A one-line reason an authorized_keys operation did not happen."""


class NotReachable(KeysError):
    """~/.ssh cannot be reached over SFTP (chroot, no home, no permission)."""


class LockOutRefused(KeysError):
    """The change would disable the key this very connection logged in with."""


class ConcurrentChange(KeysError):
    """The file changed between reading it and writing it."""


@dataclass
class KeysListing:
    """What the files hold right now."""

    ssh_dir: str
    entries: list[Entry] = field(default_factory=list)
    bad_lines: list[BadLine] = field(default_factory=list)
    login_fingerprint: str | None = None
    contents: dict[str, bytes | None] = field(default_factory=dict)  # None: the file does not exist

    def is_login_key(self, entry: Entry) -> bool:
        return entry.enabled and entry.fingerprint == self.login_fingerprint

    def matching(self, fp: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.fingerprint == fp]


class AuthorizedKeys:
    """One host's authorized_keys files, reached through an SFTP client."""

    def __init__(self, sftp: asyncssh.SFTPClient, login_fingerprint: str | None = None) -> None:
        self.sftp = sftp
        self.login_fingerprint = login_fingerprint

    # -- reading ------------------------------------------------------------------

    async def ssh_dir(self) -> str:
        try:
            home = await self.sftp.realpath(".")
        except asyncssh.SFTPError as exc:
            raise NotReachable(f"~/.ssh is not reachable over SFTP on this host (no home: {clean_reason(exc.reason)})") from None
        if home in ("/", ""):
            # A jail's root is not where sshd reads keys from: writing there would do nothing.
            raise NotReachable("~/.ssh is not reachable over SFTP on this host (chrooted or no home)")
        return posixpath.join(home, ".ssh")

    async def load(self) -> KeysListing:
        folder = await self.ssh_dir()
        listing = KeysListing(folder, login_fingerprint=self.login_fingerprint)
        for name in FILES:
            data = await self._read(posixpath.join(folder, name))
            listing.contents[name] = data
            if data is not None:
                entries, bad = parse_file(name, data)
                listing.entries.extend(entries)
                listing.bad_lines.extend(bad)
        return listing

    async def _read(self, path: str) -> bytes | None:
        try:
            async with self.sftp.open(path, "rb") as handle:
                data = await handle.read(MAX_FILE_BYTES + 1)
        except asyncssh.SFTPNoSuchFile:
            return None
        except asyncssh.SFTPPermissionDenied:
            raise NotReachable(f"{display_path(path)} is not readable over SFTP (permission denied)") from None
        except asyncssh.SFTPError as exc:
            raise KeysError(f"cannot read {display_path(path)}: {clean_reason(exc.reason)}") from None
        if len(data) > MAX_FILE_BYTES:
            raise KeysError(f"{display_path(path)} is larger than 1 MiB; not an authorized_keys file to edit")
        return data

    # -- changes ------------------------------------------------------------------

    async def add(self, key: PublicKey, *, from_patterns: str | None = None, file: str = "authorized_keys") -> str:
        if file not in FILES:
            raise KeysError(f"--file must be one of {', '.join(FILES)}")
        options = from_option(from_patterns) if from_patterns else ""
        listing = await self.load()
        present = [e for e in listing.entries if e.enabled and e.key.blob == key.blob]
        if present:
            return f"{key.fingerprint} is already authorized ({present[0].where}); nothing changed"
        line = f"{options} {key.line()}" if options else key.line()
        await self._write(listing, file, append_line(listing.contents[file] or b"", line))
        return f"added {key.fingerprint} to {file}"

    async def disable(self, fp: str, *, force: bool = False) -> str:
        return await self._change(fp, "disable", force)

    async def enable(self, fp: str) -> str:
        return await self._change(fp, "enable", True)

    async def remove(self, fp: str, *, force: bool = False) -> str:
        return await self._change(fp, "remove", force)

    async def _change(self, fp: str, action: str, force: bool) -> str:
        listing = await self.load()
        found = listing.matching(fp)
        if not found:
            raise KeysError(f"no key {fp} in {' or '.join(FILES)}")
        if action == "disable":
            targets = [e for e in found if e.enabled]
        elif action == "enable":
            targets = [e for e in found if not e.enabled]
        else:
            targets = found
        if not targets:
            return f"{fp} is already {action}d; nothing changed"
        if action != "enable" and not force and any(listing.is_login_key(e) for e in targets):
            raise LockOutRefused(
                f"{fp} is the key this session logged in with; to {action} it anyway, confirm (--force)"
            )
        for name in FILES:
            mine = [e for e in targets if e.file == name]
            if not mine:
                continue
            data = listing.contents[name] or b""
            # Bottom-up, so removing a line does not shift the ones still to do.
            for entry in sorted(mine, key=lambda e: e.line, reverse=True):
                if action == "disable":
                    data = disable_line(data, entry.line)
                elif action == "enable":
                    data = enable_line(data, entry.line)
                else:
                    data = remove_line(data, entry.line)
            await self._write(listing, name, data)
        where = ", ".join(e.where for e in targets)
        return f"{action}d {fp} ({where})"

    async def _write(self, listing: KeysListing, name: str, data: bytes) -> None:
        folder = listing.ssh_dir
        path = posixpath.join(folder, name)
        await self._ensure_folder(folder)
        if await self._read(path) != listing.contents.get(name):
            raise ConcurrentChange(f"{name} changed on the server since it was read; reload and try again")
        temp = posixpath.join(folder, f".{name}.sshdeck-{secrets.token_hex(6)}")
        attrs = asyncssh.SFTPAttrs(permissions=0o600)
        try:
            async with self.sftp.open(temp, "xb", attrs) as handle:
                await handle.write(data)
                try:
                    await handle.fsync()
                except asyncssh.SFTPOpUnsupported:
                    pass
            await self.sftp.chmod(temp, 0o600)
            try:
                await self.sftp.posix_rename(temp, path)
            except asyncssh.SFTPOpUnsupported:
                if listing.contents.get(name) is not None:
                    raise KeysError("the server offers no posix-rename; refusing to replace the file non-atomically") from None
                await self.sftp.rename(temp, path)
        except asyncssh.SFTPError as exc:
            await self._discard(temp)
            raise KeysError(f"cannot write {display_path(path)}: {clean_reason(exc.reason)}") from None
        except BaseException:
            await self._discard(temp)
            raise

    async def _discard(self, temp: str) -> None:
        try:
            await self.sftp.remove(temp)
        except (asyncssh.SFTPError, OSError):
            pass

    async def _ensure_folder(self, folder: str) -> None:
        try:
            await self.sftp.stat(folder)
            return
        except asyncssh.SFTPNoSuchFile:
            pass
        except asyncssh.SFTPError as exc:
            raise NotReachable(f"~/.ssh is not reachable over SFTP on this host ({clean_reason(exc.reason)})") from None
        try:
            await self.sftp.mkdir(folder, asyncssh.SFTPAttrs(permissions=0o700))
            await self.sftp.chmod(folder, 0o700)
        except asyncssh.SFTPError as exc:
            raise KeysError(f"cannot create {display_path(folder)}: {clean_reason(exc.reason)}") from None


__all__ = [
    "AuthorizedKeys",
    "ConcurrentChange",
    "FILES",
    "KeyTextError",
    "KeysError",
    "KeysListing",
    "LockOutRefused",
    "NotReachable",
]
