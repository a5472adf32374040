"""Turning raw file names into inert, printable text.

Names come from servers we do not trust.  Operations always use the raw
bytes; the screen only ever gets `display_name`, which escapes control
characters (escape sequences included), bidirectional overrides and
undecodable bytes.  Markup neutrality is the widget's job: it renders these
strings as plain text.
"""

from __future__ import annotations

import re
import unicodedata

_SPECIAL = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}

# Printable ASCII except the backslash: such a name needs no escaping.  Most
# names are like that, and a folder of 100,000 must not pay the slow path.
_NEEDS_ESCAPING = re.compile(rb"[^\x20-\x5b\x5d-\x7e]")

# A server's error text is shown in one notification line.
_REASON_LIMIT = 200


def display_name(raw: bytes) -> str:
    """A one-line, printable form of a raw name; distinct raw names stay distinct."""
    if _NEEDS_ESCAPING.search(raw) is None:
        return raw.decode("ascii")
    text = raw.decode("utf-8", errors="surrogateescape")
    out: list[str] = []
    for char in text:
        code = ord(char)
        if char in _SPECIAL:
            out.append(_SPECIAL[char])
        elif 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, kept by surrogateescape
            out.append(f"\\x{code - 0xDC00:02x}")
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") or code == 0x7F:
            # Cf holds the bidirectional overrides (U+202E) that reorder what
            # follows them; Cn/Co/Cs are unassigned, private or lone surrogates.
            out.append(_escape(code))
        else:
            out.append(char)
    return "".join(out)


def _escape(code: int) -> str:
    # Fixed widths per form keep the escapes unambiguous; \x80-\xff is kept
    # for undecodable bytes, so the C1 controls (U+0080..) take the \u form.
    if code < 0x80:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def display_path(path: str) -> str:
    """`display_name` for a path held as a surrogateescape string."""
    return display_name(path.encode("utf-8", errors="surrogateescape"))


def clean_reason(reason: str | bytes | None) -> str:
    """A server's error text made inert and one line, cut to a sane length."""
    if not reason:
        return ""
    if isinstance(reason, str):
        reason = reason.encode("utf-8", errors="surrogateescape")
    text = display_name(reason.strip())
    if len(text) > _REASON_LIMIT:
        text = text[: _REASON_LIMIT - 1] + "…"
    return text
