"""Files dropped from the desktop onto the terminal arrive as text; these are the forms terminals send."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from urllib.parse import quote_from_bytes

from hypothesis import given, settings
from hypothesis import strategies as st

from sshdeck.core.dropped_paths import parse_dropped_paths, split_words, uri_to_path


def everything_exists(_path: str) -> bool:
    return True


def make(tmp_path: Path, *names: str) -> list[str]:
    paths = []
    for name in names:
        path = tmp_path / name
        path.write_bytes(b"x")
        paths.append(str(path))
    return paths


def test_vte_single_quoted_paths_with_a_trailing_space(tmp_path: Path) -> None:
    a, b = make(tmp_path, "a b.txt", "it's.txt")
    text = f"'{a}' '{b.replace(chr(39), chr(39) + chr(92) + chr(39) + chr(39))}' "
    assert parse_dropped_paths(text) == [a, b]


def test_backslash_escaped_spaces_as_iterm_sends_them(tmp_path: Path) -> None:
    a, b = make(tmp_path, "my file (1).txt", "plain.txt")
    text = a.replace(" ", "\\ ").replace("(", "\\(").replace(")", "\\)") + " " + b
    assert parse_dropped_paths(text) == [a, b]


def test_double_quoted_paths_as_windows_terminal_sends_them(tmp_path: Path) -> None:
    (a,) = make(tmp_path, 'say "hi" $HOME.txt')
    text = '"' + a.replace('"', '\\"').replace("$", "\\$") + '"'
    assert parse_dropped_paths(text) == [a]


def test_uri_list_with_percent_encoding_crlf_and_comments(tmp_path: Path) -> None:
    a, b = make(tmp_path, "été 100%.txt", "b#c.txt")
    uris = [
        "file://" + quote_from_bytes(os.fsencode(a)),
        "file://localhost" + quote_from_bytes(os.fsencode(b)),
    ]
    text = "# dropped by a file manager\r\n" + "\r\n".join(uris) + "\r\n"
    assert parse_dropped_paths(text) == [a, b]


def test_a_plain_line_with_unescaped_spaces_is_one_path(tmp_path: Path) -> None:
    (a,) = make(tmp_path, "two words.txt")
    (tmp_path / "two").write_bytes(b"decoy")
    assert parse_dropped_paths(a + "\n") == [a]


def test_only_existing_absolute_paths_are_kept(tmp_path: Path, monkeypatch) -> None:
    (a,) = make(tmp_path, "real.txt")
    monkeypatch.chdir(tmp_path)
    text = f"{a} {tmp_path}/missing.txt real.txt hello world file://otherhost{a}"
    assert parse_dropped_paths(text) == [a]


def test_duplicates_are_dropped_and_order_is_kept(tmp_path: Path) -> None:
    a, b = make(tmp_path, "a", "b")
    assert parse_dropped_paths(f"{b} {a}\n'{b}'\nfile://{a}") == [b, a]


def test_non_utf8_names_round_trip_through_uris(tmp_path: Path) -> None:
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9.txt"
    Path(os.fsdecode(raw)).write_bytes(b"x")
    [found] = parse_dropped_paths("file://" + quote_from_bytes(raw))
    assert os.fsencode(found) == raw


def test_uri_forms() -> None:
    assert uri_to_path("file:///tmp/a%20b") == "/tmp/a b"
    assert uri_to_path("file:/tmp/x") == "/tmp/x"
    assert uri_to_path("FILE://LOCALHOST/tmp/x") == "/tmp/x"
    assert uri_to_path("file://example.org/tmp/x") is None
    assert uri_to_path("https://example.org/x") is None
    assert uri_to_path("file:relative") is None


def test_split_words_handles_quotes_like_a_shell() -> None:
    assert split_words(r"""a\ b 'c d' "e \"f\" \g" h'i'j""") == ["a b", "c d", 'e "f" \\g', "hij"]


# Names without NUL or '/' (those cannot be in one path component); anything else may appear.
names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0/\r\n"),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() == s and not s.startswith("#"))
path_lists = st.lists(names.map(lambda n: "/dropped/" + n), min_size=1, max_size=5, unique=True)


@settings(max_examples=200, deadline=None)
@given(path_lists)
def test_shell_quoted_paths_round_trip(paths: list[str]) -> None:
    text = " ".join(shlex.quote(p) for p in paths) + " "
    assert parse_dropped_paths(text, exists=set(paths).__contains__) == paths


@settings(max_examples=200, deadline=None)
@given(path_lists)
def test_backslash_escaped_paths_round_trip(paths: list[str]) -> None:
    def escape(path: str) -> str:
        return "".join("\\" + c if not (c.isalnum() or c in "/._-") else c for c in path)

    text = " ".join(escape(p) for p in paths)
    assert parse_dropped_paths(text, exists=set(paths).__contains__) == paths


@settings(max_examples=200, deadline=None)
@given(path_lists, st.sampled_from(["\n", "\r\n"]))
def test_file_uris_one_per_line_round_trip(paths: list[str], newline: str) -> None:
    text = newline.join("file://" + quote_from_bytes(os.fsencode(p)) for p in paths)
    assert parse_dropped_paths(text, exists=set(paths).__contains__) == paths


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_never_yields_a_path_that_does_not_exist(text: str) -> None:
    known = {"/dropped/a", "/dropped/b c"}
    found = parse_dropped_paths(text, exists=known.__contains__)
    assert set(found) <= known and len(found) == len(set(found))
