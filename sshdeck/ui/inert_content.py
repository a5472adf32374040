"""Dialog text that may hold a server's words, drawn as inert plain text.

Textual's `Content` is markup-neutral but keeps ESC and other controls; every
dialog label built from names, reasons or messages goes through `shown`.
"""

from __future__ import annotations

from textual.content import Content

from sshdeck.core.inert import terminal_safe


def shown(text: object, style: str = "") -> Content:
    """`text` with its control characters escaped (newlines kept), as plain Content."""
    safe = terminal_safe(str(text))
    return Content.styled(safe, style) if style else Content(safe)
