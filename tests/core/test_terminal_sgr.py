"""SGR: attributes, 16/256 colours and both truecolor forms."""

from __future__ import annotations

import pytest

from sshdeck.core.terminal import DEFAULT, Style, Terminal
from sshdeck.core.terminal.styles import BLINK, BOLD, DIM, HIDDEN, ITALIC, REVERSE, STRIKE, UNDERLINE


def style_of(sequence: str) -> Style:
    t = Terminal(10, 2)
    t.feed(f"{sequence}X".encode())
    return t.screen_line(0)[0][1]


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [
        ("\x1b[1m", Style(flags=BOLD)),
        ("\x1b[2m", Style(flags=DIM)),
        ("\x1b[3m", Style(flags=ITALIC)),
        ("\x1b[4m", Style(flags=UNDERLINE)),
        ("\x1b[5m", Style(flags=BLINK)),
        ("\x1b[7m", Style(flags=REVERSE)),
        ("\x1b[8m", Style(flags=HIDDEN)),
        ("\x1b[9m", Style(flags=STRIKE)),
        ("\x1b[1;3;4m\x1b[22;24m", Style(flags=ITALIC)),
        ("\x1b[31;42m", Style(fg=1, bg=2)),
        ("\x1b[91;102m", Style(fg=9, bg=10)),
        ("\x1b[38;5;208;48;5;17m", Style(fg=208, bg=17)),
        ("\x1b[38:5:208m", Style(fg=208)),
        ("\x1b[38;2;1;2;3m", Style(fg=(1, 2, 3))),
        ("\x1b[38:2::10:20:30m", Style(fg=(10, 20, 30))),
        ("\x1b[38:2:10:20:30m", Style(fg=(10, 20, 30))),
        ("\x1b[48;2;255;0;128m", Style(bg=(255, 0, 128))),
        ("\x1b[31m\x1b[39m", DEFAULT),
        ("\x1b[1;31;44m\x1b[0m", DEFAULT),
        ("\x1b[1;31;44m\x1b[m", DEFAULT),
        ("\x1b[4:0m", DEFAULT),
        ("\x1b[58;5;3;1m", Style(flags=BOLD)),  # underline colour skipped, the rest applied
        ("\x1b[38;2;999;0;0m", DEFAULT),  # out of range: ignored
        ("\x1b[38;5m", DEFAULT),  # truncated
    ],
)
def test_sgr_forms(sequence, expected):
    assert style_of(sequence) == expected


def test_private_sgr_lookalikes_are_not_sgr():
    # CSI > 4 ; 1 m is xterm's modifyOtherKeys, not "underline + bold".
    assert style_of("\x1b[>4;1m") == DEFAULT


def test_erase_uses_the_current_background():
    t = Terminal(6, 2)
    t.feed(b"\x1b[44m\x1b[2K")
    runs = t.screen_line(0)
    assert runs == [("      ", Style(bg=4))]
