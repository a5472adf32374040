"""hosts.toml: where host profiles live between runs (the recent list is in recent_connections.py).

Loading never raises.  A file that is not valid TOML, or holds profiles that
fail validation, still gives a :class:`ProfileStore`: it carries the profiles
that could be read, a list of :class:`LoadProblem` (line and message), and is
``read_only``: :meth:`ProfileStore.save` refuses until the user confirms with
``save(replace=True)``, which first copies the old file to
``hosts.toml.bak-<UTC time>``.  A profile with any invalid field is left out
rather than half-read: a dropped pin or policy would weaken host-key checks.

Unknown keys are reported as problems and ignored; like any problem they keep
the store read-only, so they are dropped only on a confirmed save, which keeps
a backup holding them.  hosts.toml or its folder being writable by group or
others makes sshdeck refuse the file, as OpenSSH's StrictModes does.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tomllib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sshdeck.core import paths
from sshdeck.core.hosts.recent_connections import RecentConnection, RecentConnections
from sshdeck.core.hosts.profiles import MAX_NAME, HostProfile, parse_jump_address
from sshdeck.core.hosts.hosts_toml import SCHEMA_VERSION, Lines, dumps_profiles, read_profile_table, safe_label
from sshdeck.core.hosts.targets import Target

HOSTS_FILE = "hosts.toml"
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_PROFILES = 2000



def hosts_path() -> Path:
    """The default hosts.toml, in the platformdirs config folder."""
    return paths.config_dir() / HOSTS_FILE


@dataclass(frozen=True)
class LoadProblem:
    """Something wrong in hosts.toml: a 1-based line when it could be found, and what."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class SaveError(Exception):
    """hosts.toml was not written; the message says why and the old file is intact."""


class SaveNeedsConfirmation(SaveError):
    """The file on disk had problems or changed since loading; save(replace=True) keeps a backup and writes."""


def permission_problem(path: Path) -> str | None:
    """Why sshdeck refuses to read `path` (unsafe mode or owner), like OpenSSH's StrictModes."""
    for target, kind, fix in ((path.parent, "folder", "700"), (path, "file", "600")):
        try:
            info = target.stat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            return f"cannot check {target}: {exc.strerror}"
        if kind == "file" and not stat.S_ISREG(info.st_mode):
            return f"{target} is not a regular file"
        if info.st_mode & 0o022:
            return (
                f"{target} is writable by group or others (mode {stat.S_IMODE(info.st_mode):04o}); "
                f"sshdeck will not use it. Fix it with: chmod {fix} {target}"
            )
        if info.st_uid not in (os.getuid(), 0):
            return f"{target} belongs to another user (uid {info.st_uid}); sshdeck will not use it"
    return None


def profile_matches(profile: HostProfile, query: str) -> bool:
    """True when every word of `query` is in the name, host, user or group (case-insensitive)."""
    haystack = " ".join((profile.name, profile.host, profile.user, profile.group)).casefold()
    return all(word in haystack for word in query.casefold().split())


