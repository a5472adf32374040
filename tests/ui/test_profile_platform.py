"""Connecting a profile from the app: its local folder, its ProxyCommand, and what a refused login says.

Real servers only: Debian's sshd, a Python relay as the ProxyCommand.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sshdeck.app import SshdeckApp
from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.core.trust import TrustStore
from sshdeck.ui.widgets.file_pane import FilePane
from sshdeck.ui.widgets.host_sidebar import HostSidebar
from tests.support.openssh import keygen
from tests.ui.waiting import until

RELAY = Path(__file__).resolve().parent.parent / "support" / "tcp_relay.py"


def pane(app, side: str) -> FilePane:
    return app.screen.query_one(f"#{side}", FilePane)


def profile_for(server, **fields) -> HostProfile:
    fields.setdefault("identity_files", [str(server.client_key)])
    return HostProfile(
        name="box", host=server.host, port=server.port, user=server.username, auth_methods=["key"], **fields,
    )


async def connect_app(tmp_path: Path, server, profile: HostProfile):
    """An app with `profile` saved and `server`'s host key known; yields (app, pilot, sidebar) after Enter on it."""
    store = ProfileStore.load()
    store.add(profile)
    store.save()
    known = server.write_known_hosts(tmp_path / "known_hosts")
    start = tmp_path / "start"
    start.mkdir(exist_ok=True)
    app = SshdeckApp(local_path=str(start), trust=TrustStore(own_file=tmp_path / "own", read_files=[known]), ssh_config=None)
    return app, start


async def press_connect(pilot, app, profile_id: str) -> HostSidebar:
    sidebar = await until(pilot, lambda: app.screen.query(HostSidebar).first(), "the sidebar")
    sidebar.host_list.focus()
    sidebar.host_list.highlighted = next(
        i for i, option in enumerate(sidebar.host_list.options) if option.id == f"host:{profile_id}"
    )
    await pilot.press("enter")
    return sidebar


async def test_a_profiles_local_folder_opens_in_the_left_pane(tmp_path: Path, openssh_server, hermetic_home: Path) -> None:
    (hermetic_home / "sites" / "shop").mkdir(parents=True)
    (hermetic_home / "sites" / "shop" / "index.php").write_text("<?php")
    profile = profile_for(openssh_server, local_folder="~/sites/shop")
    app, start = await connect_app(tmp_path, openssh_server, profile)
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: pane(app, "left").is_idle and pane(app, "left").path == str(start), "the start folder")
        sidebar = await press_connect(pilot, app, profile.id)
        await until(pilot, lambda: sidebar.status_of(profile.id)[0] == "connected", "the connection")
        left = await until(
            pilot, lambda: (p := pane(app, "left")).is_idle and p.path == str(hermetic_home / "sites" / "shop") and p,
            "the profile's local folder",
        )
        assert "index.php" in [e.display for e in left.file_list.entries]


async def test_a_missing_local_folder_is_notified_and_the_pane_stays(tmp_path: Path, openssh_server) -> None:
    profile = profile_for(openssh_server, local_folder="~/no/such/folder")
    app, start = await connect_app(tmp_path, openssh_server, profile)
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: pane(app, "left").is_idle, "the start folder")
        sidebar = await press_connect(pilot, app, profile.id)
        await until(pilot, lambda: sidebar.status_of(profile.id)[0] == "connected", "the connection")
        await until(
            pilot, lambda: any("local folder ~/no/such/folder does not exist" in n.message for n in app._notifications),
            "the notification",
        )
        assert pane(app, "left").path == str(start)


async def test_a_profile_behind_a_proxy_command_lists_its_files(tmp_path: Path, openssh_server) -> None:
    log = tmp_path / "relay.log"
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "behind-the-bastion.txt").write_text("x")
    profile = profile_for(
        openssh_server, remote_folder=str(folder), proxy_command=f"{sys.executable} {RELAY} {log} %h %p"
    )
    app, _start = await connect_app(tmp_path, openssh_server, profile)
    async with app.run_test(size=(140, 40)) as pilot:
        await press_connect(pilot, app, profile.id)
        right = await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.path == str(folder) and p, "the listing")
        assert "behind-the-bastion.txt" in [e.display for e in right.file_list.entries]
    assert log.read_text().splitlines() == [f"127.0.0.1 {openssh_server.port}"]


async def test_a_refused_key_is_explained_in_the_notification_and_the_sidebar(tmp_path: Path, openssh_server) -> None:
    stranger = keygen(tmp_path / "id_stranger")
    profile = profile_for(openssh_server, identity_files=[str(stranger)])
    app, _start = await connect_app(tmp_path, openssh_server, profile)
    async with app.run_test(size=(140, 40)) as pilot:
        sidebar = await press_connect(pilot, app, profile.id)
        await until(pilot, lambda: sidebar.status_of(profile.id)[0] == "error", "the failure")
        status = sidebar.status_of(profile.id)[1]
        assert "the server refused key ED25519 SHA256:" in status and f"({stranger})" in status
        assert "a from= restriction (this machine connected from 127.0.0.1)" in status
        assert any(status in n.message for n in app._notifications)


async def test_an_ssh_config_alias_with_proxy_command_connects_by_quick_connect(tmp_path: Path, openssh_server) -> None:
    log = tmp_path / "relay.log"
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "via-config.txt").write_text("x")
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host hidden\n  HostName {openssh_server.host}\n  Port {openssh_server.port}\n  User {openssh_server.username}\n"
        f"  IdentityFile {openssh_server.client_key}\n  ProxyCommand {sys.executable} {RELAY} {log} %h %p\n"
    )
    known = openssh_server.write_known_hosts(tmp_path / "known_hosts")
    trust = TrustStore(own_file=tmp_path / "own", read_files=[known])
    app = SshdeckApp(local_path=str(tmp_path), trust=trust, ssh_config=str(config))
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: pane(app, "left").is_idle, "the local pane")
        await pilot.press("ctrl+k")
        await pilot.press(*f"hidden:{folder}", "enter")
        right = await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.path == str(folder) and p, "the listing")
        assert "via-config.txt" in [e.display for e in right.file_list.entries]
    assert log.read_text().splitlines() == [f"127.0.0.1 {openssh_server.port}"]


async def test_a_certificate_for_other_principals_is_explained_in_the_sidebar(tmp_path: Path, make_openssh_server) -> None:
    from tests.support.openssh import sign_user_key, user_ca

    ca, trust_line = user_ca(tmp_path)
    server = make_openssh_server(trust_line)
    key = keygen(tmp_path / "id_cert")
    sign_user_key(ca, key, "web,alice")
    profile = profile_for(server, identity_files=[str(key)])
    app, _start = await connect_app(tmp_path, server, profile)
    async with app.run_test(size=(140, 40)) as pilot:
        sidebar = await press_connect(pilot, app, profile.id)
        await until(pilot, lambda: sidebar.status_of(profile.id)[0] == "error", "the failure")
        status = sidebar.status_of(profile.id)[1]
        assert f"certificate for web, alice; logging in as {server.username}" in status
        assert any(status in n.message for n in app._notifications)
