"""One escaping rule for a server's words: `inert` makes them displayable, `terminal_safe` guards every edge."""

from __future__ import annotations

import io
import logging

import pytest

from sshdeck.commands import output
from sshdeck.core.fs.names import clean_reason, display_name
from sshdeck.core.inert import Inert, inert, plain, terminal_safe
from sshdeck.core.logs import InertFormatter
from sshdeck.core.ssh.auth import escape_server_text

# What a hostile server puts in names, reasons, banners and prompts.
HOSTILE = [
    "\x1b[2J",  # CSI: clear screen
    "\x1b]0;owned\x07",  # OSC: set the title, BEL-terminated
    "\x1b]52;c;cm0gLXJmIH4=\x07",  # OSC 52: write the clipboard
    "\x9b2J",  # C1 CSI
    "\x9d0;owned\x9c",  # C1 OSC ... ST
    "a\rb",  # CR: overwrite the line
    "\x07",  # BEL
    "\x7f",  # DEL
    "\u202etxt.exe",  # bidi override
    "\x1bP$q\x1b\\",  # DCS
]
FORBIDDEN = {chr(c) for c in range(0x00, 0x20) if chr(c) not in "\n\t"} | {chr(c) for c in range(0x7F, 0xA0)} | {"\u202e"}


def acts_on_a_terminal(text: str) -> set[str]:
    return {ch for ch in text if ch in FORBIDDEN}


@pytest.mark.parametrize("raw", HOSTILE)
def test_inert_text_keeps_no_control_character(raw: str) -> None:
    for made in (inert(raw), inert(raw.encode("utf-8")), inert(raw, one_line=False), terminal_safe(raw), plain(raw)):
        assert not acts_on_a_terminal(made), repr(made)


def test_inert_is_idempotent_and_marks_its_result() -> None:
    once = inert("evil\x1b[31m\\name")
    assert isinstance(once, Inert) and once == "evil\\x1b[31m\\\\name"
    assert inert(once) == once  # not escaped twice
    assert terminal_safe(once) == once and terminal_safe(terminal_safe("\x1b]0;t\x07")) == terminal_safe("\x1b]0;t\x07")


def test_one_line_escapes_line_breaks_and_multi_line_keeps_them() -> None:
    assert inert("a\nb\tc\rd") == "a\\nb\\tc\\rd"
    assert inert("a\nb\tc\rd", one_line=False) == "a\nb\tc\\rd"
    assert terminal_safe("Traceback:\n\tline\x1b[2J") == "Traceback:\n\tline\\x1b[2J"


def test_c1_controls_and_undecodable_bytes_stay_distinct() -> None:
    assert inert("\x9b") == "\\u009b"
    assert inert(b"\x9b") == "\\x9b"  # a raw byte that is not UTF-8
    assert inert(b"\xc2\x9b") == "\\u009b"  # the UTF-8 form of C1 CSI


def test_limit_cuts_long_text() -> None:
    assert inert("x" * 50, limit=10) == "x" * 9 + "…"
    assert inert(None) == "" and isinstance(inert(None), Inert)


def test_adding_plain_text_to_inert_text_escapes_it() -> None:
    joined = inert("name") + ": \x1b[2Jreason"
    assert isinstance(joined, Inert) and joined == "name: \\x1b[2Jreason"
    assert ("\x07pre " + inert("x")) == "\\x07pre x"


def test_the_old_names_use_the_same_rule() -> None:
    raw = "evil\x1b]0;title\x07\r"
    assert display_name(raw.encode()) == inert(raw)
    assert escape_server_text(raw, keep_newlines=False) == inert(raw)
    assert escape_server_text("a\n\x1b", keep_newlines=True) == "a\n\\x1b"
    assert clean_reason("  quota \x1b[31mfull\n ") == "quota \\x1b[31mfull"
    assert clean_reason(inert("a\\b")) == "a\\\\b"  # an inert reason is not escaped twice


def test_cli_output_helper_escapes_whatever_it_is_given() -> None:
    out, err = io.StringIO(), io.StringIO()
    output.out("listing \x1b]52;c;Zm9v\x07", file=out)
    output.err("sshdeck cp: \x9b2J\rfailed", file=err)
    assert out.getvalue() == "listing \\x1b]52;c;Zm9v\\x07\n"
    assert err.getvalue() == "sshdeck cp: \\u009b2J\\rfailed\n"


def test_log_records_and_tracebacks_are_escaped_but_keep_their_lines() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(InertFormatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("sshdeck.test.inert")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("server said %s", "\x1b]0;owned\x07")
        try:
            raise ValueError("reason \x1b[2J")
        except ValueError:
            logger.exception("failed \x9b")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert not acts_on_a_terminal(text)
    assert "server said \\x1b]0;owned\\x07" in text
    assert "Traceback (most recent call last):\n" in text and "ValueError: reason \\x1b[2J" in text
