"""Turning raw file names into inert, printable text.

Names come from servers we do not trust.  Operations always use the raw
bytes; the screen only ever gets `display_name`, which escapes control
characters (escape sequences included) and undecodable bytes.  Markup
neutrality is the widget's job: it renders these strings as plain text.
"""

from __future__ import annotations

import unicodedata

_SPECIAL = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def display_name(raw: bytes) -> str:
    """A one-line, printable form of a raw name; distinct raw names stay distinct."""
    text = raw.decode("utf-8", errors="surrogateescape")
    out: list[str] = []
    for char in text:
        code = ord(char)
        if char in _SPECIAL:
            out.append(_SPECIAL[char])
        elif 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, kept by surrogateescape
            out.append(f"\\x{code - 0xDC00:02x}")
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") or code == 0x7F:
            out.append(f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}")
        else:
            out.append(char)
    return "".join(out)
