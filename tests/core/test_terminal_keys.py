"""Keys, pastes, mouse and focus events encoded for the remote side."""

from __future__ import annotations

import pytest

from sshdeck.core.terminal import Terminal, encode_focus, encode_key, encode_mouse, encode_paste
from sshdeck.core.terminal.keys import clean_paste


@pytest.mark.parametrize(
    ("key", "normal", "application"),
    [
        ("up", b"\x1b[A", b"\x1bOA"),
        ("down", b"\x1b[B", b"\x1bOB"),
        ("right", b"\x1b[C", b"\x1bOC"),
        ("left", b"\x1b[D", b"\x1bOD"),
        ("home", b"\x1b[H", b"\x1bOH"),
        ("end", b"\x1b[F", b"\x1bOF"),
    ],
)
def test_cursor_keys_follow_decckm(key, normal, application):
    assert encode_key(key) == normal
    assert encode_key(key, app_cursor=True) == application


def test_decckm_is_tracked_from_the_stream():
    t = Terminal(10, 2)
    t.feed(b"\x1b[?1h")
    assert encode_key("up", app_cursor=t.modes.app_cursor) == b"\x1bOA"
    t.feed(b"\x1b[?1l")
    assert encode_key("up", app_cursor=t.modes.app_cursor) == b"\x1b[A"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("f1", b"\x1bOP"),
        ("f4", b"\x1bOS"),
        ("f5", b"\x1b[15~"),
        ("f10", b"\x1b[21~"),
        ("f12", b"\x1b[24~"),
        ("pageup", b"\x1b[5~"),
        ("pagedown", b"\x1b[6~"),
        ("insert", b"\x1b[2~"),
        ("delete", b"\x1b[3~"),
        ("ctrl+up", b"\x1b[1;5A"),
        ("shift+left", b"\x1b[1;2D"),
        ("ctrl+shift+right", b"\x1b[1;6C"),
        ("ctrl+delete", b"\x1b[3;5~"),
        ("shift+f1", b"\x1b[1;2P"),
        ("ctrl+c", b"\x03"),
        ("ctrl+d", b"\x04"),
        ("ctrl+q", b"\x11"),
        ("ctrl+@", b"\x00"),
        ("ctrl+backslash", b"\x1c"),
        ("tab", b"\t"),
        ("shift+tab", b"\x1b[Z"),
        ("enter", b"\r"),
        ("escape", b"\x1b"),
        ("backspace", b"\x7f"),
        ("space", b" "),
        ("alt+x", b"\x1bx"),
        ("alt+ctrl+a", b"\x1b\x01"),
    ],
)
def test_key_sequences(key, expected):
    assert encode_key(key) == expected


def test_printable_characters_and_alt_prefix():
    assert encode_key("a", "a") == b"a"
    assert encode_key("eacute", "é") == "é".encode()
    assert encode_key("alt+eacute", "é") == b"\x1b" + "é".encode()
    assert encode_key("full_stop", ".") == b"."
    assert encode_key("<unknown>") == b""


def test_paste_is_bracketed_only_when_asked_and_markers_are_stripped():
    evil = "ls\x1b[201~rm -rf ~\n"
    assert encode_paste(evil, bracketed=True) == b"\x1b[200~lsrm -rf ~\r\x1b[201~"
    assert encode_paste("a\nb", bracketed=False) == b"a\rb"


def test_paste_markers_hidden_inside_each_other_are_removed():
    assert clean_paste("\x1b[20\x1b[201~1~x") == "x"
    assert clean_paste("\x1b[2\x1b[200~00~y") == "y"


def test_mouse_reports_only_what_the_program_asked_for():
    t = Terminal(10, 2)
    assert encode_mouse(t.modes, "press", 0, 3, 1) == b""
    t.feed(b"\x1b[?1000h\x1b[?1006h")
    assert encode_mouse(t.modes, "press", 0, 3, 1) == b"\x1b[<0;4;2M"
    assert encode_mouse(t.modes, "release", 0, 3, 1) == b"\x1b[<0;4;2m"
    assert encode_mouse(t.modes, "motion", 0, 4, 1) == b""  # 1000 has no motion
    assert encode_mouse(t.modes, "scroll_up", -1, 0, 0, ctrl=True) == b"\x1b[<80;1;1M"
    t.feed(b"\x1b[?1002h")
    assert encode_mouse(t.modes, "motion", 0, 4, 1) == b"\x1b[<32;5;2M"
    assert encode_mouse(t.modes, "motion", -1, 4, 1) == b""
    t.feed(b"\x1b[?1003h")
    assert encode_mouse(t.modes, "motion", -1, 4, 1) == b"\x1b[<35;5;2M"
    t.feed(b"\x1b[?1003l")
    assert encode_mouse(t.modes, "press", 0, 3, 1) == b""


def test_mouse_x10_encoding_without_1006():
    t = Terminal(10, 2)
    t.feed(b"\x1b[?1000h")
    assert encode_mouse(t.modes, "press", 2, 0, 0) == b"\x1b[M\x22\x21\x21"
    assert encode_mouse(t.modes, "release", 2, 0, 0) == b"\x1b[M\x23\x21\x21"
    assert encode_mouse(t.modes, "press", 0, 300, 0) == b""


def test_focus_events_only_when_enabled():
    t = Terminal(10, 2)
    assert encode_focus(t.modes, True) == b""
    t.feed(b"\x1b[?1004h")
    assert encode_focus(t.modes, True) == b"\x1b[I"
    assert encode_focus(t.modes, False) == b"\x1b[O"


def test_modes_the_widget_reads():
    t = Terminal(10, 2)
    t.feed(b"\x1b[?2004h\x1b[?25l\x1b=\x1b[5 q")
    assert t.modes.bracketed_paste and not t.cursor.visible and t.modes.app_keypad
    assert t.modes.cursor_shape == 5
    t.feed(b"\x1b[?2004l\x1b[?25h\x1b>")
    assert not t.modes.bracketed_paste and t.cursor.visible and not t.modes.app_keypad
