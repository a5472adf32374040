"""Titles, the shell's folder (OSC 7) and clipboard requests (OSC 52)."""

from __future__ import annotations

import base64

from sshdeck.core.terminal import Bell, ClipboardWrite, CwdChanged, Terminal, TitleChanged
from sshdeck.core.terminal.osc import MAX_TITLE, clean_title


def test_title_from_osc_0_and_2_with_either_terminator():
    t = Terminal(20, 5)
    t.feed(b"\x1b]0;first\x07\x1b]2;second\x1b\\")
    assert t.title == "second"
    assert t.take_events() == [TitleChanged("first"), TitleChanged("second")]


def test_title_is_cleaned_of_controls_and_bidi_overrides_and_capped():
    assert clean_title("a\x00b\x7fc\u202ed\u2066e\x9bf") == "abcdef"
    t = Terminal(20, 5)
    t.feed(b"\x1b]2;" + b"x" * 5000 + b"\x07")
    assert len(t.title) == MAX_TITLE


def test_title_split_across_feeds():
    t = Terminal(20, 5)
    t.feed(b"\x1b]2;hel")
    assert t.title == ""
    t.feed(b"lo\x1b")
    t.feed(b"\\after")
    assert t.title == "hello"
    assert t.display()[0] == "after"


def test_osc_7_reports_the_folder_decoded():
    t = Terminal(20, 5)
    t.feed(b"\x1b]7;file://web1/home/me/My%20Files\x07")
    assert t.take_events() == [CwdChanged(path="/home/me/My Files", host="web1")]
    assert t.cwd == "/home/me/My Files"


def test_osc_7_rejects_malformed_and_hostile_paths():
    t = Terminal(20, 5)
    t.feed(b"\x1b]7;http://x/y\x07\x1b]7;file://h/a%1bb\x07\x1b]7;relative\x07\x1b]7;file://h/a%00\x07")
    assert t.take_events() == []
    assert t.cwd is None


def test_osc_52_write_is_only_an_event():
    t = Terminal(20, 5)
    payload = base64.b64encode("copied ✓".encode()).decode()
    t.feed(f"\x1b]52;c;{payload}\x07".encode())
    assert t.take_events() == [ClipboardWrite(selection="c", text="copied ✓")]
    assert t.take_replies() == []


def test_osc_52_read_and_garbage_are_ignored():
    t = Terminal(20, 5)
    t.feed(b"\x1b]52;c;?\x07\x1b]52;c;!!notbase64\x07\x1b]52;nosep\x07")
    assert t.take_events() == []
    assert t.take_replies() == []


def test_bells_are_events_and_coalesce():
    t = Terminal(20, 5)
    t.feed(b"\x07\x07\x07")
    assert t.take_events() == [Bell()]
