"""Display safety: any raw name becomes inert, one-line, distinct text."""

from __future__ import annotations

import unicodedata

import pytest

from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.fs.errors import refused
from sshdeck.core.fs.names import clean_reason, display_name

HOSTILE_NAMES = [
    b"[@click=app.quit]x",
    b"\x1b]0;evil\x07",
    b"\x1b[2J",
    b"\x1b[31mred\x1b[0m",
    b"line\nbreak",
    b"carriage\rreturn",
    b"tab\there",
    b"del\x7f",
    "\u202etxt.exe".encode(),
    "zero\u200bwidth".encode(),
    "c1\u009bcontrol".encode(),
    "line\u2028separator".encode(),
    b"bad\xff\xfeutf8",
    b"\xc3",  # a truncated UTF-8 sequence
    b"back\\slash",
    b"nul\x00byte",
]


def is_inert(text: str) -> bool:
    """No character a terminal would act on, nothing that reorders or breaks the line."""
    return all(
        unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") for char in text
    )


@pytest.mark.parametrize("raw", HOSTILE_NAMES, ids=repr)
def test_hostile_name_displays_as_inert_text(raw: bytes) -> None:
    text = display_name(raw)
    assert is_inert(text)
    assert "\x1b" not in text and "\n" not in text and "\u202e" not in text


def test_markup_looking_name_is_left_to_the_widget_as_literal_text() -> None:
    # Brackets are printable: the name shows as typed; widgets render it as plain text.
    assert display_name(b"[@click=app.quit]x") == "[@click=app.quit]x"


def test_escapes_are_readable() -> None:
    assert display_name(b"\x1b[2J") == "\\x1b[2J"
    assert display_name(b"line\nbreak") == "line\\nbreak"
    assert display_name(b"bad\xff") == "bad\\xff"
    assert display_name("\u202etxt".encode()) == "\\u202etxt"
    assert display_name("caf\u00e9 \u65e5\u672c".encode()) == "caf\u00e9 \u65e5\u672c"


def test_distinct_raw_names_stay_distinct() -> None:
    corpus = HOSTILE_NAMES + [
        b"\\x1b[2J",  # the escaped text typed literally
        "\u0080".encode(),  # a C1 control, valid UTF-8
        b"\x80",  # an undecodable byte
        "\U000e0001".encode(),  # a tag character above the BMP
        "\ue0001".encode(),  # ...and a private-use one followed by '1'
        b"plain",
    ]
    displays = [display_name(raw) for raw in corpus]
    assert len(set(displays)) == len(corpus)


def test_entry_makes_its_display_form_from_the_raw_name() -> None:
    entry = Entry(name=b"\x1b]0;evil\x07", kind=EntryKind.FILE)
    assert entry.display == "\\x1b]0;evil\\x07"
    assert entry.name == b"\x1b]0;evil\x07"


def test_server_reason_is_one_inert_line_of_sane_length() -> None:
    reason = "disk \x1b[31mfull\nplease \u202e" + "x" * 500
    text = clean_reason(reason)
    assert is_inert(text) and "\n" not in text
    assert len(text) <= 200
    error = refused("/srv/a\nb", reason)
    assert "\n" not in str(error) and "\x1b" not in str(error)
    assert str(error).startswith("/srv/a\\nb: the server refused: disk \\x1b[31mfull")
