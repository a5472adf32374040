"""Reading an OpenSSH client config: lines, quoting, ``Include``, and which settings apply to an alias.

:class:`ConfigReader` reads a file (following ``Include`` up to OpenSSH's
depth, with caps on files and sizes) into :class:`ConfigItem` s;
:func:`collect_settings` walks them for one alias the way ``ssh ALIAS`` would:
keywords are case-insensitive, the first value found wins (except the
keywords in ``_MULTI``, which add up), wildcard ``Host`` blocks apply to the
aliases they match, and ``Match`` blocks are skipped with a note (``Match all``
is read as ``Host *``).  Problems become notes; nothing here raises for a
file's contents.  Turning the settings into a profile is `ssh_config_profile`.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_INCLUDE_DEPTH = 16  # OpenSSH's READCONF_MAX_DEPTH
MAX_FILES = 256
MAX_FILE_BYTES = 1024 * 1024
FORWARD_KEYWORDS = ("localforward", "remoteforward", "dynamicforward")
_MULTI = {"identityfile", "certificatefile", *FORWARD_KEYWORDS}


@dataclass
class ConfigItem:
    kind: str  # "host", "match", "include", "option"
    keyword: str
    args: list[str]
    raw: str  # the text after the keyword, for RemoteCommand
    source: str  # "path:line"
    children: list[ConfigItem] = field(default_factory=list)


def split_args(text: str) -> list[str]:
    """Split like OpenSSH's argv_split: quotes group, backslash escapes, '#' starts a comment."""
    args: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n or text[i] == "#":
            break
        token: list[str] = []
        quote = None
        while i < n:
            c = text[i]
            if quote:
                if c == quote:
                    quote = None
                elif c == "\\" and i + 1 < n and text[i + 1] in (quote, "\\"):
                    i += 1
                    token.append(text[i])
                else:
                    token.append(c)
            elif c.isspace():
                break
            elif c in "\"'":
                quote = c
            elif c == "\\" and i + 1 < n and text[i + 1] in " \\\"'":
                i += 1
                token.append(text[i])
            else:
                token.append(c)
            i += 1
        if quote:
            raise ValueError("unterminated quote")
        args.append("".join(token))
    return args


class ConfigReader:
    def __init__(self, ssh_dir: Path) -> None:
        self.ssh_dir = ssh_dir
        self.notes: list[str] = []
        self.files = 0

    def read(self, path: Path, depth: int) -> list[ConfigItem]:
        self.files += 1
        if self.files > MAX_FILES:
            self.notes.append(f"{path}: more than {MAX_FILES} files included; the rest were not read")
            return []
        try:
            if path.exists() and not path.is_file():
                # A FIFO or device would block or never end.
                self.notes.append(f"{path} is not a regular file; not read")
                return []
            if path.stat().st_size > MAX_FILE_BYTES:
                self.notes.append(f"{path}: larger than 1 MiB, not read")
                return []
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.notes.append(f"{path} does not exist")
            return []
        except (OSError, UnicodeDecodeError) as exc:
            self.notes.append(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})")
            return []
        items: list[ConfigItem] = []
        for number, line in enumerate(text.splitlines(), 1):
            source = f"{path}:{number}"
            match = re.match(r"\s*([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+|$)(.*)$", line)
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not match:
                self.notes.append(f"{source}: cannot read this line; skipped")
                continue
            keyword, raw = match.group(1).lower(), match.group(2).strip()
            try:
                args = split_args(raw)
            except ValueError as exc:
                self.notes.append(f"{source}: {exc}; line skipped")
                continue
            if keyword in ("host", "match"):
                if keyword == "match" and [a.lower() for a in args] != ["all"]:
                    self.notes.append(f"{source}: Match blocks are not evaluated; its settings were skipped")
                items.append(ConfigItem(keyword, keyword, args, raw, source))
            elif keyword == "include":
                items.append(ConfigItem("include", keyword, args, raw, source, self._include(args, source, depth)))
            else:
                items.append(ConfigItem("option", keyword, args, raw, source))
        return items

    def _include(self, args: list[str], source: str, depth: int) -> list[ConfigItem]:
        if depth + 1 > MAX_INCLUDE_DEPTH:
            self.notes.append(f"{source}: Include nested more than {MAX_INCLUDE_DEPTH} deep; not followed")
            return []
        children: list[ConfigItem] = []
        for arg in args:
            pattern = os.path.expanduser(arg)
            if not os.path.isabs(pattern):
                pattern = str(self.ssh_dir / pattern)  # as OpenSSH does for user configs
            matches = sorted(glob.glob(pattern))
            if not matches:
                self.notes.append(f"{source}: Include {arg} matched no file")
            for match in matches:
                if Path(match).is_file():
                    children.extend(self.read(Path(match), depth + 1))
        return children


def host_matches(alias: str, patterns: list[str]) -> bool:
    """OpenSSH Host semantics: any positive pattern matches and no negated one does."""
    alias = alias.lower()
    matched = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lstrip("!").lower())
        if re.fullmatch(regex, alias, re.DOTALL):
            if negate:
                return False
            matched = True
    return matched


def _is_concrete(pattern: str) -> bool:
    return not any(c in pattern for c in "*?!") and bool(pattern)


def collect_settings(items: list[ConfigItem], alias: str, found: dict[str, list[ConfigItem]], never_match: bool = False) -> None:
    active = True
    for item in items:
        if item.kind == "host":
            active = not never_match and host_matches(alias, item.args)
        elif item.kind == "match":
            active = not never_match and [a.lower() for a in item.args] == ["all"]
        elif item.kind == "include":
            # An Include in an inactive block can never activate (OpenSSH's SSHCONF_NEVERMATCH).
            collect_settings(item.children, alias, found, never_match or not active)
        elif active:
            if item.keyword in _MULTI or item.keyword not in found:
                found.setdefault(item.keyword, []).append(item)


def concrete_aliases(items: list[ConfigItem], out: dict[str, str]) -> None:
    for item in items:
        if item.kind == "host":
            for pattern in item.args:
                if _is_concrete(pattern):
                    out.setdefault(pattern, item.source)
        elif item.kind == "include":
            concrete_aliases(item.children, out)
