"""Operating System Commands: titles, the shell's folder and clipboard writes.

Each OSC body is turned into an event or ignored; nothing is ever answered.
Colour queries (`OSC 4/10/11 ; ?`), clipboard reads (`OSC 52 ; c ; ?`) and
anything else that asks for a reply are dropped, because a reply built from
the stream lets a file you `cat` type commands into your shell.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import unquote, urlsplit

from .events import ClipboardWrite, CwdChanged, TerminalEvent, TitleChanged

MAX_TITLE = 256
MAX_CLIPBOARD = 1 << 20  # decoded bytes; more than this is not a copy anyone meant

# C0, DEL, C1, and the bidirectional overrides that can disguise a title.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


def clean_title(raw: str) -> str:
    """A title safe to show: control and bidi-override characters removed, length capped."""
    title = _UNSAFE.sub("", raw).strip()
    return title[:MAX_TITLE]


def parse_cwd(uri: str) -> CwdChanged | None:
    """Read OSC 7's `file://host/path` (percent-encoded) into an event, or None if malformed."""
    if _UNSAFE.search(uri) or len(uri) > 4096:
        return None
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if parts.scheme not in ("file", "kitty-shell-cwd"):
        return None
    path = unquote(parts.path, errors="replace") if parts.scheme == "file" else parts.path
    if not path.startswith("/") or "\0" in path or _UNSAFE.search(path):
        return None
    return CwdChanged(path=path, host=parts.hostname or "")


def parse_clipboard(body: str) -> ClipboardWrite | None:
    """Read OSC 52's `selection;base64` into a write request; reads (`?`) give None."""
    selection, sep, data = body.partition(";")
    if not sep or data == "?" or len(data) > MAX_CLIPBOARD * 4 // 3 + 4:
        return None
    selection = "".join(ch for ch in selection if ch in "cpqs01234567") or "s0"
    try:
        raw = base64.b64decode(data.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    return ClipboardWrite(selection=selection, text=raw.decode("utf-8", errors="replace"))


def handle_osc(body: str) -> tuple[str | None, TerminalEvent | None]:
    """Interpret one OSC body (between `ESC ]` and the terminator).

    Returns (new title or None, event or None).
    """
    command, _, rest = body.partition(";")
    if command in ("0", "2"):
        title = clean_title(rest)
        return title, TitleChanged(title)
    if command == "7":
        return None, parse_cwd(rest)
    if command == "52":
        return None, parse_clipboard(rest)
    # 1 (icon name), 4/10/11/12 (colours), 8 (hyperlinks), 133 (prompt marks)...:
    # nothing we draw depends on them, and queries among them must not be answered.
    return None, None
