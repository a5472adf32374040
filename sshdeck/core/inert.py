"""Text from a server, made inert: one escaping rule for everything sshdeck shows.

A server chooses file names, link targets, error reasons (SFTP STATUS text),
banners and keyboard-interactive prompts.  Any of them may hold ESC, CSI
(`ESC [` or C1 `\\x9b`), OSC (`ESC ]`, C1 `\\x9d`: title, clipboard), BEL,
CR, DEL or bidirectional overrides that would take over the user's terminal.

Two layers, markupsafe's idea:

- `inert(raw)` is the only way server text becomes displayable: it returns an
  `Inert` string in which every control and format character is a visible
  escape (`\\x1b`, `\\u009b`, `\\r`).  `inert` of an `Inert` is the same text.
- `terminal_safe(text)` is the edge filter: the CLI's output helper, the app's
  notifications, the transfer panel, dialogs and the log pass *everything*
  they emit through it, so text that skipped `inert` still cannot act.  It
  keeps newlines and tabs and is the identity on text `inert` produced.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["Inert", "inert", "plain", "terminal_safe"]

# Printable ASCII except the backslash: such a name needs no escaping.  Most
# names are like that, and a folder of 100,000 must not pay the slow path.
NEEDS_ESCAPING = re.compile(rb"[^\x20-\x5b\x5d-\x7e]")
_NEEDS_ESCAPING_SEARCH = NEEDS_ESCAPING.search
# Printable ASCII plus newline and tab: nothing for `terminal_safe` to do.
_TERMINAL_PLAIN = re.compile(r"[\x20-\x7e\n\t]*")

_ONE_LINE = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}
_MULTI_LINE = {"\r": "\\r"}
# Cf holds the bidirectional overrides (U+202E) that reorder what follows them;
# Cn/Co/Cs are unassigned, private or lone surrogates (names only: the edge
# filter keeps private-use icons a theme may draw).
_NAME_CATEGORIES = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"))
_EDGE_CATEGORIES = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs"))


class Inert(str):
    """Text known safe to show: no control or format character is left in it.

    Made by `inert` (server text) or `plain` (sshdeck's own sentence around
    inert parts).  Adding a plain `str` to it escapes that operand first.
    """

    __slots__ = ()

    def __add__(self, other: str) -> "Inert":
        if not isinstance(other, str):
            return NotImplemented
        return Inert(str.__add__(self, other if isinstance(other, Inert) else terminal_safe(other)))

    def __radd__(self, other: str) -> "Inert":
        if not isinstance(other, str):
            return NotImplemented
        return Inert(str.__add__(terminal_safe(other), self))

    def __repr__(self) -> str:
        return f"Inert({str.__repr__(self)})"


def _escape(code: int) -> str:
    # Fixed widths per form keep the escapes unambiguous; \x80-\xff is kept
    # for undecodable bytes, so the C1 controls (U+0080..) take the \u form.
    if code < 0x80:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _escaped(text: str, special: dict[str, str], categories: frozenset[str]) -> str:
    out: list[str] = []
    for char in text:
        code = ord(char)
        if char in special:
            out.append(special[char])
        elif char in "\n\t":
            out.append(char)  # only reached when `special` keeps lines
        elif 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, kept by surrogateescape
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code == 0x7F or unicodedata.category(char) in categories:
            out.append(_escape(code))
        else:
            out.append(char)
    return "".join(out)


def _cut(text: str, limit: int | None) -> str:
    if limit is not None and len(text) > limit:
        return text[: max(limit - 1, 0)] + "…"
    return text


def inert(raw: str | bytes | None, *, one_line: bool = True, limit: int | None = None) -> Inert:
    """`raw` (server text) as an `Inert` string.

    One line (the default, for names and reasons): newline, CR, tab and the
    backslash are escaped too, so distinct raw names stay distinct.  With
    `one_line=False` (banners, instructions) newlines and tabs are kept.
    Undecodable bytes show as `\\xNN`; `limit` cuts long text with "…".
    """
    if type(raw) is bytes and limit is None and _NEEDS_ESCAPING_SEARCH(raw) is None:
        return Inert(raw.decode("ascii"))  # the common case, kept cheap: folders of 100,000 names
    if raw is None:
        return Inert("")
    if isinstance(raw, Inert):
        text = str(raw)
        if one_line and ("\n" in text or "\t" in text):
            text = text.replace("\n", "\\n").replace("\t", "\\t")
        return Inert(_cut(text, limit))
    if isinstance(raw, str):
        data = raw.encode("utf-8", errors="surrogateescape")
    else:
        data = bytes(raw)
    if NEEDS_ESCAPING.search(data) is None:
        return Inert(_cut(data.decode("ascii"), limit))
    text = data.decode("utf-8", errors="surrogateescape")
    if one_line:
        return Inert(_cut(_escaped(text, _ONE_LINE, _NAME_CATEGORIES), limit))
    return Inert(_cut(_escaped(text, _MULTI_LINE, _NAME_CATEGORIES), limit))


def plain(text: str, *, limit: int | None = None) -> Inert:
    """sshdeck's own one-line sentence (which may embed inert parts) as `Inert`.

    Unlike `inert`, backslashes are left alone (the embedded parts' escapes
    stay readable); controls are escaped and line breaks shown as `\\n`.
    """
    if isinstance(text, Inert):
        return inert(text, limit=limit)
    safe = terminal_safe(str(text)).replace("\n", "\\n").replace("\t", "\\t")
    return Inert(_cut(safe, limit))


def terminal_safe(text: str) -> str:
    """`text` with C0/C1 controls (ESC, CSI, OSC, BEL, CR, DEL) and bidi/format characters escaped.

    Newlines and tabs stay (log tracebacks, multi-line messages).  The edge
    filter: idempotent, and the identity on text `inert` or `plain` produced.
    """
    if _TERMINAL_PLAIN.fullmatch(text):
        return text  # the common case: nothing to do
    return _escaped(text, _MULTI_LINE, _EDGE_CATEGORIES)
