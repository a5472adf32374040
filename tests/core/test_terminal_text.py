"""Printing, wrapping, line feeds and the scrollback."""

from __future__ import annotations

from sshdeck.core.terminal import DEFAULT, Terminal


def test_text_lands_at_the_cursor_and_moves_it():
    t = Terminal(10, 3)
    t.feed(b"abc")
    assert t.display() == ["abc", "", ""]
    assert (t.cursor.x, t.cursor.y) == (3, 0)


def test_crlf_starts_the_next_line_and_lf_alone_keeps_the_column():
    t = Terminal(10, 3)
    t.feed(b"ab\r\ncd\nef")
    assert t.display() == ["ab", "cd", "  ef"]


def test_text_wraps_at_the_right_margin_with_a_pending_wrap():
    t = Terminal(5, 3)
    t.feed(b"12345")
    # The cursor waits on the last column until the next character arrives.
    assert (t.cursor.x, t.cursor.y) == (4, 0)
    assert t.pending_wrap
    t.feed(b"6")
    assert t.display() == ["12345", "6", ""]
    assert t.buffer[0].wrapped


def test_carriage_return_cancels_the_pending_wrap():
    t = Terminal(5, 3)
    t.feed(b"12345\rX")
    assert t.display() == ["X2345", "", ""]


def test_autowrap_off_overwrites_the_last_column():
    t = Terminal(5, 2)
    t.feed(b"\x1b[?7l123456789")
    assert t.display() == ["12349", ""]
    assert t.cursor.y == 0


def test_lines_scroll_into_the_scrollback_in_order():
    t = Terminal(10, 3, scrollback=100)
    t.feed(b"".join(b"line%d\r\n" % n for n in range(10)))
    assert t.history_size == 8
    assert [t.text_at(i) for i in range(t.line_count)] == [f"line{n}" for n in range(10)] + [""]
    assert t.scroll_count == 8


def test_scrollback_keeps_only_its_capacity():
    t = Terminal(10, 2, scrollback=5)
    t.feed(b"".join(b"%d\r\n" % n for n in range(1000)))
    assert t.history_size == 5
    assert [t.text_at(i) for i in range(5)] == [str(n) for n in range(994, 999)]
    assert t.display() == ["999", ""]


def test_utf8_split_across_feeds_is_joined():
    t = Terminal(10, 2)
    data = "é€😀".encode()
    for i in range(len(data)):
        t.feed(data[i : i + 1])
    assert t.display()[0] == "é€😀"


def test_invalid_utf8_becomes_replacement_characters():
    t = Terminal(10, 2)
    t.feed(b"a\xff\xfeb")
    assert t.display()[0] == "a\ufffd\ufffdb"


def test_tabs_stop_every_eight_columns_and_can_be_set_and_cleared():
    t = Terminal(30, 2)
    t.feed(b"a\tb\tc")
    assert t.display()[0] == "a       b       c"
    t.feed(b"\r\n\x1b[3g\x1b[5G\x1bH\r\tX")  # clear all, set one at column 5
    assert t.display()[1] == "    X"
    t.feed(b"\x1b[Z")  # back tab
    assert t.cursor.x == 4


def test_backspace_moves_left_without_erasing():
    t = Terminal(10, 2)
    t.feed(b"abc\x08\x08X")
    assert t.display()[0] == "aXc"


def test_repeat_repeats_the_last_character():
    t = Terminal(10, 2)
    t.feed(b"x\x1b[4b")
    assert t.display()[0] == "xxxxx"


def test_dec_line_drawing_set_draws_boxes():
    t = Terminal(10, 2)
    t.feed(b"\x1b(0lqk\x1b(Bq")
    assert t.display()[0] == "┌─┐q"


def test_runs_report_styles_per_stretch_of_text():
    t = Terminal(20, 2)
    t.feed(b"ab\x1b[1mcd\x1b[0mef")
    runs = t.screen_line(0)
    assert [text for text, _ in runs] == ["ab", "cd", "ef"]
    assert runs[0][1] == DEFAULT and runs[1][1].bold and runs[2][1] == DEFAULT


def test_sequences_split_across_feeds_are_completed():
    t = Terminal(10, 3)
    for part in (b"\x1b", b"[", b"2", b";3", b"H", b"\x1b[3", b"1mX"):
        t.feed(part)
    assert (t.cursor.x, t.cursor.y) == (3, 1)
    assert t.display()[1] == "  X"
    assert t.screen_line(1)[-1][1].fg == 1
