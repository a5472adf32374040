"""Parsing authorized_keys lines the way sshd does, and one-line edits that keep every other byte."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sshdeck.core.keys.authorized_keys_format import (
    KeyTextError,
    append_line,
    disable_line,
    enable_line,
    from_option,
    parse_file,
    public_key_from_text,
    remove_line,
    split_options,
)
from tests.core.conftest import keygen


@pytest.fixture
def pub(tmp_path: Path) -> str:
    return Path(str(keygen(tmp_path / "k")) + ".pub").read_text().strip()


def test_quoted_option_values_keep_their_commas_and_spaces(pub) -> None:
    line = f'from="10.0.0.1,::ffff:10.0.0.1",command="echo a, b \\"c\\"",restrict {pub}\n'
    entries, bad = parse_file("authorized_keys", line.encode())
    assert not bad
    assert entries[0].options == ('from="10.0.0.1,::ffff:10.0.0.1"', 'command="echo a, b \\"c\\""', "restrict")
    assert entries[0].key.comment == "test"
    assert split_options('a="x,y",b') == ('a="x,y"', "b")


def test_fingerprint_matches_ssh_keygen(tmp_path: Path, pub) -> None:
    (tmp_path / "ak").write_text(pub + "\n")
    out = subprocess.run(["ssh-keygen", "-l", "-f", str(tmp_path / "ak")], capture_output=True, text=True, check=True).stdout
    entries, _ = parse_file("authorized_keys", (pub + "\n").encode())
    assert entries[0].fingerprint == out.split()[1]


def test_commented_key_is_a_disabled_entry_and_a_plain_comment_is_ignored(pub) -> None:
    data = f"# the admin team\n\n#from=\"1.2.3.4\" {pub}\nnot a key at all\n".encode()
    entries, bad = parse_file("authorized_keys2", data)
    assert [(e.line, e.enabled, e.options) for e in entries] == [(3, False, ('from="1.2.3.4"',))]
    assert [b.message() for b in bad] == ["authorized_keys2 line 4: not a key"]


def test_disable_then_enable_gives_back_the_same_bytes(pub) -> None:
    data = f"# c\r\n\r\nfoo=bar {pub}\r\n{pub}\r\nnot a key".encode()
    entries, _ = parse_file("authorized_keys", data)
    for entry in entries:
        off = disable_line(data, entry.line)
        assert off.count(b"\r\n") == data.count(b"\r\n")
        assert [e.enabled for e in parse_file("authorized_keys", off)[0] if e.line == entry.line] == [False]
        assert enable_line(off, entry.line) == data


def test_remove_and_append_touch_only_their_line(pub) -> None:
    data = f"# c\r\n{pub}\r\nlast line without end".encode()
    assert remove_line(data, 2) == b"# c\r\nlast line without end"
    assert append_line(data, "x") == data + b"\r\nx\r\n"
    assert append_line(b"", "x") == b"x\n"


def test_pasted_text_must_be_one_key_without_control_characters(pub) -> None:
    assert public_key_from_text(pub + "\n").line() == pub
    with pytest.raises(KeyTextError):
        public_key_from_text(pub + "\n" + pub)
    with pytest.raises(KeyTextError):
        public_key_from_text("ssh-ed25519 bm90IGEga2V5 x")
    with pytest.raises(KeyTextError):
        public_key_from_text(pub + " evil\x1b[2J")


def test_from_patterns_cannot_break_out_of_the_quotes() -> None:
    assert from_option("10.0.0.1,::ffff:10.0.0.1") == 'from="10.0.0.1,::ffff:10.0.0.1"'
    for bad in ('1.2.3.4" command="sh', "a b", "x\ny", ""):
        with pytest.raises(KeyTextError):
            from_option(bad)
