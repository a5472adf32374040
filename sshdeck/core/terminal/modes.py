"""The terminal modes a program switches on and off, and what the widget must honour.

The widget reads `Modes` to know how to encode keys (`app_cursor`,
`app_keypad`), paste (`bracketed_paste`) and mouse events (`mouse_tracking`,
`mouse_sgr`), whether to draw the cursor, and whether focus changes should be
reported.  The emulator itself reads `origin`, `autowrap`, `insert` and
`newline` while it draws.
"""

from __future__ import annotations

from dataclasses import dataclass

MOUSE_OFF = 0
MOUSE_X10 = 9  # press only
MOUSE_NORMAL = 1000  # press and release
MOUSE_BUTTON_MOTION = 1002  # ... and motion while a button is down
MOUSE_ANY_MOTION = 1003  # ... and all motion


@dataclass
class Modes:
    """Mode flags set by DECSET/DECRST (`CSI ? n h/l`), SM/RM and DECKPAM/DECKPNM."""

    app_cursor: bool = False
    """DECCKM (?1): arrows send `ESC O A` instead of `ESC [ A`."""
    app_keypad: bool = False
    """DECKPAM (`ESC =`): the keypad sends application sequences."""
    bracketed_paste: bool = False
    """?2004: wrap pasted text in `ESC[200~` … `ESC[201~`."""
    mouse_tracking: int = MOUSE_OFF
    """0, 9, 1000, 1002 or 1003: which mouse events the program wants."""
    mouse_sgr: bool = False
    """?1006: report mouse events as `ESC[<b;x;yM` rather than the X10 bytes."""
    focus_events: bool = False
    """?1004: send `ESC[I` / `ESC[O` when the terminal gains or loses focus."""
    cursor_visible: bool = True
    """DECTCEM (?25)."""
    alternate_screen: bool = False
    """?47/?1047/?1049: the full-screen program's own screen is showing (no scrollback)."""
    synchronized_output: bool = False
    """?2026: the program is drawing a frame; the widget may hold repaints until it ends."""
    cursor_shape: int = 0
    """DECSCUSR (`CSI n SP q`): 0/1 blinking block, 2 block, 3/4 underline, 5/6 bar."""
    reverse_video: bool = False
    """DECSCNM (?5): the whole screen is drawn in reverse video."""
    origin: bool = False
    """DECOM (?6): cursor addresses are relative to the scroll region."""
    autowrap: bool = True
    """DECAWM (?7): printing past the last column continues on the next line."""
    insert: bool = False
    """IRM (4): printing shifts the rest of the line right."""
    newline: bool = False
    """LNM (20): line feed also returns the carriage."""


# DEC private modes that are plain flags on `Modes`.
PRIVATE_FLAGS = {
    1: "app_cursor",
    5: "reverse_video",
    6: "origin",
    7: "autowrap",
    25: "cursor_visible",
    1004: "focus_events",
    2004: "bracketed_paste",
    2026: "synchronized_output",
}

MOUSE_MODES = (MOUSE_X10, MOUSE_NORMAL, MOUSE_BUTTON_MOTION, MOUSE_ANY_MOTION)
