"""Hostile and random input: no exception, no echo, the grid keeps its size.

`Terminal.feed` never raises (an internal error resets the screen), so these
tests check `errors == 0` too: a crash that was caught still fails them.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sshdeck.core.terminal import Terminal
from sshdeck.core.terminal.controls import DA1_REPLY, DA2_REPLY

ALLOWED_REPLY = re.compile(rb"\x1b\[0n|\x1b\[\d{1,5};\d{1,5}R|" + re.escape(DA1_REPLY) + b"|" + re.escape(DA2_REPLY))

HOSTILE = [
    b"\x1b[21t",  # report the window title: would type the title into the shell
    b"\x1b]2;;rm -rf ~\n\x07\x1b[21t",
    b"\x1b[20t\x1b[18t\x1b[19t\x1b[14t\x1b[13t\x1b[11t",
    b"\x1b]52;c;?\x07",  # clipboard read
    b"\x1b]52;c;" + b"QUFB" * 1000 + b"\x07",  # clipboard write
    b"\x1bP$qm\x1b\\",  # DECRQSS
    b"\x1bP$q\"p\x1b\\\x1bP$qr\x1b\\",
    b"\x1bP+q6b6331\x1b\\",  # XTGETTCAP
    b"\x1b]0;unterminated title and then lots of text " * 50,  # unterminated OSC
    b"\x1b]" + b"x" * 3_000_000,  # an OSC longer than the cap
    b"\x1b[" + b"1;" * 1_000_000 + b"m",  # a CSI with a million parameters
    b"\x1b[" + b"9" * 100_000 + b"C",
    b"\x1bP" + b"q" * 2_000_000 + b"\x1b\\",  # DCS longer than the cap
    b"A\x1b[999999999b",  # huge repeat count
    b"\x1b[999999999;999999999H\x1b[999999999A\x1b[999999999D",  # absurd cursor moves
    b"\x1b[-5;-5H\x1b[0;0H",
    b"\x1b[999999999L\x1b[999999999M\x1b[999999999@\x1b[999999999P\x1b[999999999X",
    b"\x1b[999999999S\x1b[999999999T\x1b[999999999I\x1b[999999999Z",
    b"\x1b[99999;1r\x1b[0;0r\x1b[5;3r",
    b"\x1b[?1049h\x1b[?1049h\x1b[?47l\x1b[?1047l\x1b[?1049l\x1b[?1049l",
    b"\x1b#8\x1b[?6h\x1b[H\x1b[?6l",
    b"\x1b[38;2;" + b"9" * 50 + b"m\x1b[38:2:::::::::m\x1b[48;5;99999m",
    b"\xe4\xb8" * 1000 + b"\xff\xfe" * 1000,  # broken UTF-8
    ("e" + "\u0301" * 5000).encode(),  # a pile of combining marks
    "中".encode() * 5000,
    b"\x18\x1a\x1b\x1b[\x1b]\x1bP\x1b\x1b\x1b[?\x1b[>\x1b[!\x1b[ ",
    b"\x1b[6n" * 5000,
    b"\x1b]7;file://h/" + b"a" * 100_000 + b"\x07",
    b"\x1b]8;;http://example.com\x07link\x1b]8;;\x07",
    b"\x1b]4;1;?\x07\x1b]10;?\x07\x1b]11;?\x07\x1b]12;?\x07",
    b"\x1b[?2026h\x1b[?2026$p\x1b[?1$p",
    b"\x9b6n\xc2\x9b6n\x1b[>0q",  # C1 CSI (raw and UTF-8 encoded), XTVERSION
    b"\x1b[?1000;1006;1015;1005;1004;2004h\x1b[?9999;0;-1h",
]


def check(t: Terminal, replies: list[bytes]) -> None:
    assert t.errors == 0
    assert len(t.buffer) == t.rows
    assert 0 <= t.x < t.cols and 0 <= t.y < t.rows
    assert 0 <= t.top < t.bottom < t.rows or t.rows == 1
    for line in t.buffer:
        assert len(line.text) <= t.cols
        assert len(line.text) == len(line.styles)
    for index in range(max(0, t.line_count - 50), t.line_count):
        t.line_at(index)
    for reply in replies:
        assert ALLOWED_REPLY.fullmatch(reply), reply


def test_hostile_corpus_one_sequence_at_a_time():
    for sequence in HOSTILE:
        replies: list[bytes] = []
        t = Terminal(40, 10, scrollback=100, write_back=replies.append)
        t.feed(sequence)
        t.feed(b"\x1b\\\x07\x18after")  # the stream goes on afterwards
        check(t, replies)


def test_hostile_corpus_in_small_chunks():
    replies: list[bytes] = []
    t = Terminal(40, 10, scrollback=100, write_back=replies.append)
    stream = b"".join(HOSTILE[:8] + HOSTILE[13:])
    for start in range(0, len(stream), 997):
        t.feed(stream[start : start + 997])
    check(t, replies)


def test_no_reply_ever_contains_stream_content():
    replies: list[bytes] = []
    t = Terminal(40, 10, write_back=replies.append)
    for sequence in HOSTILE:
        t.feed(sequence)
    t.feed(b"\x1b\\\x07")
    for reply in replies:
        assert b"rm -rf" not in reply and b"title" not in reply and b"QUFB" not in reply


def test_overlong_sequences_are_skipped_and_the_stream_recovers():
    t = Terminal(40, 5)
    t.feed(b"\x1b[" + b"1;" * 100_000)
    t.feed(b"1;" * 100_000 + b"mvisible")
    assert t.display()[0] == "visible"
    assert t.style.flags == 0
    t.feed(b"\r\n\x1b]2;" + b"t" * 2_000_000)
    t.feed(b"still title\x07shown")
    assert t.display()[1] == "shown"
    assert t.title == ""


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000), cols=st.integers(1, 50), rows=st.integers(1, 12), cut=st.integers(1, 600))
def test_random_bytes_never_break_the_emulator(data, cols, rows, cut):
    replies: list[bytes] = []
    t = Terminal(cols, rows, scrollback=50, write_back=replies.append)
    for start in range(0, len(data), cut):
        t.feed(data[start : start + cut])
    check(t, replies)


FRAGMENTS = [
    b"\x1b[",
    b"\x1b]",
    b"\x1bP",
    b"\x1b",
    b"\x07",
    b"\x1b\\",
    b"\r\n",
    b"\n",
    b"\r",
    b"\t",
    b"\x08",
    b";",
    b"?",
    b">",
    b"1049h",
    b"1049l",
    b"6n",
    b"c",
    b"999999",
    b"38;2;1;2;3m",
    b"2;4r",
    b"H",
    b"J",
    b"K",
    b"L",
    b"M",
    b"@",
    b"P",
    b"b",
    b"0;title",
    b"52;c;",
    b"\xe4\xb8\xad",
    b"\xcc\x81",
    b"\xf0\x9f",
    b"text",
    b"#8",
    b"(0",
    b"q",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.sampled_from(FRAGMENTS) | st.binary(max_size=4), max_size=200),
    cols=st.integers(1, 30),
    rows=st.integers(1, 8),
    new_size=st.tuples(st.integers(1, 30), st.integers(1, 8)),
)
def test_random_sequences_and_resizes_never_break_the_emulator(parts, cols, rows, new_size):
    replies: list[bytes] = []
    t = Terminal(cols, rows, scrollback=20, write_back=replies.append)
    half = len(parts) // 2
    t.feed(b"".join(parts[:half]))
    t.resize(*new_size)
    check(t, replies)
    t.feed(b"".join(parts[half:]))
    check(t, replies)
