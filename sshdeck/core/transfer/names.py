"""Which names from a listing may become files, and which names collide.

Names arrive as raw bytes from servers we do not trust.  A name is a single
path component: it never contains a separator and is never `.` or `..`, so
joining it under a destination folder can never leave that folder.  Every
other POSIX name (backslashes, quotes, glob characters, newlines, invalid
UTF-8) is legal and is used byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from sshdeck.core.fs.names import display_name

_WINDOWS_RESERVED = re.compile(rb"^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\..*)?$", re.IGNORECASE)
_WINDOWS_FORBIDDEN = set(b'<>:"|?*\\')


class UnsafeNameError(ValueError):
    """A name that must not be used as a path component; the message says why."""


@dataclass(frozen=True)
class NameRules:
    """What the destination accepts: POSIX always, plus Windows' rules when asked."""

    windows: bool = False
    case_insensitive: bool = False


POSIX = NameRules()
WINDOWS = NameRules(windows=True, case_insensitive=True)


def name_problem(name: bytes, rules: NameRules = POSIX) -> str | None:
    """Why `name` is not a safe single path component, or None when it is."""
    if not isinstance(name, bytes):
        return "name is not bytes"
    if not name:
        return "empty name"
    if name in (b".", b".."):
        return f"the name {name.decode()!r} refers to a folder, not an entry"
    if b"/" in name:
        return "name contains '/'"
    if b"\0" in name:
        return "name contains a NUL byte"
    if rules.windows:
        if any(byte < 32 for byte in name):
            return "name contains a control character (not allowed on Windows)"
        bad = sorted({chr(b) for b in name if b in _WINDOWS_FORBIDDEN})
        if bad:
            return "name contains " + " ".join(repr(c) for c in bad) + " (not allowed on Windows)"
        if name[-1:] in (b".", b" "):
            return "name ends with a dot or space (not allowed on Windows)"
        if _WINDOWS_RESERVED.match(name.rstrip(b" ")):
            return "name is reserved on Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9)"
    return None


def check_name(name: bytes, rules: NameRules = POSIX) -> bytes:
    """Return `name` unchanged, or raise UnsafeNameError naming the problem."""
    problem = name_problem(name, rules)
    if problem:
        raise UnsafeNameError(f"unsafe name {display_name(name) if isinstance(name, bytes) else name!r}: {problem}")
    return name


def fold(name: bytes) -> str:
    """The key under which a case-insensitive file system sees `name`."""
    return name.decode("utf-8", errors="surrogateescape").casefold()


def duplicates(names: Iterable[bytes]) -> set[bytes]:
    """Names that occur more than once in one listing (a server bug or an attack)."""
    seen: set[bytes] = set()
    dups: set[bytes] = set()
    for name in names:
        if name in seen:
            dups.add(name)
        seen.add(name)
    return dups


def case_collisions(names: Iterable[bytes]) -> set[bytes]:
    """Distinct names that would land on one file on a case-insensitive destination."""
    groups: dict[str, set[bytes]] = {}
    for name in names:
        groups.setdefault(fold(name), set()).add(name)
    return {name for group in groups.values() if len(group) > 1 for name in group}


def part_name(final: bytes) -> bytes:
    """The deterministic temporary name a file is written under before its commit.

    Deterministic so an interrupted copy finds its partial again; hashed when
    the plain form would pass the usual 255-byte limit.
    """
    plain = b"." + final + b".sshdeck-part"
    if len(plain) <= 255:
        return plain
    import hashlib

    return b".sshdeck-" + hashlib.sha256(final).hexdigest()[:32].encode() + b".sshdeck-part"


def is_part_name(name: bytes) -> bool:
    return name.startswith(b".") and name.endswith(b".sshdeck-part")


def show(path: Iterable[bytes]) -> str:
    """A relative path of raw names, printable (control characters escaped)."""
    return "/".join(display_name(part) for part in path) or "."
