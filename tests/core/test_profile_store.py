"""hosts.toml: profiles survive restarts, damaged files are never lost or overwritten silently."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import tomllib
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sshdeck.core import paths
from sshdeck.core.hosts.profile_store import (
    ProfileStore,
    SaveError,
    SaveNeedsConfirmation,
    hosts_path,
)
from sshdeck.core.hosts.profiles import HostProfile, Tunnel

FINGERPRINT = "SHA256:" + base64.b64encode(hashlib.sha256(b"blob").digest()).decode().rstrip("=")


def full_profile() -> HostProfile:
    """A profile with every field away from its default (the PaaS gateway scenario)."""
    return HostProfile(
        name="PaaS gateway",
        group="Work",
        host="gateway.example.net",
        port=2200,
        user="ssh",
        auth_methods=["key", "keyboard-interactive"],
        identity_files=["~/.ssh/id_ed25519", "~/.ssh/id_rsa"],
        certificate_file="~/.ssh/id_ed25519-cert.pub",
        jump_host="admin@bastion.example.net:2222",
        remote_folder="/upload-vpn",
        local_folder="~/isos",
        remote_command="app-1234",
        force_pty=True,
        pinned_fingerprints=[FINGERPRINT],
        host_key_policy="strict",
        tunnels=[Tunnel("db", 30000, "127.0.0.1", 5432), Tunnel("web", 8080, "internal.example", 80)],
        keepalive_interval=30,
        notes="Fingerprints from the admin panel.\nSupport: ü@example.net \"quoted\"",
        colour="green",
    )


@pytest.fixture
def hosts_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "hosts.toml"


def load(path: Path) -> ProfileStore:
    return ProfileStore.load(path, path.parent / "recent.toml")


def write(path: Path, text: str, mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


# -- round trip and permissions ------------------------------------------------


def test_profiles_survive_save_and_load(hosts_file: Path) -> None:
    store = load(hosts_file)
    assert store.profiles == [] and store.problems == [] and not store.read_only
    store.add(full_profile())
    store.add(HostProfile(name="shared", host="ssh-account.provider.example", user="account"))
    store.save()
    again = load(hosts_file)
    assert again.problems == []
    assert again.profiles == store.profiles
    # And once more: what sshdeck wrote, it reads back and writes identically.
    before = hosts_file.read_bytes()
    again.save()
    assert hosts_file.read_bytes() == before
    keys = {key for table in tomllib.loads(before.decode())["profiles"] for key in table}
    assert not {key for key in keys if "pass" in key or "secret" in key}


def test_default_location_is_the_config_dir() -> None:
    assert hosts_path() == paths.config_dir() / "hosts.toml"
    store = ProfileStore.load()
    store.add(HostProfile(name="a", host="a.example"))
    store.save()
    assert (paths.config_dir() / "hosts.toml").exists()


def test_saved_file_is_0600_in_a_0700_folder(hosts_file: Path) -> None:
    store = load(hosts_file)
    store.add(HostProfile(name="a", host="a.example"))
    store.save()
    assert stat.S_IMODE(hosts_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(hosts_file.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize(("target", "mode"), [("file", 0o664), ("file", 0o606), ("folder", 0o777), ("folder", 0o770)])
def test_group_or_world_writable_hosts_file_is_refused(hosts_file: Path, target: str, mode: int) -> None:
    write(hosts_file, '[[profiles]]\nname = "a"\nhost = "a.example"\n')
    (hosts_file if target == "file" else hosts_file.parent).chmod(mode)
    store = load(hosts_file)
    assert store.profiles == []
    assert store.read_only
    assert "writable by group or others" in str(store.problems[0])
    assert f"chmod {'600' if target == 'file' else '700'}" in str(store.problems[0])


def test_a_refused_file_is_replaced_only_on_confirmation_with_a_backup(hosts_file: Path) -> None:
    write(hosts_file, '[[profiles]]\nname = "a"\nhost = "a.example"\n', mode=0o666)
    store = load(hosts_file)
    store.add(HostProfile(name="b", host="b.example"))
    with pytest.raises(SaveNeedsConfirmation):
        store.save()
    backup = store.save(replace=True)
    assert backup is not None and backup.read_text().startswith("[[profiles]]")
    assert stat.S_IMODE(hosts_file.stat().st_mode) == 0o600
    assert [p.name for p in load(hosts_file).profiles] == ["b"]


# -- a crash while saving --------------------------------------------------------


def _save_with_failure(hosts_file: Path, monkeypatch: pytest.MonkeyPatch, what: str) -> None:
    store = load(hosts_file)
    store.add(HostProfile(name="new", host="new.example"))

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, what, boom)
        with pytest.raises(SaveError, match="No space left on device"):
            store.save()


@pytest.mark.parametrize("what", ["replace", "fsync"])
def test_crash_during_save_leaves_the_old_file_intact(hosts_file: Path, monkeypatch: pytest.MonkeyPatch, what: str) -> None:
    store = load(hosts_file)
    store.add(HostProfile(name="old", host="old.example"))
    store.save()
    before = hosts_file.read_bytes()
    _save_with_failure(hosts_file, monkeypatch, what)
    assert hosts_file.read_bytes() == before
    assert sorted(p.name for p in hosts_file.parent.iterdir()) == ["hosts.toml"]
    assert [p.name for p in load(hosts_file).profiles] == ["old"]


def test_invalid_profile_is_never_written(hosts_file: Path) -> None:
    store = load(hosts_file)
    store.add(HostProfile(name="bad", host="", port=22))
    with pytest.raises(SaveError, match="host name is empty"):
        store.save()
    assert not hosts_file.exists()


def test_file_changed_by_another_program_is_not_clobbered(hosts_file: Path) -> None:
    store = load(hosts_file)
    store.add(HostProfile(name="a", host="a.example"))
    store.save()
    hosts_file.write_text(hosts_file.read_text() + "\n# edited by hand\n")
    store.add(HostProfile(name="b", host="b.example"))
    with pytest.raises(SaveNeedsConfirmation, match="changed by another program"):
        store.save()
    backup = store.save(replace=True)
    assert backup is not None and "# edited by hand" in backup.read_text()


# -- damaged and hostile files ------------------------------------------------------


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


# -- editing helpers the sidebar uses -----------------------------------------------


def test_groups_filter_duplicate_and_validation(hosts_file: Path) -> None:
    store = load(hosts_file)
    web = HostProfile(name="web", host="web.example", group="Prod", user="deploy")
    db = HostProfile(name="db", host="db.example", group="Prod")
    home = HostProfile(name="nas", host="nas.local")
    for profile in (web, db, home):
        store.add(profile)
    assert list(store.groups()) == ["", "Prod"]
    assert [p.name for p in store.groups()["Prod"]] == ["db", "web"]
    assert [p.name for p in store.filter("prod DEPLOY")] == ["web"]
    copy = store.duplicate(web.id)
    assert copy.name == "web (copy)" and store.duplicate(web.id).name == "web (copy) 2"
    assert store.find_duplicate(HostProfile(name="x", host="WEB.example", user="deploy")) is web
    assert store.validate(HostProfile(name="DB", host="x.example"))["name"] == "another profile is already called 'db'"
    looped = HostProfile(id=db.id, name="db", host="db.example", jump_host="nas")
    store.update(HostProfile(id=home.id, name="nas", host="nas.local", jump_host="db"))
    assert "leads back to itself" in store.validate(looped)["jump_host"]
    store.remove(home.id)
    assert store.get(home.id) is None


# -- recent connections ----------------------------------------------------------------


def test_recent_connections_are_remembered_across_restarts(hosts_file: Path) -> None:
    store = load(hosts_file)
    a, b = HostProfile(name="a", host="a.example"), HostProfile(name="b", host="b.example", user="me", port=2222)
    store.add(a)
    store.add(b)
    store.save()
    assert store.mark_connected(a.id) is None
    assert store.mark_connected(b.id) is None
    assert store.mark_quick_connected("me@c.example:2200") is None
    assert store.mark_connected(a.id) is None
    recent_file = hosts_file.parent / "recent.toml"
    assert stat.S_IMODE(recent_file.stat().st_mode) == 0o600
    again = load(hosts_file)
    assert [(r.profile_id, r.target) for r in again.recent_entries()] == [
        (a.id, "a.example:22"),
        (None, "me@c.example:2200"),
        (b.id, "me@b.example:2222"),
    ]
    again.remove(b.id)
    assert [r.target for r in again.recent_entries()] == ["a.example:22", "me@c.example:2200"]
    assert again.mark_connected("no-such-id") is not None


def test_a_damaged_recent_list_is_ignored(hosts_file: Path) -> None:
    write(hosts_file.parent / "recent.toml", "recent = [[[")
    store = load(hosts_file)
    assert store.recent_entries() == [] and store.problems == []
    store.add(HostProfile(name="a", host="a.example"))
    assert store.mark_connected(store.profiles[0].id) is None


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


def test_proxy_command_and_agent_forwarding_round_trip_through_hosts_toml(tmp_path: Path) -> None:
    path = tmp_path / "hosts.toml"
    store = ProfileStore.load(path, tmp_path / "recent.toml")
    store.add(HostProfile(name="gw", host="10.0.0.7", proxy_command='ssh -W "%h:%p" bastion', agent_forwarding=True))
    store.add(HostProfile(name="plain", host="10.0.0.8"))
    store.save()
    text = path.read_text()
    assert 'proxy_command = "ssh -W \\"%h:%p\\" bastion"' in text and "agent_forwarding = true" in text
    assert text.count("agent_forwarding") == 1  # defaults are not written
    loaded = {p.name: p for p in ProfileStore.load(path, tmp_path / "recent.toml").profiles}
    assert loaded["gw"].proxy_command == 'ssh -W "%h:%p" bastion' and loaded["gw"].agent_forwarding is True
    assert loaded["plain"].proxy_command == "" and loaded["plain"].agent_forwarding is False
