"""known_hosts files, read the way OpenSSH reads them and written only to sshdeck's own.

asyncssh rejects a whole file for one line it cannot parse, so the files are
parsed here line by line: a bad line is skipped with a warning naming
`file:line`, and every entry remembers where it came from so a prompt can say
which line trusts (or contradicts) a key.

Lookups follow OpenSSH (hostfile.c): the name is the host in lower case, or
`[host]:port` for ports other than 22, with no fall-back to the bare host for
other ports; patterns take `*`, `?` and `!negation`; hashed names are
`|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from sshdeck.core import paths
from sshdeck.core.trust.fingerprint import openssh_key_line

log = logging.getLogger(__name__)

MARKERS = ("cert-authority", "revoked")
USER_KNOWN_HOSTS = "~/.ssh/known_hosts"
SYSTEM_KNOWN_HOSTS = "/etc/ssh/ssh_known_hosts"


def own_known_hosts_path() -> Path:
    """sshdeck's own known_hosts: the only one it ever writes."""
    return paths.config_dir() / "known_hosts"


def lookup_name(host: str, port: int | None) -> str:
    """The name OpenSSH looks up and writes: `host`, or `[host]:port` off port 22."""
    host = host.lower()
    if port and port != 22:
        return f"[{host}]:{port}"
    return host


@dataclass(frozen=True)
class KnownHostsRef:
    """Where a known_hosts entry lives, printed as `file:line`."""

    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class KnownHostsEntry:
    """One usable line: an optional marker, its host patterns and a public key."""

    ref: KnownHostsRef
    marker: str | None
    hosts: str
    key: asyncssh.SSHKey = field(compare=False, repr=False)

    @property
    def hashed(self) -> bool:
        return self.hosts.startswith("|")

    def matches(self, name: str) -> bool:
        """Whether this line's host field applies to the lookup `name`."""
        if self.hashed:
            return _hashed_matches(self.hosts, name)
        return match_host_patterns(name, self.hosts)

    def names_exactly(self, name: str) -> bool:
        """Whether the line names `name` itself (hashed or literally), not by wildcard."""
        if self.hashed:
            return _hashed_matches(self.hosts, name)
        return name in (p.lower() for p in self.hosts.split(","))


def match_host_patterns(name: str, patterns: str) -> bool:
    """OpenSSH's match_hostname: a negated match wins, else any positive match."""
    name = name.lower()
    matched = False
    for pattern in patterns.lower().split(","):
        negated = pattern.startswith("!")
        if negated:
            pattern = pattern[1:]
        if _wildcard(pattern).fullmatch(name):
            if negated:
                return False
            matched = True
    return matched


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.S)


def _hashed_matches(field_text: str, name: str) -> bool:
    salt, digest = _split_hashed(field_text)
    return hmac.compare_digest(hmac.new(salt, name.lower().encode(), hashlib.sha1).digest(), digest)


def _split_hashed(field_text: str) -> tuple[bytes, bytes]:
    parts = field_text.split("|")
    if len(parts) != 4 or parts[0] != "" or parts[1] != "1":
        raise ValueError("hashed host name is not |1|salt|hash")
    try:
        salt = base64.b64decode(parts[2], validate=True)
        digest = base64.b64decode(parts[3], validate=True)
    except binascii.Error:
        raise ValueError("hashed host name is not valid base64") from None
    if len(digest) != 20:
        raise ValueError("hashed host name has the wrong length")
    return salt, digest


def hash_host_name(name: str, salt: bytes | None = None) -> str:
    """A `|1|salt|hash` field for `name`, as `ssh-keygen -H` writes it."""
    salt = os.urandom(20) if salt is None else salt
    digest = hmac.new(salt, name.lower().encode(), hashlib.sha1).digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(digest).decode()}"


def parse_line(text: str, ref: KnownHostsRef) -> KnownHostsEntry | None:
    """One known_hosts line as an entry; None for blanks and comments; ValueError if bad."""
    line = text.strip()
    if not line or line.startswith("#"):
        return None
    marker: str | None = None
    fields = line.split()
    if fields[0].startswith("@"):
        marker = fields[0][1:]
        if marker not in MARKERS:
            raise ValueError(f"unknown marker @{marker}")
        fields = fields[1:]
    if len(fields) < 3:
        raise ValueError("expected host names, key type and key")
    hosts, key_type, key_data = fields[0], fields[1], fields[2]
    if hosts.startswith("|"):
        _split_hashed(hosts)
    try:
        key = asyncssh.import_public_key(f"{key_type} {key_data}")
    except (asyncssh.KeyImportError, ValueError) as exc:
        raise ValueError(f"unusable {key_type} key ({exc})") from None
    return KnownHostsEntry(ref, marker, hosts, key)