class ProfileStore:
    """The profiles in hosts.toml, plus what went wrong reading it.  Edit in memory, then save()."""

    def __init__(self, path: Path | None = None, recent_file: Path | None = None) -> None:
        self.path = Path(path) if path is not None else hosts_path()
        self.recent = RecentConnections(recent_file)
        self.profiles: list[HostProfile] = []
        self.problems: list[LoadProblem] = []
        self.read_only = False
        self._loaded_digest: bytes | None = None

    # -- loading -----------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None, recent_file: Path | None = None) -> ProfileStore:
        """Read hosts.toml (and the recent list); never raises for anything in the files."""
        store = cls(path, recent_file)
        store._load_hosts()
        store.read_only = bool(store.problems)
        store.recent.load()
        return store

    def _problem(self, message: str, line: int | None = None) -> None:
        self.problems.append(LoadProblem(message, line))

    def _load_hosts(self) -> None:
        if problem := permission_problem(self.path):
            self._problem(problem)
            self._loaded_digest = _digest_of(self.path)
            return
        try:
            size = self.path.stat().st_size
            if size > MAX_FILE_BYTES:
                self._problem(f"{self.path} is {size / 1e6:.1f} MB; sshdeck reads at most {MAX_FILE_BYTES // 2**20} MiB")
                self._loaded_digest = _digest_of(self.path)
                return
            data = self.path.read_bytes()[: MAX_FILE_BYTES + 1]
        except FileNotFoundError:
            return
        except OSError as exc:
            self._problem(f"cannot read {self.path}: {exc.strerror}")
            return
        self._loaded_digest = hashlib.sha256(data).digest()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._problem("the file is not valid UTF-8", data[: exc.start].count(b"\n") + 1)
            return
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
            message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
            line = int(match.group(1)) if match else text.count("\n") + 1
            column = f", column {match.group(2)}" if match else ""
            self._problem(f"not valid TOML: {message}{column}", line)
            return
        except RecursionError:
            self._problem("not valid TOML: values are nested too deeply")
            return
        self._read_document(document, Lines(text))

    def _read_document(self, document: dict, lines: Lines) -> None:
        version = document.get("schema_version", SCHEMA_VERSION)
        if isinstance(version, bool) or not isinstance(version, int):
            self._problem("schema_version must be a whole number", lines.top_key("schema_version"))
        elif version > SCHEMA_VERSION:
            self._problem(
                f"written by a newer sshdeck (schema_version {version}); this one understands {SCHEMA_VERSION}",
                lines.top_key("schema_version"),
            )
        elif version < 1:
            self._problem("schema_version must be 1 or more", lines.top_key("schema_version"))
        for key in document:
            if key not in ("schema_version", "profiles"):
                self._problem(f"unknown key {safe_label(key)!r} is ignored", lines.top_key(key))
        tables = document.get("profiles", [])
        if not isinstance(tables, list):
            self._problem("'profiles' must be written as [[profiles]] tables", lines.top_key("profiles"))
            return
        if len(tables) > MAX_PROFILES:
            self._problem(f"only the first {MAX_PROFILES} of {len(tables)} profiles were read")
            tables = tables[:MAX_PROFILES]
        ids: dict[str, int] = {}
        names: set[str] = set()
        for index, table in enumerate(tables):
            profile, problems = read_profile_table(table, index, lines)
            self.problems.extend(LoadProblem(message, line) for message, line in problems)
            if profile is None:
                continue
            if profile.id in ids:
                self._problem(f"profile {profile.name!r}: id {profile.id} is used twice; not loaded", lines.key(index, "id"))
                continue
            if profile.name.casefold() in names:
                self._problem(f"profile name {profile.name!r} is used twice; the second was not loaded", lines.key(index, "name"))
                continue
            ids[profile.id] = index
            names.add(profile.name.casefold())
            self.profiles.append(profile)
        for profile in self.profiles:
            if message := self.jump_problem(profile):
                self._problem(f"profile {profile.name!r}: {message}", lines.key(ids[profile.id], "jump_host"))

    # -- saving ------------------------------------------------------------

    def save(self, *, replace: bool = False) -> Path | None:
        """Write hosts.toml atomically (0600, folder 0700); return the backup's path if one was kept.

        Raises SaveNeedsConfirmation when the file had problems at load or was
        changed by someone else since; save(replace=True) then backs it up first.
        """
        on_disk = _digest_of(self.path)
        changed = on_disk != self._loaded_digest
        if (self.read_only or changed) and not replace:
            reason = (
                f"{self.path} had problems when it was loaded"
                if self.read_only
                else f"{self.path} was changed by another program since sshdeck read it"
            )
            raise SaveNeedsConfirmation(f"{reason}; saving replaces it and keeps the old file as a backup")
        for profile in self.profiles:
            if problems := profile.problems():
                field, message = next(iter(problems.items()))
                raise SaveError(f"profile {profile.name!r} is not valid ({field}: {message})")
        data = dumps_profiles(self.profiles).encode("utf-8")
        backup = None
        try:
            if on_disk is not None and (self.read_only or changed):
                backup = self._write_backup()
            paths.write_private_file(self.path, data)
        except OSError as exc:
            raise SaveError(f"could not write {self.path}: {exc.strerror or exc}") from exc
        self._loaded_digest = hashlib.sha256(data).digest()
        self.read_only = False
        self.problems = []
        return backup

    def _write_backup(self) -> Path:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        backup = self.path.with_name(f"{self.path.name}.bak-{stamp}")
        counter = 1
        while backup.exists():
            backup = self.path.with_name(f"{self.path.name}.bak-{stamp}-{counter}")
            counter += 1
        # A copy, not a rename: hosts.toml stays in place until the atomic replace.
        paths.write_private_file(backup, self.path.read_bytes())
        return backup

    # -- editing -----------------------------------------------------------

    def get(self, profile_id: str) -> HostProfile | None:
        return next((p for p in self.profiles if p.id == profile_id), None)

    def find_by_name(self, name: str) -> HostProfile | None:
        folded = name.casefold()
        return next((p for p in self.profiles if p.name.casefold() == folded), None)

    def add(self, profile: HostProfile) -> None:
        if self.get(profile.id) is not None:
            raise ValueError(f"a profile with id {profile.id} already exists")
        self.profiles.append(profile)

    def update(self, profile: HostProfile) -> None:
        """Replace the profile with the same id."""
        for index, existing in enumerate(self.profiles):
            if existing.id == profile.id:
                self.profiles[index] = profile
                return
        raise KeyError(profile.id)

    def remove(self, profile_id: str) -> HostProfile:
        """Delete a profile (its saved password is the caller's to delete: secrets.delete_password)."""
        profile = self.get(profile_id)
        if profile is None:
            raise KeyError(profile_id)
        self.profiles.remove(profile)
        return profile

    def duplicate(self, profile_id: str) -> HostProfile:
        """Add and return a copy under a free name ("web (copy)", "web (copy 2)", …)."""
        original = self.get(profile_id)
        if original is None:
            raise KeyError(profile_id)
        copy = original.duplicate(self.unique_name(f"{original.name} (copy)"))
        self.add(copy)
        return copy

    def unique_name(self, base: str) -> str:
        base = base[:MAX_NAME - 6]
        name, counter = base, 2
        while self.find_by_name(name) is not None:
            name = f"{base} {counter}"
            counter += 1
        return name

    def groups(self) -> dict[str, list[HostProfile]]:
        """Group name → profiles sorted by name; "" (no group) comes first."""
        result: dict[str, list[HostProfile]] = {}
        for profile in sorted(self.profiles, key=lambda p: (p.group.casefold(), p.name.casefold())):
            result.setdefault(profile.group, []).append(profile)
        return result

    def filter(self, query: str) -> list[HostProfile]:
        """The profiles the sidebar shows for what the user typed in the filter box."""
        return [p for p in self.profiles if profile_matches(p, query)]

    def find_duplicate(self, profile: HostProfile) -> HostProfile | None:
        """Another profile with the same name or the same user@host:port."""
        for other in self.profiles:
            if other.id == profile.id:
                continue
            if other.name.casefold() == profile.name.casefold() or other.endpoint_key() == profile.endpoint_key():
                return other
        return None

    def jump_problem(self, profile: HostProfile) -> str | None:
        """Why the jump host cannot be used: unknown name, loop, or bad address."""
        seen = {profile.id}
        current = profile
        while current.jump_host:
            target = self.find_by_name(current.jump_host)
            if target is None:
                if parse_jump_address(current.jump_host) is None:
                    return f"jump host {current.jump_host!r} is neither a profile name nor user@host:port"
                return None
            if target.id in seen:
                return f"jump host {current.jump_host!r} leads back to itself"
            seen.add(target.id)
            current = target
        return None

    def resolve_jump(self, profile: HostProfile) -> HostProfile | Target | None:
        """The jump host as a profile (by name) or an address; None when there is none."""
        if not profile.jump_host:
            return None
        named = self.find_by_name(profile.jump_host)
        if named is not None:
            return named
        parsed = parse_jump_address(profile.jump_host)
        if parsed is None:
            raise ValueError(f"jump host {profile.jump_host!r} is neither a profile name nor user@host:port")
        user, host, port = parsed
        return Target(host=host, user=user, port=port)

    def validate(self, profile: HostProfile) -> dict[str, str]:
        """Everything the editor shows: field checks with the disk, unique name, usable jump host."""
        found = profile.problems(check_files=True)
        other = self.find_by_name(profile.name)
        if "name" not in found and other is not None and other.id != profile.id:
            found["name"] = f"another profile is already called {other.name!r}"
        if "jump_host" not in found and profile.jump_host:
            if profile.jump_host.casefold() == profile.name.casefold():
                found["jump_host"] = "a profile cannot be its own jump host"
            else:
                trial = ProfileStore(self.path, self.recent.path)
                trial.profiles = [p for p in self.profiles if p.id != profile.id] + [profile]
                if message := trial.jump_problem(profile):
                    found["jump_host"] = message
        return found

    # -- recent connections --------------------------------------------------

    def mark_connected(self, profile_id: str) -> str | None:
        """Put a profile at the top of the recent list; a message if the list could not be saved."""
        profile = self.get(profile_id)
        if profile is None:
            return f"no profile with id {profile_id}"
        return self.recent.remember(profile.endpoint, profile_id)

    def mark_quick_connected(self, target: str) -> str | None:
        """Remember a quick-connect address (it cannot hold a password: targets.py refuses those)."""
        return self.recent.remember(target, None)

    def recent_entries(self, limit: int = 10) -> list[RecentConnection]:
        """Recent connections, newest first, without profiles that were deleted since."""
        known = {p.id for p in self.profiles}
        return [r for r in self.recent.entries if r.profile_id is None or r.profile_id in known][:limit]


def _digest_of(path: Path) -> bytes | None:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").digest()
    except FileNotFoundError:
        return None
    except OSError:
        return b"unreadable"


__all__ = [
    "HOSTS_FILE",
    "SCHEMA_VERSION",
    "LoadProblem",
    "ProfileStore",
    "RecentConnection",
    "SaveError",
    "SaveNeedsConfirmation",
    "dumps_profiles",
    "hosts_path",
    "permission_problem",
    "profile_matches",
]
