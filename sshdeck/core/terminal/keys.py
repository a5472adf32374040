"""Encoding the user's keys, pastes and mouse events for the remote side.

Key names follow Textual's (`"up"`, `"ctrl+c"`, `"shift+tab"`, `"f5"`,
`"ctrl+shift+left"`) so the widget can pass `event.key` and
`event.character` straight through, but nothing here imports Textual.
Sequences are xterm's, which is what `TERM=xterm-256color` promises.
"""

from __future__ import annotations

from .modes import MOUSE_ANY_MOTION, MOUSE_BUTTON_MOTION, MOUSE_OFF, MOUSE_X10, Modes

# Keys whose xterm sequence is CSI/SS3 + final letter (cursor keys, Home/End, F1–F4).
_LETTER_KEYS = {"up": "A", "down": "B", "right": "C", "left": "D", "home": "H", "end": "F"}
_SS3_KEYS = {"f1": "P", "f2": "Q", "f3": "R", "f4": "S"}
# Keys sent as CSI number ~.
_TILDE_KEYS = {
    "insert": 2,
    "delete": 3,
    "pageup": 5,
    "pagedown": 6,
    "f5": 15,
    "f6": 17,
    "f7": 18,
    "f8": 19,
    "f9": 20,
    "f10": 21,
    "f11": 23,
    "f12": 24,
}
_SIMPLE = {
    "enter": b"\r",
    "return": b"\r",
    "tab": b"\t",
    "escape": b"\x1b",
    "backspace": b"\x7f",  # what xterm and every modern terminal send (stty erase ^?)
    "space": b" ",
}
_CTRL_SYMBOLS = {
    "@": 0,
    "at": 0,
    "space": 0,
    "2": 0,
    "left_square_bracket": 0x1B,
    "[": 0x1B,
    "backslash": 0x1C,
    "\\": 0x1C,
    "right_square_bracket": 0x1D,
    "]": 0x1D,
    "circumflex_accent": 0x1E,
    "^": 0x1E,
    "6": 0x1E,
    "underscore": 0x1F,
    "_": 0x1F,
    "minus": 0x1F,
    "slash": 0x1F,
    "question_mark": 0x7F,
    "?": 0x7F,
}

BRACKET_START = "\x1b[200~"
BRACKET_END = "\x1b[201~"


def _split(key: str) -> tuple[set[str], str]:
    if key in ("ctrl-at", "ctrl+@"):
        return {"ctrl"}, "@"
    if key == "+" or key.endswith("++"):
        return set(key[:-2].split("+")) - {""}, "+"
    parts = key.split("+")
    return set(parts[:-1]), parts[-1]


def encode_key(key: str, character: str | None = None, *, app_cursor: bool = False) -> bytes:
    """The bytes a key sends; b"" for a key that sends nothing.

    `app_cursor` is DECCKM (`Terminal.modes.app_cursor`): arrows and
    Home/End send `ESC O x` instead of `ESC [ x` when it is on.
    """
    mods, base = _split(key)
    alt = bool(mods & {"alt", "meta", "option"})
    shift = "shift" in mods
    ctrl = "ctrl" in mods or "control" in mods
    # xterm's modifier parameter: 1 + shift + 2*alt + 4*ctrl.
    modifier = 1 + shift + 2 * alt + 4 * ctrl

    if base in _LETTER_KEYS:
        final = _LETTER_KEYS[base]
        if modifier > 1:
            return f"\x1b[1;{modifier}{final}".encode()
        return ("\x1bO" if app_cursor else "\x1b[").encode() + final.encode()
    if base in _SS3_KEYS:
        final = _SS3_KEYS[base]
        return f"\x1b[1;{modifier}{final}".encode() if modifier > 1 else f"\x1bO{final}".encode()
    if base in _TILDE_KEYS:
        number = _TILDE_KEYS[base]
        return f"\x1b[{number};{modifier}~".encode() if modifier > 1 else f"\x1b[{number}~".encode()
    if base == "tab" and shift:
        return b"\x1b[Z"
    prefix = b"\x1b" if alt else b""
    if ctrl:
        if len(base) == 1 and base.isascii() and base.isalpha():
            return prefix + bytes([ord(base.lower()) & 0x1F])
        if base in _CTRL_SYMBOLS:
            return prefix + bytes([_CTRL_SYMBOLS[base]])
        if base == "backspace":
            return prefix + b"\x08"
    if base in _SIMPLE:
        return prefix + _SIMPLE[base]
    if character and character.isprintable():
        return prefix + character.encode("utf-8")
    if len(base) == 1 and base.isprintable():
        return prefix + base.encode("utf-8")
    if character and len(character) == 1 and ord(character) < 0x20:
        return prefix + character.encode()  # a control character Textual passed through
    return b""


def clean_paste(text: str) -> str:
    """Pasted text with every bracketed-paste marker removed (even ones hidden inside others)."""
    while BRACKET_START in text or BRACKET_END in text:
        text = text.replace(BRACKET_START, "").replace(BRACKET_END, "")
    return text


def encode_paste(text: str, bracketed: bool) -> bytes:
    """Bytes to send for a paste: markers stripped, newlines as CR, wrapped if the program asked."""
    text = clean_paste(text).replace("\r\n", "\r").replace("\n", "\r")
    if bracketed:
        text = BRACKET_START + text + BRACKET_END
    return text.encode("utf-8", errors="replace")


def encode_focus(modes: Modes, focused: bool) -> bytes:
    """`ESC[I` / `ESC[O` when the program enabled focus reporting (?1004), else b""."""
    if not modes.focus_events:
        return b""
    return b"\x1b[I" if focused else b"\x1b[O"


def encode_mouse(
    modes: Modes,
    action: str,
    button: int,
    x: int,
    y: int,
    *,
    shift: bool = False,
    alt: bool = False,
    ctrl: bool = False,
) -> bytes:
    """Encode a mouse event at 0-based cell (x, y), or b"" if the program did not ask for it.

    `action` is "press", "release", "motion", "scroll_up" or "scroll_down";
    `button` is 0 (left), 1 (middle), 2 (right) or -1 (none, for motion).
    """
    tracking = modes.mouse_tracking
    if tracking == MOUSE_OFF:
        return b""
    if action == "motion":
        if tracking == MOUSE_ANY_MOTION or (tracking == MOUSE_BUTTON_MOTION and button >= 0):
            code = (button if button >= 0 else 3) + 32
        else:
            return b""
    elif action in ("scroll_up", "scroll_down"):
        code = 64 if action == "scroll_up" else 65
    elif action == "press":
        code = max(0, min(button, 2))
    elif action == "release":
        if tracking == MOUSE_X10:
            return b""
        code = max(0, min(button, 2)) if modes.mouse_sgr else 3
    else:
        return b""
    if tracking != MOUSE_X10:
        code += 4 * shift + 8 * alt + 16 * ctrl
    x, y = max(0, x), max(0, y)
    if modes.mouse_sgr:
        final = "m" if action == "release" else "M"
        return f"\x1b[<{code};{x + 1};{y + 1}{final}".encode()
    if x > 222 or y > 222:
        return b""  # the X10 encoding has no bytes for these cells
    return bytes([0x1B, 0x5B, 0x4D, 32 + code, 33 + x, 33 + y])
