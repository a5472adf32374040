"""F3: a read-only text viewer with a size cap; binary files are named as such."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from sshdeck.ui.inert_content import shown

VIEW_LIMIT = 2 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# C1 controls (U+009B is CSI, U+009D OSC) and bidirectional controls, shown as \uXXXX.
_C1_AND_BIDI = re.compile("[\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def as_text(data: bytes) -> str | None:
    """The text to show, or None for binary content (NUL bytes or mostly undecodable)."""
    sample = data[:8192]
    if b"\0" in sample:
        return None
    text = data.decode("utf-8", errors="replace")
    if sample and text[:8192].count("\ufffd") > len(sample) // 20:
        return None
    # Escape sequences in a file must not reach the screen as anything but text.
    text = _CONTROL.sub(lambda m: f"^{chr(ord(m.group()) ^ 0x40)}" if m.group() != "\x7f" else "^?", text)
    return _C1_AND_BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class FileViewer(ModalScreen[None]):
    BINDINGS = [Binding("escape,f3,q", "close", "Close", id="close_viewer")]

    def __init__(self, title: str, data: bytes, total_size: int) -> None:
        super().__init__()
        self.title_text = title
        self.data = data[:VIEW_LIMIT]
        self.total_size = total_size

    def compose(self) -> ComposeResult:
        text = as_text(self.data)
        with Vertical(classes="viewer"):
            note = ""
            if text is None:
                note = f"  — binary file, {self.total_size:,} bytes; not shown"
            elif self.total_size > len(self.data):
                note = f"  — showing the first {len(self.data):,} of {self.total_size:,} bytes"
            yield Label(shown(self.title_text + note), classes="dialog-title")
            yield TextArea(text or "", read_only=True, id="viewer-text", show_line_numbers=text is not None)

    def action_close(self) -> None:
        self.dismiss(None)