@dataclass
class KnownHosts:
    """Every usable entry of a set of known_hosts files, plus the warnings about the rest."""

    entries: list[KnownHostsEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, files: list[Path]) -> "KnownHosts":
        """Read `files` in order; missing files are fine, bad lines are skipped."""
        known = cls()
        for path in files:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except FileNotFoundError:
                continue
            except OSError as exc:
                known._warn(f"{path}: cannot read ({exc.strerror or exc})")
                continue
            for number, line in enumerate(text.splitlines(), start=1):
                ref = KnownHostsRef(path, number)
                try:
                    entry = parse_line(line, ref)
                except ValueError as exc:
                    known._warn(f"{ref}: skipped: {exc}")
                    continue
                if entry is not None:
                    known.entries.append(entry)
        return known

    def _warn(self, message: str) -> None:
        log.warning("known_hosts %s", message)
        self.warnings.append(message)

    def lookup(self, host: str, port: int | None) -> list[KnownHostsEntry]:
        """Entries (any marker) whose host field applies to this host and port."""
        name = lookup_name(host, port)
        return [entry for entry in self.entries if entry.matches(name)]


@dataclass(frozen=True)
class ForgetResult:
    """What "forget this host's key" did, and what it could not do."""

    removed: list[KnownHostsRef]
    # Lines in files sshdeck never writes (or wildcard lines): the user edits these.
    elsewhere: list[KnownHostsRef]


@dataclass
class TrustStore:
    """The known_hosts files sshdeck reads, and the one it writes.

    `read_files` are consulted in order (OpenSSH reads the user's file before the
    system one); `own_file` is always read too and is the only file written.
    """

    own_file: Path = field(default_factory=own_known_hosts_path)
    read_files: list[Path] = field(
        default_factory=lambda: [Path(USER_KNOWN_HOSTS).expanduser(), Path(SYSTEM_KNOWN_HOSTS)]
    )
    hash_names: bool = False

    def files(self) -> list[Path]:
        ordered = [self.read_files[0], self.own_file, *self.read_files[1:]] if self.read_files else [self.own_file]
        unique: list[Path] = []
        for path in ordered:
            if path not in unique:
                unique.append(path)
        return unique

    def load(self) -> KnownHosts:
        return KnownHosts.load(self.files())

    def known_hosts_line(self, host: str, port: int | None, key: asyncssh.SSHKey) -> str:
        name = lookup_name(host, port)
        shown = hash_host_name(name) if self.hash_names else name
        return f"{shown} {openssh_key_line(key)}\n"

    def save(self, host: str, port: int | None, key: asyncssh.SSHKey) -> KnownHostsRef:
        """Append a trust line for this host to sshdeck's own file (0600, atomic)."""
        existing = _read_bytes(self.own_file)
        if existing and not existing.endswith(b"\n"):
            existing += b"\n"
        line = self.known_hosts_line(host, port, key).encode()
        paths.write_private_file(self.own_file, existing + line)
        ref = KnownHostsRef(self.own_file, existing.count(b"\n") + 1)
        log.info("saved host key for %s at %s", lookup_name(host, port), ref)
        return ref

    def forget(self, host: str, port: int | None) -> ForgetResult:
        """Remove this host's key lines from sshdeck's own file; list the others.

        `@revoked` and `@cert-authority` lines stay: forgetting a host must never
        un-revoke a key or drop a CA other hosts rely on.  A line naming several
        hosts loses only this one.
        """
        name = lookup_name(host, port)
        removed: list[KnownHostsRef] = []
        elsewhere: list[KnownHostsRef] = []
        kept: list[str] = []
        raw = _read_bytes(self.own_file).decode("utf-8", errors="surrogateescape")
        for number, text in enumerate(raw.splitlines(keepends=True), start=1):
            ref = KnownHostsRef(self.own_file, number)
            try:
                entry = parse_line(text, ref)
            except ValueError:
                entry = None
            if entry is None or entry.marker is not None or not entry.matches(name):
                kept.append(text)
                continue
            if not entry.names_exactly(name):
                elsewhere.append(ref)
                kept.append(text)
                continue
            removed.append(ref)
            if not entry.hashed:
                others = [p for p in entry.hosts.split(",") if p.lower() != name]
                if any(not p.startswith("!") for p in others):
                    kept.append(text.replace(entry.hosts, ",".join(others), 1))
        if removed:
            paths.write_private_file(self.own_file, "".join(kept).encode("utf-8", errors="surrogateescape"))
            log.info("forgot host key lines for %s: %s", name, ", ".join(map(str, removed)))
        others = KnownHosts.load([p for p in self.files() if p != self.own_file])
        elsewhere += [e.ref for e in others.entries if e.marker is None and e.matches(name)]
        return ForgetResult(removed, elsewhere)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
