"""Device queries are answered from the emulator's own state, and only these."""

from __future__ import annotations

from sshdeck.core.terminal import Terminal
from sshdeck.core.terminal.controls import DA1_REPLY, DA2_REPLY


def test_cursor_position_report_uses_the_real_cursor():
    t = Terminal(20, 5)
    t.feed(b"ab\r\ncdef\x1b[6n")
    assert t.take_replies() == [b"\x1b[2;5R"]


def test_status_report_says_ok():
    t = Terminal(20, 5)
    t.feed(b"\x1b[5n")
    assert t.take_replies() == [b"\x1b[0n"]


def test_device_attributes_are_fixed_strings():
    t = Terminal(20, 5)
    t.feed(b"\x1b[c\x1b[0c\x1b[>c\x1b[>0c")
    assert t.take_replies() == [DA1_REPLY, DA1_REPLY, DA2_REPLY, DA2_REPLY]


def test_replies_go_to_write_back_when_given():
    sent = []
    t = Terminal(20, 5, write_back=sent.append)
    t.feed(b"\x1b[6n")
    assert sent == [b"\x1b[1;1R"]
    assert t.take_replies() == []


def test_queries_that_would_echo_or_leak_are_ignored():
    t = Terminal(20, 5)
    t.feed(
        b"\x1b]0;evil\x07\x1b[21t"  # title report
        b"\x1b[20t\x1b[18t\x1b[14t\x1b[13t"  # icon label, sizes, position
        b"\x1bP$qm\x1b\\\x1bP$q\"p\x1b\\"  # DECRQSS
        b"\x1bP+q544e\x1b\\"  # XTGETTCAP
        b"\x1b]52;c;?\x07"  # clipboard read
        b"\x1b]10;?\x07\x1b]11;?\x1b\\\x1b]4;1;?\x07"  # colour queries
        b"\x1b[?2004$p\x1b[4$p"  # DECRQM
        b"\x1b[=c\x1b[?6n\x1b[?15n\x1b[1x\x05"  # DA3, DECXCPR, printer status, DECREQTPARM, ENQ
    )
    assert t.take_replies() == []


def test_a_flood_of_queries_gets_a_bounded_number_of_replies():
    t = Terminal(20, 5)
    t.feed(b"\x1b[6n" * 10_000)
    assert 0 < len(t.take_replies()) <= 64
