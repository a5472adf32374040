"""The bulk paths give exactly what the one-sequence-at-a-time path gives.

Fed one byte per call, no chunk ever holds a whole line, so the emulator
takes its ordinary path; fed in large chunks, it takes the bulk paths.  The
screens, scrollbacks, cursors and pens must be identical.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sshdeck.core.terminal import Terminal


def snapshot(t: Terminal) -> tuple:
    lines = []
    for index in range(t.line_count):
        merged: list[list] = []
        for text, style in t.line_at(index):
            if not text:
                continue
            if merged and merged[-1][1] == style:
                merged[-1][0] += text
            else:
                merged.append([text, style])
        lines.append([tuple(run) for run in merged])
    return lines, t.history_size, t.scroll_count, (t.x, t.y, t.pending_wrap), t.style


def run(stream: bytes, cols: int, rows: int, chunk: int) -> Terminal:
    t = Terminal(cols, rows, scrollback=500)
    for start in range(0, len(stream), chunk):
        t.feed(stream[start : start + chunk])
    assert t.errors == 0
    return t


def assert_same(stream: bytes, cols: int, rows: int) -> None:
    slow = snapshot(run(stream, cols, rows, 1))
    for chunk in (len(stream) or 1, 4096, 700):
        assert snapshot(run(stream, cols, rows, chunk)) == slow


WORDS = st.sampled_from(["alpha", "b", "1234567", " ", "  ", "x" * 30, "é", "中文", "e\u0301", "-" * 90])
SGRS = st.sampled_from(
    ["\x1b[0m", "\x1b[m", "\x1b[31m", "\x1b[1;34m", "\x1b[38;5;200m", "\x1b[38;2;1;2;3m", "\x1b[44m", "\x1b[49m", "\x1b[7m", "\x1b[00m"]
)
LINE = st.lists(WORDS | SGRS, max_size=12).map("".join)
PREFIXES = st.sampled_from(["", "\x1b[H", "\x1b[5;1H", "\x1b[2;6r\x1b[6;1H", "\x1b[3;1Hpartial ", "\x1b[?1049h", "\x1b[31m"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=PREFIXES, lines=st.lists(LINE, min_size=1, max_size=60), cols=st.integers(5, 40), rows=st.integers(2, 10))
def test_bulk_lines_match_the_ordinary_path(prefix, lines, cols, rows):
    # Pad so the chunk-level paths (which need 512 bytes) engage too.
    stream = (prefix + "\r\n".join(lines) + "\r\n" + "pad\r\n" * 120).encode()
    assert_same(stream, cols, rows)


def test_seq_output_matches():
    stream = b"".join(b"%d\r\n" % n for n in range(3000))
    assert_same(stream, 80, 24)


def test_ls_color_output_matches():
    line = "-rw-r--r-- 1 me me 4096 \x1b[0m\x1b[01;34m{name}\x1b[0m\r\n"
    stream = "".join(line.format(name=f"dir{n}") for n in range(800)).encode()
    assert_same(stream, 60, 20)


def test_coloured_background_at_line_end_fills_the_next_line():
    stream = ("\x1b[44mblue\r\nnext\x1b[0m\r\n" * 100).encode()
    assert_same(stream, 20, 5)
    t = run(stream, 20, 5, len(stream))
    assert t.line_at(t.history_size - 1)[-1][1].bg == 4  # the "next" line's tail is blue


def test_lines_wider_than_the_screen_wrap_in_bulk_too():
    stream = ("\x1b[32m" + "w" * 25 + "\x1b[0m\r\n" + "short\r\n") * 60
    assert_same(stream.encode(), 10, 4)
