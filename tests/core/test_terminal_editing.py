"""Erase in line/display, erase/insert/delete characters."""

from __future__ import annotations

from sshdeck.core.terminal import Terminal


def filled(rows: int = 3, cols: int = 6) -> Terminal:
    t = Terminal(cols, rows, scrollback=10)
    t.feed("\r\n".join("abcdef"[:cols] for _ in range(rows)).encode())
    return t


def test_erase_in_line_modes():
    t = filled()
    t.feed(b"\x1b[1;3H\x1b[K")
    assert t.display()[0] == "ab"
    t.feed(b"\x1b[2;3H\x1b[1K")
    assert t.display()[1] == "   def"
    t.feed(b"\x1b[3;3H\x1b[2K")
    assert t.display()[2] == ""


def test_erase_in_display_modes():
    t = filled()
    t.feed(b"\x1b[2;3H\x1b[J")
    assert t.display() == ["abcdef", "ab", ""]
    t = filled()
    t.feed(b"\x1b[2;3H\x1b[1J")
    assert t.display() == ["", "   def", "abcdef"]
    t = filled()
    t.feed(b"\x1b[2J")
    assert t.display() == ["", "", ""]


def test_erase_display_3_forgets_the_scrollback():
    t = Terminal(5, 2, scrollback=10)
    t.feed(b"1\r\n2\r\n3\r\n4")
    assert t.history_size == 2
    t.feed(b"\x1b[3J")
    assert t.history_size == 0


def test_erase_characters_does_not_move_the_cursor():
    t = filled()
    t.feed(b"\x1b[1;2H\x1b[2X")
    assert t.display()[0] == "a  def"
    assert t.cursor.x == 1


def test_insert_characters_shift_right_and_fall_off():
    t = filled()
    t.feed(b"\x1b[1;2H\x1b[2@")
    assert t.display()[0] == "a  bcd"


def test_delete_characters_shift_left():
    t = filled()
    t.feed(b"\x1b[1;2H\x1b[2P")
    assert t.display()[0] == "adef"


def test_insert_mode_pushes_text_right():
    t = filled()
    t.feed(b"\x1b[1;2H\x1b[4hXY\x1b[4l")
    assert t.display()[0] == "aXYbcd"


def test_decaln_fills_the_screen_with_e():
    t = filled()
    t.feed(b"\x1b#8")
    assert t.display() == ["EEEEEE"] * 3


def test_full_reset_clears_screen_and_modes_but_keeps_scrollback():
    t = Terminal(5, 2, scrollback=10)
    t.feed(b"1\r\n2\r\n3\x1b[?1h\x1b[?2004h\x1b[31m")
    t.feed(b"\x1bc")
    assert t.display() == ["", ""]
    assert not t.modes.app_cursor and not t.modes.bracketed_paste
    assert t.history_size == 1


def test_soft_reset_resets_modes_and_pen_but_keeps_text():
    t = filled()
    t.feed(b"\x1b[?1h\x1b[?6h\x1b[4h\x1b[?25l\x1b[31m\x1b[!p")
    assert t.display()[0] == "abcdef"
    assert not t.modes.app_cursor and not t.modes.origin and not t.modes.insert
    assert t.modes.cursor_visible
    t.feed(b"X")
    assert t.style.fg is None
