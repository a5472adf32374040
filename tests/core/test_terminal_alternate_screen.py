"""The alternate screen: full-screen programs restore the shell's screen on exit."""

from __future__ import annotations

from sshdeck.core.terminal import Terminal


def shell_screen() -> Terminal:
    t = Terminal(20, 4, scrollback=100)
    t.feed(b"$ ls\r\nfile1 file2\r\n$ vim")
    return t


def test_1049_saves_the_cursor_clears_and_restores_everything_like_vim():
    t = shell_screen()
    before = t.display()
    t.feed(b"\x1b[?1049h")
    assert t.modes.alternate_screen
    assert t.display() == ["", "", "", ""]
    t.feed(b"\x1b[H~\r\n~\r\n\x1b[1;31m-- INSERT --\x1b[2;5H")
    assert t.display()[2] == "-- INSERT --"
    t.feed(b"\x1b[?1049l")
    assert not t.modes.alternate_screen
    assert t.display() == before
    assert (t.cursor.x, t.cursor.y) == (5, 2)


def test_alternate_screen_output_never_reaches_the_scrollback():
    t = shell_screen()
    t.feed(b"\x1b[?1049h" + b"".join(b"row %d\r\n" % n for n in range(50)))
    assert t.history_size == 0  # nothing to scroll back to while a full-screen program runs
    t.feed(b"\x1b[?1049l")
    assert t.history_size == 0
    assert t.display()[0] == "$ ls"


def test_less_style_1049_twice_starts_with_a_clean_screen():
    t = shell_screen()
    t.feed(b"\x1b[?1049hpage one\x1b[?1049l\x1b[?1049h")
    assert t.display() == ["", "", "", ""]


def test_mode_47_switches_without_clearing_or_restoring_the_cursor():
    t = shell_screen()
    t.feed(b"\x1b[?47hALT\x1b[?47l")
    assert t.display()[2] == "$ vim"
    t.feed(b"\x1b[?47h")
    assert t.display()[2] == "     ALT"


def test_mode_1047_clears_the_alternate_screen_when_leaving():
    t = shell_screen()
    t.feed(b"\x1b[?1047hALT\x1b[?1047l\x1b[?1047h")
    assert t.display() == ["", "", "", ""]


def test_saved_cursors_are_kept_per_screen():
    t = shell_screen()
    t.feed(b"\x1b[1;2H\x1b7")  # save on the primary screen at (1, 0)
    t.feed(b"\x1b[?47h\x1b[3;3H\x1b7\x1b[H\x1b8")
    assert (t.cursor.x, t.cursor.y) == (2, 2)
    t.feed(b"\x1b[?47l\x1b8")
    assert (t.cursor.x, t.cursor.y) == (1, 0)


def test_decsc_restores_the_pen_too():
    t = Terminal(10, 2)
    t.feed(b"\x1b[31m\x1b7\x1b[0m\x1b8X")
    assert t.screen_line(0)[0][1].fg == 1
    t.feed(b"\x1b[s\x1b[5G\x1b[uY")  # CSI s / CSI u
    assert t.display()[0] == "XY"


def test_1049_finds_a_clean_screen_after_any_visit_and_a_resize() -> None:
    t = shell_screen()
    for visit in (b"", b"\x1b[2;2Hdrawn", b"", b"\x1b[4;20Hx", b"\x1b[44m\x1b[2J", b"\x1b#8"):
        t.feed(b"\x1b[?1049h")
        assert t.display() == [""] * 4 and t.screen_line(0) == []
        t.feed(visit + b"\x1b[?1049l")
        assert t.display()[0] == "$ ls"
    t.feed(b"\x1b[?1049h\x1b[?1049l")
    t.resize(10, 6)
    t.feed(b"\x1b[?1049h")
    assert t.display() == [""] * 6 and len(t.buffer) == 6
    t.feed(b"\x1b[?1049l\x1b[?47h\x1b[3;3Hkept\x1b[?47l\x1b[?1049h")
    assert t.display() == [""] * 6


def test_repeated_1049_switches_with_nothing_drawn_do_not_rebuild_the_screen_each_time() -> None:
    t = shell_screen()
    t.feed(b"\x1b[?1049h\x1b[?1049l")
    work = t.work
    t.feed(b"\x1b[?1049h\x1b[?1049l" * 100)
    assert t.work - work <= 2 * 100  # a count per switch, not a screenful of lines
