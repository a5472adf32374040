"""hosts.toml: profiles survive restarts and crashes while saving (damaged files: test_profile_store_damaged_files)."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import tomllib
from pathlib import Path

import pytest

from sshdeck.core import paths
from sshdeck.core.hosts.profile_store import (
    ProfileStore,
    SaveError,
    SaveNeedsConfirmation,
    hosts_path,
)
from sshdeck.core.hosts.profiles import HostProfile, Tunnel
from tests.core.hosts_files import hosts_file, load, write  # noqa: F401  (hosts_file is a fixture)

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
