"""What the emulator reports to its owner instead of acting on it.

Nothing the remote side sends reaches the user's clipboard, window title or
file pane directly: the emulator queues one of these events and the widget
decides (a title is shown in the tab label, a clipboard write only when the
profile allows it, a folder change only when "follow the shell" is on).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TitleChanged:
    """OSC 0/2: the program set the window title (already cleaned and capped)."""

    title: str


@dataclass(frozen=True)
class CwdChanged:
    """OSC 7: the shell reported its current folder as `file://host/path`."""

    path: str
    host: str


@dataclass(frozen=True)
class ClipboardWrite:
    """OSC 52: the program asks to put `text` on the clipboard; apply only if allowed."""

    selection: str
    """The xterm selection letters it named (`c` clipboard, `p` primary...)."""
    text: str


@dataclass(frozen=True)
class Bell:
    """BEL outside a string sequence."""


TerminalEvent = TitleChanged | CwdChanged | ClipboardWrite | Bell
