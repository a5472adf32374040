"""Double-width (East Asian) and combining characters."""

from __future__ import annotations

import pytest

from sshdeck.core.terminal import Terminal


def test_wide_characters_take_two_columns():
    t = Terminal(10, 2)
    t.feed("中文x".encode())
    assert t.display()[0] == "中文x"
    assert t.cursor.x == 5


def test_wide_character_that_does_not_fit_wraps_whole():
    t = Terminal(5, 3)
    t.feed("abcd中".encode())
    assert t.display() == ["abcd", "中", ""]
    assert t.cursor.x == 2


def test_overwriting_half_of_a_wide_character_blanks_the_other_half():
    t = Terminal(10, 2)
    t.feed("中文".encode() + b"\x1b[2GX")
    assert t.display()[0] == " X文"
    t.feed(b"\x1b[4GY")  # onto the right half of 文
    assert t.display()[0] == " X Y"


def test_combining_marks_join_the_previous_cell():
    t = Terminal(10, 2)
    t.feed("e\u0301a\u0308!".encode())
    assert t.display()[0] == "e\u0301a\u0308!"
    assert t.cursor.x == 3


def test_combining_mark_after_a_wide_character_joins_it():
    t = Terminal(10, 2)
    t.feed("中\u0301x".encode())
    assert t.display()[0] == "中\u0301x"


def test_delete_and_insert_chars_keep_wide_characters_whole():
    t = Terminal(10, 2)
    t.feed("a中b".encode() + b"\x1b[3G\x1b[P")  # delete the right half of 中
    assert t.display()[0] == "a b"
    t.feed(b"\x1b[1;1H" + "中文".encode() + b"\x1b[1;2H\x1b[@")
    line = t.display()[0]
    assert "\0" not in line and len(line) <= 10


def test_emoji_are_wide():
    t = Terminal(10, 2)
    t.feed("😀!".encode())
    assert t.cursor.x == 3


def _insert_screen(chunks: list[str], cols: int = 20) -> list[str]:
    from sshdeck.core.terminal.terminal import Terminal

    term = Terminal(cols, 3, write_back=lambda _data: None)
    term.feed(("e\u0301" * cols + "\x1b[1;3H\x1b[4h").encode())  # a line of marks, cursor at column 3, insert mode
    for chunk in chunks:
        term.feed(chunk.encode())
    return term.display()


@pytest.mark.parametrize("text", ["中a", "a中b", "中中x", "e\u0301中", "中\u0301a", "ab"])
def test_insert_mode_opens_room_for_a_mixed_token_once_with_the_same_result(text: str) -> None:
    # One token (one shift of the line's marks) must draw exactly what one character at a time draws.
    assert _insert_screen([text]) == _insert_screen([ch for ch in text])


def test_inserting_pushes_a_double_width_character_off_the_right_edge_whole() -> None:
    # The character's right half is pushed past the edge: its left half must not stay alone in the last column.
    t = Terminal(15, 2)
    t.feed("\x1b[1;13H中\x1b[4h\x1b[1;13Hab".encode())
    assert t.display()[0] == " " * 12 + "ab"
    assert t.screen_line(0)[-1][0].endswith("ab ")
