"""hosts.toml damaged or hostile: each problem reported with its line, the file never lost or overwritten silently."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sshdeck.core.hosts.profile_store import SaveNeedsConfirmation
from sshdeck.core.hosts.profiles import HostProfile
from tests.core.hosts_files import hosts_file, load, write  # noqa: F401  (hosts_file is a fixture)


def test_invalid_toml_reports_the_line_and_is_left_untouched(hosts_file: Path) -> None:
    text = 'schema_version = 1\n\n[[profiles]]\nname = "a"\nhost = "a.example\nport = 22\n'
    write(hosts_file, text)
    store = load(hosts_file)
    assert store.profiles == [] and store.read_only
    assert store.problems[0].line == 5
    assert "not valid TOML" in store.problems[0].message
    store.add(HostProfile(name="b", host="b.example"))
    with pytest.raises(SaveNeedsConfirmation):
        store.save()
    assert hosts_file.read_text() == text
    backup = store.save(replace=True)
    assert backup is not None and backup.name.startswith("hosts.toml.bak-") and backup.read_text() == text
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    reloaded = load(hosts_file)
    assert not reloaded.read_only and [p.name for p in reloaded.profiles] == ["b"]


def test_validation_errors_point_at_the_offending_key(hosts_file: Path) -> None:
    write(
        hosts_file,
        "schema_version = 1\n"
        "[[profiles]]\n"  # 2
        'name = "good"\n'
        'host = "good.example"\n'
        "[[profiles]]\n"  # 5
        'name = "bad"\n'
        'host = "bad.example"\n'
        "port = 70000\n"  # 8
        'pinned_fingerprints = ["SHA256:nope"]\n'  # 9
        "[[profiles.tunnels]]\n"  # 10
        'name = "db"\n'
        "local_port = 0\n"  # 12
        "remote_port = 5432\n",
    )
    store = load(hosts_file)
    assert [p.name for p in store.profiles] == ["good"]
    assert store.read_only
    by_line = {p.line: p.message for p in store.problems}
    assert "port must be a number between 1 and 65535" in by_line[8]
    assert "'bad' (not loaded)" in by_line[8]
    assert "43 base64 characters" in by_line[9]
    assert "tunnel 1: local port" in by_line[12]


def test_wrong_types_and_huge_values_become_messages(hosts_file: Path) -> None:
    write(
        hosts_file,
        "[[profiles]]\n"
        'name = "types"\n'
        "host = 5\n"
        'port = "22"\n'
        'force_pty = "yes"\n'
        "identity_files = [1, 2]\n"
        "tunnels = 3\n"
        "[[profiles]]\n"
        'name = "huge"\n'
        'host = "h.example"\n'
        f"port = {10**30}\n"
        f'notes = "{"x" * 100_000}"\n'
        "[[profiles]]\n"
        'name = "nested"\n'
        'host = "n.example"\n'
        f"group = {'[' * 50}{']' * 50}\n"
        "[[profiles]]\n"
        "name = {}\n"
        "[[profiles]]\n"
        'name = "fine"\n'
        'host = "fine.example"\n',
    )
    store = load(hosts_file)
    assert [p.name for p in store.profiles] == ["fine"]
    text = "\n".join(str(p) for p in store.problems)
    for message in (
        "host must be text",
        "port must be a whole number",
        "force_pty must be true or false",
        "identity_files must be a list of text",
        "tunnels must be a list of tables",
        "port must be a number between 1 and 65535",
        "notes is longer than 10000 characters",
        "group must be text",
        "name must be text",
    ):
        assert message in text
    assert len(text) < 5000  # huge values are not echoed back


def test_a_10_megabyte_file_is_refused_without_reading_it(hosts_file: Path) -> None:
    write(hosts_file, '[[profiles]]\nname = "a"\nhost = "a.example"\nnotes = "' + "x" * 10_000_000 + '"\n')
    store = load(hosts_file)
    assert store.profiles == [] and store.read_only
    assert "sshdeck reads at most 4 MiB" in store.problems[0].message


def test_deep_nesting_and_bad_encoding_do_not_crash(hosts_file: Path) -> None:
    write(hosts_file, "a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert "nested too deeply" in load(hosts_file).problems[0].message
    hosts_file.write_bytes(b'[[profiles]]\nname = "a"\nhost = "\xff"\n')
    problem = load(hosts_file).problems[0]
    assert problem.message == "the file is not valid UTF-8" and problem.line == 3


def test_unknown_keys_are_ignored_with_a_warning_and_kept_in_the_backup(hosts_file: Path) -> None:
    write(
        hosts_file,
        'schema_version = 1\ntheme = "x"\n[[profiles]]\nname = "a"\nhost = "a.example"\nfavourite = true\npassword = "hunter2"\n',
    )
    store = load(hosts_file)
    assert [p.name for p in store.profiles] == ["a"]
    assert store.read_only
    by_line = {p.line: p.message for p in store.problems}
    assert "unknown key 'theme' is ignored" in by_line[2]
    assert "unknown key 'favourite' is ignored" in by_line[6]
    assert "never reads secrets" in by_line[7]
    backup = store.save(replace=True)
    assert backup is not None and "favourite" in backup.read_text()
    assert "hunter2" not in hosts_file.read_text()


def test_newer_schema_and_duplicates_are_reported(hosts_file: Path) -> None:
    write(
        hosts_file,
        "schema_version = 2\n"
        '[[profiles]]\nid = "one"\nname = "a"\nhost = "a.example"\n'
        '[[profiles]]\nid = "one"\nname = "b"\nhost = "b.example"\n'
        '[[profiles]]\nname = "A"\nhost = "c.example"\n',
    )
    store = load(hosts_file)
    text = "\n".join(str(p) for p in store.problems)
    assert "newer sshdeck (schema_version 2)" in text
    assert "id one is used twice" in text
    assert "name 'A' is used twice" in text
    assert [p.name for p in store.profiles] == ["a"]


def test_hand_written_profiles_get_stable_ids(hosts_file: Path) -> None:
    write(hosts_file, '[[profiles]]\nhost = "a.example"\n')
    first, second = load(hosts_file), load(hosts_file)
    assert first.problems == []
    assert first.profiles[0].name == "a.example"
    assert first.profiles[0].id == second.profiles[0].id


def test_unknown_jump_host_and_loops_are_reported(hosts_file: Path) -> None:
    write(
        hosts_file,
        '[[profiles]]\nname = "a"\nhost = "a.example"\njump_host = "b"\n'
        '[[profiles]]\nname = "b"\nhost = "b.example"\njump_host = "a"\n'
        '[[profiles]]\nname = "c"\nhost = "c.example"\njump_host = "no such profile"\n',
    )
    store = load(hosts_file)
    by_line = {p.line: p.message for p in store.problems}
    assert "leads back to itself" in by_line[4]
    assert "neither a profile name nor user@host:port" in by_line[12]


_values = st.recursive(
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=30) | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_keys = st.sampled_from(["id", "name", "host", "port", "user", "tunnels", "auth_methods", "pinned_fingerprints",
                         "host_key_policy", "force_pty", "identity_files", "jump_host", "colour", "odd"])


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.dictionaries(_keys, _values, max_size=8), max_size=4), _values)
def test_any_toml_document_loads_without_raising(hosts_file: Path, tables: list[dict], version: object) -> None:
    write(hosts_file, tomli_w.dumps({"schema_version": version, "profiles": tables}))
    store = load(hosts_file)
    for profile in store.profiles:
        assert profile.problems() == {}
    assert all(isinstance(p.message, str) for p in store.problems)
