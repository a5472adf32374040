"""What the widget uses: dirty rows, lines by index, resize, cursor."""

from __future__ import annotations

from sshdeck.core.terminal import Style, Terminal


def test_take_dirty_reports_only_changed_rows_once():
    t = Terminal(10, 5)
    t.take_dirty()
    t.feed(b"\x1b[3;1Hx")
    assert t.take_dirty() == {0, 2}  # the row written, and the cursor's old row
    assert t.take_dirty() == set()
    t.feed(b"\x1b[5;1H")
    assert t.take_dirty() == {2, 4}  # only the cursor moved


def test_scrolling_marks_every_row_dirty():
    t = Terminal(10, 3)
    t.take_dirty()
    t.feed(b"a\r\nb\r\nc\r\nd")
    assert t.take_dirty() == {0, 1, 2}


def test_line_at_covers_scrollback_then_screen_with_styles():
    t = Terminal(10, 2, scrollback=100)
    t.feed(b"\x1b[31mred\x1b[0m\r\nplain\r\n" * 300)
    assert t.line_count == t.history_size + 2
    assert t.history_size == 100
    assert t.line_at(t.history_size - 1) == [("red", Style(fg=1))]
    assert t.line_at(t.history_size - 2) == [("plain", Style())]
    assert t.text_at(t.line_count - 2) == "plain"


def test_lines_are_cut_to_the_width_after_a_narrowing_resize():
    t = Terminal(20, 2, scrollback=10)
    t.feed(b"0123456789abcdef\r\n" * 4)
    t.resize(5, 2)
    assert all(len(t.text_at(i)) <= 5 for i in range(t.line_count))


def test_resize_keeps_the_cursor_line_visible_and_pulls_history_back():
    t = Terminal(10, 6, scrollback=100)
    t.feed(b"\r\n".join(b"L%d" % n for n in range(12)))
    assert t.display()[-1] == "L11"
    t.resize(10, 3)
    assert t.display() == ["L9", "L10", "L11"]
    assert t.cursor.y == 2
    t.resize(10, 6)
    assert t.display() == ["L6", "L7", "L8", "L9", "L10", "L11"]
    assert t.cursor.y == 5


def test_growing_pulls_back_coloured_lines_kept_lazily_in_the_scrollback():
    t = Terminal(10, 3, scrollback=100)
    t.feed(b"\x1b[41mred\x1b[0m\r\n" * 6 + b"end")
    t.resize(10, 6)
    assert t.display() == ["red"] * 5 + ["end"]
    assert t.screen_line(0) == [("red", Style(bg=1))]


def test_shrinking_drops_empty_lines_below_the_cursor_first():
    t = Terminal(10, 6, scrollback=100)
    t.feed(b"a\r\nb")
    t.resize(8, 3)
    assert t.display() == ["a", "b", ""]
    assert t.history_size == 0


def test_resize_clamps_the_cursor_and_resets_the_region():
    t = Terminal(20, 10)
    t.feed(b"\x1b[2;8r\x1b[10;20H")
    t.resize(5, 4)
    assert (t.cursor.x, t.cursor.y) == (4, 3)
    assert (t.top, t.bottom) == (0, 3)
    t.feed(b"wrapping text past the edge\r\n")
    assert len(t.buffer) == 4


def test_resize_of_the_alternate_screen_and_back():
    t = Terminal(20, 5)
    t.feed(b"shell\x1b[?1049h\x1b[5;5Hvim")
    t.resize(10, 3)
    t.feed(b"\x1b[?1049l")
    assert t.display()[0] == "shell"
    assert len(t.buffer) == 3 and len(t.primary) == 3
