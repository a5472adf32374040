"""Scroll regions, index/reverse index and line insertion inside them."""

from __future__ import annotations

from sshdeck.core.terminal import Style, Terminal


def numbered(rows: int, cols: int = 10) -> Terminal:
    t = Terminal(cols, rows, scrollback=100)
    t.feed("\r\n".join(f"L{n}" for n in range(rows)).encode())
    return t


def test_line_feed_at_the_region_bottom_scrolls_only_the_region():
    t = numbered(5)
    t.feed(b"\x1b[2;4r")  # rows 2..4; the cursor goes home
    t.feed(b"\x1b[4;1H\nX")
    assert t.display() == ["L0", "L2", "L3", "X", "L4"]
    assert t.history_size == 0  # a region not at the top never feeds the scrollback


def test_region_at_the_top_feeds_the_scrollback():
    t = numbered(5)
    t.feed(b"\x1b[1;4r\x1b[4;1H\n")
    assert t.display() == ["L1", "L2", "L3", "", "L4"]
    assert t.text_at(0) == "L0"


def test_reverse_index_at_the_region_top_scrolls_down():
    t = numbered(5)
    t.feed(b"\x1b[2;4r\x1b[2;1H\x1bM")
    assert t.display() == ["L0", "", "L1", "L2", "L4"]


def test_insert_and_delete_lines_stay_inside_the_region():
    t = numbered(5)
    t.feed(b"\x1b[2;4r\x1b[3;1H\x1b[L")
    assert t.display() == ["L0", "L1", "", "L2", "L4"]
    t.feed(b"\x1b[M")  # the cursor is still on the blank line: delete it
    assert t.display() == ["L0", "L1", "L2", "", "L4"]
    t.feed(b"\x1b[2;1H\x1b[9M")  # more than the region holds
    assert t.display() == ["L0", "", "", "", "L4"]


def test_scroll_up_and_down_sequences():
    t = numbered(4)
    t.feed(b"\x1b[2S")
    assert t.display() == ["L2", "L3", "", ""]
    t.feed(b"\x1b[1T")
    assert t.display() == ["", "L2", "L3", ""]


def test_origin_mode_addresses_relative_to_the_region():
    t = numbered(5)
    t.feed(b"\x1b[2;4r\x1b[?6h\x1b[1;1HA\x1b[9;1HB")
    assert t.display() == ["L0", "A1", "L2", "B3", "L4"]
    t.feed(b"\x1b[6n")
    assert t.take_replies() == [b"\x1b[3;2R"]


def test_invalid_region_is_ignored():
    t = numbered(5)
    t.feed(b"\x1b[4;2r")
    assert (t.top, t.bottom) == (0, 4)


def test_cursor_movement_is_clamped_to_the_screen_and_region():
    t = numbered(5)
    t.feed(b"\x1b[99;99H")
    assert (t.cursor.x, t.cursor.y) == (9, 4)
    t.feed(b"\x1b[2;4r\x1b[3;1H\x1b[99A")
    assert t.cursor.y == 1  # stops at the region's top
    t.feed(b"\x1b[99B")
    assert t.cursor.y == 3
    t.feed(b"\x1b[5G\x1b[2D\x1b[3C")
    assert t.cursor.x == 5
    t.feed(b"\x1b[2d\x1b[7`")
    assert (t.cursor.x, t.cursor.y) == (6, 1)
    t.feed(b"\x1b[2E")
    assert (t.cursor.x, t.cursor.y) == (0, 3)
    t.feed(b"\x1b[3C\x1b[1F")
    assert (t.cursor.x, t.cursor.y) == (0, 2)


def test_text_wrapped_onto_a_one_line_screen_scrolls_away_with_the_next_line_feed() -> None:
    t = Terminal(13, 1, scrollback=10)
    t.feed(b"\x1b[999CAB\x1bD")
    assert t.display() == [""]
    assert [t.text_at(i) for i in range(t.line_count)] == [" " * 12 + "A", "B", ""]


def test_lines_in_the_scrollback_keep_wide_text_colours_and_soft_wraps_and_can_come_back_to_edit() -> None:
    t = Terminal(10, 3, scrollback=100)
    t.feed("\x1b[44m中中中中中x\x1b[0m\n\r".encode() + b"plain\n\r" * 4)  # LF CR: the line-by-line path
    assert t.line_at(0) == [("中中中中中", Style(bg=4))]
    assert t.line_at(1)[0] == ("x", Style(bg=4))
    assert t.history[0].wrapped and not t.history[1].wrapped
    t.resize(10, 8)  # the lines come back from the scrollback onto the screen
    assert t.display()[:2] == ["中中中中中", "x"]
    t.feed(b"\x1b[1;3HZ")
    assert t.display()[0] == "中Z 中中中"
    assert t.screen_line(0) == [("中", Style(bg=4)), ("Z", Style()), (" 中中中", Style(bg=4))]


def test_combining_marks_stay_on_their_cells_in_the_scrollback_and_when_the_line_comes_back() -> None:
    t = Terminal(10, 3, scrollback=100)
    t.feed("\x1b[44mae\u0301中x\x1b[0m\n\r".encode() + b"plain\n\r" * 4)
    assert t.line_at(0) == [("ae\u0301中x", Style(bg=4))]
    t.resize(10, 8)
    t.feed(b"\x1b[1;5Hy\x1b[1;1HZ")
    assert t.display()[0] == "Ze\u0301中y"
    t.feed(b"\x1b[1;2HE")
    assert t.display()[0] == "ZE中y"  # the mark went with the character it was on
