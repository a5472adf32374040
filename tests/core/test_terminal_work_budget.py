"""Bounded work per input byte: no stream can make the emulator do a screenful of work per few bytes.

The emulator counts its work (`Terminal.work`: cells written, erased or
shifted, plus one per whole line made, moved or scanned) and its internal
resets (`Terminal.errors`).  These tests count, they never time: any input,
random or hostile, costs at most K per byte plus a screen-sized constant,
and never trips the error-and-reset path.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.terminal import ADVERSARIAL, adversarial_read, adversarial_terminal
from sshdeck.core.terminal import Terminal

K = 64
"""Work allowed per input byte."""


def screen_constant(t: Terminal) -> int:
    return 4 * t.cols * t.rows


def assert_within_budget(t: Terminal, data: bytes) -> None:
    before = t.work
    t.feed(data)
    spent = t.work - before
    assert spent <= K * len(data) + screen_constant(t), f"{spent} units of work for {len(data)} bytes"
    assert t.errors == 0


def test_every_hostile_pattern_costs_a_bounded_amount_per_byte_at_240x70() -> None:
    for name, pattern in ADVERSARIAL.items():
        t = adversarial_terminal(240, 70)
        try:
            assert_within_budget(t, adversarial_read(pattern, 8192))
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None


def test_rep_after_a_wide_character_fills_at_most_a_line() -> None:
    t = Terminal(20, 5)
    t.feed("中\x1b[65535b".encode())
    assert t.display()[:3] == ["中" * 10, "中", ""]  # the character, then a line's worth of repeats
    assert t.errors == 0


def test_rep_of_a_combining_mark_repeats_the_base_character_only_once_per_cell() -> None:
    t = Terminal(20, 5)
    t.feed("e\u0301\x1b[3b".encode())
    assert t.display()[0] == "e\u0301eee"


def test_a_repeated_erase_with_nothing_drawn_between_is_free_but_one_after_drawing_is_not() -> None:
    t = Terminal(80, 24)
    t.feed(b"\x1b[2J")
    work = t.work
    t.feed(b"\x1b[2J" * 100)
    assert t.work == work  # nothing to do: the screen is already erased
    t.feed(b"\x1b[5;5Hdrawn")
    t.feed(b"\x1b[2J")
    assert "drawn" not in "".join(t.display())


def test_lines_scrolled_off_by_a_huge_scroll_up_reach_the_scrollback_each_time() -> None:
    t = Terminal(10, 4, scrollback=100)
    t.feed(b"top\x1b[99S\x1b[99S")
    assert t.history_size == 8 and t.text_at(0) == "top"


def test_a_run_of_line_feeds_is_the_same_as_one_at_a_time() -> None:
    for setup in (b"", b"\x1b[2;3r\x1b[2H", b"\x1b[44m", b"\x1b[20h", b"\x1b[4;4r\x1b[2H"):
        data = setup + b"a\n\nb" + b"\n" * 7 + b"c" + b"\n" * 30 + b"d"
        whole = Terminal(10, 5, scrollback=100)
        whole.feed(data)
        single = Terminal(10, 5, scrollback=100)
        for byte in data:
            single.feed(bytes([byte]))
        assert [whole.text_at(i) for i in range(whole.line_count)] == [
            single.text_at(i) for i in range(single.line_count)
        ], setup
        assert whole.cursor == single.cursor and whole.scroll_count == single.scroll_count


UNITS = st.sampled_from([pattern.encode() for pattern in ADVERSARIAL.values()])
PIECE = st.one_of(
    st.tuples(UNITS, st.integers(1, 300)).map(lambda pair: pair[0] * pair[1]),
    st.binary(max_size=200),
    st.text(max_size=100).map(str.encode),
    st.builds(lambda n, final: b"\x1b[%d%s" % (n, final), st.integers(0, 70000), st.sampled_from([bytes([c]) for c in b"@PXLMSTbIZJKrABCDHd"])),
)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(cols=st.integers(1, 120), rows=st.integers(1, 40), pieces=st.lists(PIECE, min_size=1, max_size=8))
def test_random_and_hostile_streams_stay_within_the_work_budget_and_never_reset(
    cols: int, rows: int, pieces: list[bytes]
) -> None:
    t = Terminal(cols, rows, scrollback=200, write_back=lambda _data: None)
    for data in pieces:
        assert_within_budget(t, data)
    assert len(t.buffer) == t.rows and 0 <= t.x < t.cols and 0 <= t.y < t.rows


def test_a_run_of_index_next_line_reverse_index_or_reset_is_the_same_as_one_at_a_time() -> None:
    for setup in (b"", b"\x1b[2;4r\x1b[3H", b"\x1b[44m", b"\x1b[20h", b"\x1b[3;4r\x1b[2H", b"\x1b[3;4r\x1b[5H"):
        for seq in (b"\x1bD", b"\x1bE", b"\x1bM", b"\x1bc"):
            for count in (1, 2, 3, 7, 30):
                data = setup + b"ab\r\ncd\x1b[3Ce" + seq * count + b"f"
                whole = Terminal(10, 5, scrollback=100)
                whole.feed(b"0\r\n1\r\n2\r\n3\r\n4\x1b[1;5H")
                whole.feed(data)
                single = Terminal(10, 5, scrollback=100)
                single.feed(b"0\r\n1\r\n2\r\n3\r\n4\x1b[1;5H")
                for byte in range(0, len(data), 1):
                    single.feed(data[byte : byte + 1])
                assert [whole.text_at(i) for i in range(whole.line_count)] == [
                    single.text_at(i) for i in range(single.line_count)
                ], (setup, seq, count)
                assert whole.cursor == single.cursor and whole.scroll_count == single.scroll_count
