"""Turning what a terminal pastes when files are dropped on it into local paths.

Terminals differ: VTE (GNOME Terminal, Tilix) sends shell-quoted paths
(`'/home/me/a b.txt' `), iTerm2 and macOS Terminal escape with backslashes
(`/Users/me/a\\ b.txt`), Konsole and kitty may send `file://` URIs with
percent-encoding, and a text/uri-list has one URI per line (CRLF, `#`
comments).  Some send a plain path with its spaces unescaped.  Only absolute
paths that exist here are kept, so ordinary pasted text never turns into an
upload by accident.
"""

from __future__ import annotations

import os
import stat
from typing import Callable
from urllib.parse import unquote_to_bytes

from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.fs.names import display_path

_SPACE = " \t"
# Inside double quotes the shell only unescapes these.
_DQ_ESCAPABLE = '"\\$`\n'


def split_words(line: str) -> list[str]:
    """Split one line the way a POSIX shell would (quotes, backslashes); no expansion."""
    words: list[str] = []
    current: list[str] = []
    in_word = False
    i, n = 0, len(line)
    while i < n:
        char = line[i]
        if char in _SPACE:
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            i += 1
        elif char == "'":
            end = line.find("'", i + 1)
            end = n if end < 0 else end  # an unclosed quote runs to the end of the line
            current.append(line[i + 1 : end])
            in_word, i = True, end + 1
        elif char == '"':
            i += 1
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n and line[i + 1] in _DQ_ESCAPABLE:
                    i += 1
                current.append(line[i])
                i += 1
            in_word, i = True, i + 1
        elif char == "\\" and i + 1 < n:
            current.append(line[i + 1])
            in_word, i = True, i + 2
        else:
            current.append(char)
            in_word, i = True, i + 1
    if in_word:
        words.append("".join(current))
    return words


def uri_to_path(uri: str) -> str | None:
    """The local path of a `file:` URI (`file:///p`, `file://localhost/p`, `file:/p`), else None."""
    if not uri.lower().startswith("file:"):
        return None
    rest = uri[5:]
    if rest.startswith("//"):
        host, slash, path = rest[2:].partition("/")
        if not slash or host.lower() not in ("", "localhost", _hostname()):
            return None  # another machine's file is not ours to upload
        rest = "/" + path
    if not rest.startswith("/"):
        return None
    rest = rest.split("#", 1)[0].split("?", 1)[0]
    return os.fsdecode(unquote_to_bytes(rest))


def _hostname() -> str:
    try:
        return os.uname().nodename.lower()
    except AttributeError:  # pragma: no cover - Windows
        return ""


def _decode(word: str) -> str:
    if word.lower().startswith("file:"):
        return uri_to_path(word) or ""
    return word


def parse_dropped_paths(text: str, exists: Callable[[str], bool] = os.path.lexists) -> list[str]:
    """The existing absolute local paths in a paste, each once, in the order given.

    When a whole line names an existing path, its words are not tried too:
    `/a b` that exists is one file, not `/a` and `b`.
    """
    found: list[str] = []
    seen: set[str] = set()
    for raw_line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        whole = _decode(line)
        if _keep(whole, exists):
            words = [whole]
        else:
            words = [_decode(word) for word in split_words(line)]
        for path in words:
            if path not in seen and _keep(path, exists):
                seen.add(path)
                found.append(path)
    return found


def _keep(path: str, exists: Callable[[str], bool]) -> bool:
    return bool(path) and path.startswith("/") and "\0" not in path and exists(path)


def local_entries(paths: list[str]) -> tuple[dict[str, list[Entry]], list[str]]:
    """Group local paths by their folder, as entries an upload can start from; plus one line per path that failed."""
    groups: dict[str, list[Entry]] = {}
    problems: list[str] = []
    for path in paths:
        path = os.path.normpath(path)
        parent, name = os.path.split(path)
        if not name:
            continue
        try:
            found = os.lstat(path)
        except OSError as exc:
            problems.append(f"{display_path(path)}: {exc.strerror or exc}")
            continue
        kind = EntryKind.DIR if stat.S_ISDIR(found.st_mode) else EntryKind.FILE
        groups.setdefault(parent, []).append(Entry(os.fsencode(name), kind, found.st_size))
    return groups, problems
