"""Connecting from the app: the sidebar, quick connect, the command line, and the location picker.

Real servers only: Debian's sshd and sshdeck's asyncssh demo server.
"""

from __future__ import annotations

import pytest

from pathlib import Path

from sshdeck.app import SshdeckApp
from sshdeck.core.ssh.demo import DemoServer
from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.core.trust import TrustStore
from sshdeck.ui.screens.host_key_prompt import HostKeyPrompt
from sshdeck.ui.screens.location_picker import LocationPicker
from sshdeck.ui.widgets.file_pane import FilePane
from sshdeck.ui.widgets.host_sidebar import HostSidebar
from tests.ui.waiting import until



def pane(app, side: str) -> FilePane:
    return app.screen.query_one(f"#{side}", FilePane) if not app.screen.is_modal else app.screen_stack[-2].query_one(f"#{side}", FilePane)


def header(app, side: str) -> str:
    from textual.widgets import Static

    return str(pane(app, side).query_one(".pane-path", Static).content)


def names(p: FilePane) -> list[str]:
    return [e.display for e in p.file_list.entries]


def served_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "served"
    (folder / "uploads").mkdir(parents=True)
    (folder / "index.php").write_text("<?php echo 1;")
    return folder


def save_profile(profile: HostProfile) -> ProfileStore:
    store = ProfileStore.load()
    store.add(profile)
    store.save()
    return store


def trust(tmp_path: Path) -> TrustStore:
    return TrustStore(own_file=tmp_path / "own_known_hosts", read_files=[])


async def test_connect_from_the_sidebar_asks_about_the_host_key_then_lists(tmp_path: Path, openssh_server) -> None:
    folder = served_folder(tmp_path)
    save_profile(
        HostProfile(
            name="shared hosting",
            host=openssh_server.host,
            port=openssh_server.port,
            user=openssh_server.username,
            identity_files=[str(openssh_server.client_key)],
            remote_folder=str(folder),
        )
    )
    store_file = trust(tmp_path)
    app = SshdeckApp(local_path=str(tmp_path), trust=store_file, ssh_config=None)
    async with app.run_test(size=(140, 40)) as pilot:
        sidebar = await until(pilot, lambda: app.screen.query(HostSidebar).first(), "the sidebar")
        assert sidebar.display  # shown because there are saved hosts
        sidebar.host_list.focus()
        profile = ProfileStore.load().profiles[0]
        sidebar.host_list.highlighted = next(
            i for i, option in enumerate(sidebar.host_list.options) if option.id == f"host:{profile.id}"
        )
        await pilot.press("enter")
        # The prompt is pushed first and focuses its default button on mount: wait for both.
        prompt = await until(
            pilot,
            lambda: isinstance(app.screen, HostKeyPrompt) and app.focused is not None and app.screen,
            "the host-key prompt with its focus",
        )
        assert app.focused.id == "reject"
        await pilot.click("#trust-and-save")
        right = await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.path == str(folder) and p, "the listing")
        assert names(right) == ["..", "uploads", "index.php"]
        assert sidebar.status_of(profile.id)[0] == "connected"
        assert openssh_server.known_hosts_line().split()[1] in (tmp_path / "own_known_hosts").read_text()
        assert prompt is not None


async def test_rejecting_the_host_key_connects_nowhere(tmp_path: Path, openssh_server) -> None:
    app = SshdeckApp(local_path=str(tmp_path), trust=trust(tmp_path), ssh_config=None)
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: pane(app, "left").is_idle, "the local pane")
        await pilot.press("ctrl+k")
        await pilot.press(*f"{openssh_server.username}@{openssh_server.host}:{openssh_server.port}", "enter")
        await until(pilot, lambda: isinstance(app.screen, HostKeyPrompt), "the host-key prompt")
        await pilot.press("enter")  # Reject has focus
        await until(pilot, lambda: not app.screen.is_modal, "the prompt to close")
        await pilot.pause(0.3)
        assert not (tmp_path / "own_known_hosts").exists()
        assert app.connections.open == {}
        assert pane(app, "right").fs.label == "local"


async def test_quick_connect_uses_ssh_config_and_the_location_picker_shows_the_host_left(
    tmp_path: Path, openssh_server, hermetic_home: Path
) -> None:
    folder = served_folder(tmp_path)
    config = hermetic_home / "ssh_config"
    config.write_text(
        f"Host box\n  HostName {openssh_server.host}\n  Port {openssh_server.port}\n"
        f"  User {openssh_server.username}\n  IdentityFile {openssh_server.client_key}\n"
    )
    app = SshdeckApp(local_path=str(tmp_path), trust=trust(tmp_path), ssh_config=str(config))
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: pane(app, "left").is_idle, "the local pane")
        await pilot.press("ctrl+k")
        await pilot.press(*f"box:{folder}", "enter")
        await until(pilot, lambda: isinstance(app.screen, HostKeyPrompt), "the host-key prompt")
        await pilot.click("#connect-once")
        await until(pilot, lambda: pane(app, "right").is_idle and pane(app, "right").path == str(folder), "listing")
        assert not (tmp_path / "own_known_hosts").exists()  # once: nothing saved
        # The header names the alias and the folder once, also after going up.
        shown = header(app, "right")
        assert shown.count("box:") == 1 and shown.startswith("box:") and shown.endswith(f"{folder.parent.name}/served")
        pane(app, "right").file_list.focus()
        await pilot.press("backspace")
        await until(pilot, lambda: pane(app, "right").is_idle and pane(app, "right").path == str(folder.parent), "up")
        shown = header(app, "right")
        assert shown.count("box:") == 1 and shown.startswith("box:") and shown.endswith(f"/{folder.parent.name}")
        # The left pane can show the same host too.
        pane(app, "left").file_list.focus()
        await pilot.press("alt+l")
        picker = await until(pilot, lambda: isinstance(app.screen, LocationPicker) and app.screen, "the picker")
        labels = [place.label for place in picker.locations]
        assert labels == ["This computer", "box"]
        await pilot.press("down", "enter")
        left = await until(pilot, lambda: (p := pane(app, "left")).is_idle and p.fs.label != "local" and p, "left")
        assert "uploads" in names(left)


