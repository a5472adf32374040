"""Reading and editing authorized_keys text the way OpenSSH's sshd reads it.

A file is kept as its raw lines (line endings included) so an edit touches
one line and leaves every other byte alone.  A `#` line whose rest parses as
a key is a *disabled* entry (the admin's usual way to switch a key off);
other comments and blank lines are carried along untouched.  Options are
split like OpenSSH's auth-options parser: commas and spaces inside double
quotes do not count, and `\\"` is a quote inside a quoted value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

KEY_TYPES = frozenset(
    {
        "ssh-rsa",
        "ssh-dss",
        "ssh-ed25519",
        "ssh-ed448",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ecdsa-sha2-nistp256@openssh.com",
        "sk-ssh-ed25519@openssh.com",
    }
)
_CERT_SUFFIX = "-cert-v01@openssh.com"
_LINE_END = re.compile(rb"\r\n|\n|\r")


class KeyTextError(ValueError):
    """A public key or option text that cannot go into authorized_keys."""


@dataclass(frozen=True)
class PublicKey:
    """One public key: its type, base64 blob and comment."""

    key_type: str
    blob: str  # base64, as written in the file
    comment: str = ""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.blob)

    def line(self) -> str:
        return " ".join(part for part in (self.key_type, self.blob, self.comment) if part)


@dataclass(frozen=True)
class Entry:
    """A line of an authorized_keys file that holds a key (enabled or `#`-disabled)."""

    file: str  # "authorized_keys" or "authorized_keys2"
    line: int  # 1-based
    enabled: bool
    key: PublicKey
    options: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        return self.key.fingerprint

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class BadLine:
    """A line that is neither a comment, blank, nor a key."""

    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def message(self) -> str:
        return f"{self.file} line {self.line}: not a key"


def fingerprint(blob_b64: str) -> str:
    digest = hashlib.sha256(base64.b64decode(blob_b64)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def split_lines(data: bytes) -> list[bytes]:
    """The file's lines with their own line endings (CRLF stays CRLF)."""
    return data.splitlines(keepends=True)


def body(raw: bytes) -> bytes:
    """A line without its line ending."""
    match = _LINE_END.search(raw)
    return raw[: match.start()] if match and match.end() == len(raw) else raw


def line_ending(lines: list[bytes]) -> bytes:
    """The ending the file already uses (its first line's), LF for a new file."""
    for raw in lines:
        ending = raw[len(body(raw)) :]
        if ending:
            return ending
    return b"\n"


def parse_key(text: str) -> PublicKey | None:
    """`type base64 [comment]`, or None when `text` is not such a key."""
    parts = text.strip(" \t").split(None, 2)
    if len(parts) < 2:
        return None
    key_type, blob = parts[0], parts[1]
    base_type = key_type[: -len(_CERT_SUFFIX)] if key_type.endswith(_CERT_SUFFIX) else key_type
    if base_type not in KEY_TYPES:
        return None
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return None
    # The blob starts with its own type name; a mismatch is a damaged line.
    if len(raw) < 4:
        return None
    size = int.from_bytes(raw[:4], "big")
    if raw[4 : 4 + size] != key_type.encode("ascii"):
        return None
    comment = parts[2].strip(" \t") if len(parts) > 2 else ""
    return PublicKey(key_type, blob, comment)


def _options_end(text: str) -> int:
    """Where the options part ends (the first blank outside quotes), like sshkey_advance_past_options."""
    quoted = False
    i = 0
    while i < len(text):
        ch = text[i]
        if not quoted and ch in " \t":
            return i
        if ch == "\\" and quoted and text[i + 1 : i + 2] == '"':
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        i += 1
    return -1 if quoted else len(text)


def split_options(text: str) -> tuple[str, ...]:
    """`from="a,b",restrict` → ('from="a,b"', 'restrict'): commas inside quotes stay."""
    out: list[str] = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and quoted and text[i + 1 : i + 2] == '"':
            current.append('\\"')
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    out.append("".join(current))
    return tuple(out)


def parse_entry_text(text: str) -> tuple[tuple[str, ...], PublicKey] | None:
    """Options and key of one (uncommented) line, or None if it is not a key line."""
    text = text.lstrip(" \t")
    key = parse_key(text)
    if key is not None:
        return (), key
    end = _options_end(text)
    if end <= 0:
        return None
    key = parse_key(text[end:])
    if key is None:
        return None
    return split_options(text[:end]), key


def parse_file(name: str, data: bytes) -> tuple[list[Entry], list[BadLine]]:
    """Every key entry of one file and the lines that are not keys."""
    entries: list[Entry] = []
    bad: list[BadLine] = []
    for number, raw in enumerate(split_lines(data), start=1):
        text = body(raw).decode("utf-8", errors="surrogateescape")
        stripped = text.lstrip(" \t")
        if not stripped:
            continue
        enabled = not stripped.startswith("#")
        parsed = parse_entry_text(stripped if enabled else stripped[1:])
        if parsed is None:
            if enabled:
                bad.append(BadLine(name, number))
            continue
        options, key = parsed
        entries.append(Entry(name, number, enabled, key, options))
    return entries, bad


# -- edits: each returns the whole new file, other lines untouched ---------------


def disable_line(data: bytes, number: int) -> bytes:
    lines = split_lines(data)
    lines[number - 1] = b"#" + lines[number - 1]
    return b"".join(lines)


def enable_line(data: bytes, number: int) -> bytes:
    lines = split_lines(data)
    raw = lines[number - 1]
    at = raw.index(b"#")  # the first `#`, after any leading blanks
    lines[number - 1] = raw[:at] + raw[at + 1 :]
    return b"".join(lines)


def remove_line(data: bytes, number: int) -> bytes:
    lines = split_lines(data)
    del lines[number - 1]
    return b"".join(lines)


def append_line(data: bytes, text: str) -> bytes:
    lines = split_lines(data)
    ending = line_ending(lines)
    if lines and body(lines[-1]) == lines[-1]:
        lines[-1] += ending  # the last line had no line ending yet
    return b"".join(lines) + text.encode("utf-8") + ending


_BAD_PATTERN_CHARS = re.compile(r'["\\\s\x00-\x1f\x7f]')


def from_option(patterns: str) -> str:
    """`from="PATTERNS"`; patterns are comma-separated hosts/addresses (`!`, `*`, `?` allowed)."""
    patterns = patterns.strip()
    if not patterns or _BAD_PATTERN_CHARS.search(patterns):
        raise KeyTextError("--from takes comma-separated host or address patterns without spaces or quotes")
    return f'from="{patterns}"'


def public_key_from_text(text: str) -> PublicKey:
    """The one public key in `text` (a .pub file's contents or a pasted line)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if len(lines) != 1:
        raise KeyTextError("expected exactly one public key line (type, base64, optional comment)")
    key = parse_key(lines[0])
    if key is None:
        raise KeyTextError("not an OpenSSH public key (expected e.g. 'ssh-ed25519 AAAA… comment')")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in key.comment):
        raise KeyTextError("the key's comment holds control characters")
    return key
