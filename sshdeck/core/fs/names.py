"""Turning raw file names into inert, printable text.

Names come from servers we do not trust.  Operations always use the raw
bytes; the screen only ever gets `display_name`, which escapes control
characters (escape sequences included), bidirectional overrides and
undecodable bytes.  The rule itself lives in `sshdeck.core.inert`; these are
its names for file names and error reasons.  Markup neutrality is the
widget's job: it renders these strings as plain text.
"""

from __future__ import annotations

from sshdeck.core.inert import NEEDS_ESCAPING as _NEEDS_ESCAPING, Inert, inert

__all__ = ["clean_reason", "display_name", "display_path", "_NEEDS_ESCAPING"]

# A server's error text is shown in one notification line.
_REASON_LIMIT = 200


def display_name(raw: bytes) -> Inert:
    """A one-line, printable form of a raw name; distinct raw names stay distinct."""
    return inert(raw)


def display_path(path: str) -> Inert:
    """`display_name` for a path held as a surrogateescape string."""
    return inert(path)


def clean_reason(reason: str | bytes | None) -> Inert:
    """A server's error text made inert and one line, cut to a sane length."""
    if not reason:
        return Inert("")
    return inert(reason if isinstance(reason, Inert) else reason.strip(), limit=_REASON_LIMIT)