async def test_a_host_without_sftp_says_so_in_the_pane(tmp_path: Path, demo_root: Path) -> None:
    async with DemoServer(demo_root, sftp=False) as server:
        key_file = tmp_path / "demo_key"
        key_file.write_bytes(server.client_key.export_private_key())
        key_file.chmod(0o600)
        save_profile(
            HostProfile(
                name="paas gateway",
                host=server.host,
                port=server.port,
                user=server.username,
                identity_files=[str(key_file)],
                pinned_fingerprints=[server.host_key_fingerprint()],
            )
        )
        app = SshdeckApp(local_path=str(tmp_path), trust=trust(tmp_path), ssh_config=None, initial_target="paas gateway")
        async with app.run_test(size=(140, 40)) as pilot:
            right = await until(pilot, lambda: (p := pane(app, "right")).query_one(".pane-note").display and p, "note")
            assert "This host offers no file access (shell only)" in str(right.query_one(".pane-note").content)
            assert not isinstance(app.screen, HostKeyPrompt)  # the pinned fingerprint matched: no prompt


async def test_disconnect_returns_the_pane_to_this_computer(tmp_path: Path, openssh_server) -> None:
    folder = served_folder(tmp_path)
    app = SshdeckApp(local_path=str(tmp_path), trust=trust(tmp_path), ssh_config=None)
    target = f"{openssh_server.username}@{openssh_server.host}:{openssh_server.port}"
    config = tmp_path / "cfg"
    config.write_text(f"Host *\n  IdentityFile {openssh_server.client_key}\n")
    app.ssh_config = str(config)
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: pane(app, "left").is_idle, "the local pane")
        await pilot.press("ctrl+k", *f"sftp://{target}/{folder}", "enter")
        await until(pilot, lambda: isinstance(app.screen, HostKeyPrompt), "the host-key prompt")
        await pilot.click("#connect-once")
        right = await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.path == str(folder) and p, "list")
        right.file_list.focus()
        await pilot.press("ctrl+d")
        await until(pilot, lambda: pane(app, "right").fs.label == "local" and pane(app, "right").is_idle, "local")
        assert app.connections.open == {}


async def test_a_silent_server_can_be_cancelled_while_connecting(tmp_path: Path) -> None:
    import asyncio

    async def say_nothing(reader, writer):
        await asyncio.sleep(30)

    server = await asyncio.start_server(say_nothing, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    save_profile(HostProfile(name="silent", host="127.0.0.1", port=port, user="nobody"))
    try:
        app = SshdeckApp(local_path=str(tmp_path), trust=trust(tmp_path), ssh_config=None)
        async with app.run_test(size=(140, 40)) as pilot:
            sidebar = await until(pilot, lambda: app.screen.query(HostSidebar).first(), "the sidebar")
            profile = ProfileStore.load().profiles[0]
            sidebar.host_list.focus()
            sidebar.host_list.highlighted = next(
                i for i, option in enumerate(sidebar.host_list.options) if option.id == f"host:{profile.id}"
            )
            await pilot.press("enter")
            await until(pilot, lambda: sidebar.status_of(profile.id)[0] == "connecting", "connecting")
            await pilot.press("ctrl+d")
            await until(pilot, lambda: sidebar.status_of(profile.id)[0] == "error", "the cancel to land")
            assert app.connections.open == {} and app.connections.connecting == {}
            assert any("cancelled" in n.message.lower() for n in app._notifications)
    finally:
        server.close()


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_the_location_picker_offers_saved_hosts_and_connects_one_in_this_pane(tmp_path: Path, openssh_server, size) -> None:
    folder = served_folder(tmp_path)
    save_profile(
        HostProfile(
            name="shared hosting", host=openssh_server.host, port=openssh_server.port, user=openssh_server.username,
            identity_files=[str(openssh_server.client_key)], remote_folder=str(folder),
        )
    )
    app = SshdeckApp(local_path=str(tmp_path), trust=trust(tmp_path), ssh_config=None)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: pane(app, "left").is_idle, "the local pane")
        pane(app, "left").file_list.focus()
        await pilot.press("alt+l")
        picker = await until(pilot, lambda: isinstance(app.screen, LocationPicker) and app.screen, "the picker")
        assert picker.labels == ["This computer", "shared hosting  (saved host: connect)"]
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, HostKeyPrompt), "the host-key prompt")
        await pilot.click("#connect-once")
        left = await until(pilot, lambda: (p := pane(app, "left")).is_idle and p.path == str(folder) and p, "left")
        assert names(left) == ["..", "uploads", "index.php"]
