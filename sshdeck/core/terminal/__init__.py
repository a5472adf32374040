"""A VT/xterm terminal emulator for sshdeck's shell tabs, in plain Python.

The widget feeds it the remote side's bytes, renders the lines it reports
dirty, reads `modes` to encode keys, pastes and mouse events (see `keys`),
and drains `events` (title, folder, clipboard, bell) and replies.
"""

from .events import Bell, ClipboardWrite, CwdChanged, TerminalEvent, TitleChanged
from .keys import encode_focus, encode_key, encode_mouse, encode_paste
from .line import Line
from .modes import Modes
from .styles import DEFAULT, Style
from .terminal import Cursor, Run, Terminal

__all__ = [
    "Bell",
    "ClipboardWrite",
    "Cursor",
    "CwdChanged",
    "DEFAULT",
    "Line",
    "Modes",
    "Run",
    "Style",
    "Terminal",
    "TerminalEvent",
    "TitleChanged",
    "encode_focus",
    "encode_key",
    "encode_mouse",
    "encode_paste",
]
