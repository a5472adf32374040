"""Tunnels in the app: a profile's forwards start with its connection and show their state under the host."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

from sshdeck.app import SshdeckApp
from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.hosts.profiles import HostProfile, Tunnel
from sshdeck.core.trust import TrustStore
from sshdeck.ui.commands import main_screen_commands
from sshdeck.ui.screens.profile_editor import ProfileEditor
from sshdeck.ui.widgets.host_sidebar import HostSidebar
from sshdeck.ui.widgets.tunnel_editor import TunnelEditor
from tests.support.tunnel_tools import EchoServer, busy_port, echo_through, free_port
from tests.ui.waiting import until


def save_profile(profile: HostProfile) -> ProfileStore:
    store = ProfileStore.load()
    store.add(profile)
    store.save()
    return store


def known(tmp_path: Path, server) -> TrustStore:
    return TrustStore(own_file=tmp_path / "own_known_hosts", read_files=[server.write_known_hosts(tmp_path / "known_hosts")])


def server_profile(server, tunnels: list[Tunnel]) -> HostProfile:
    return HostProfile(
        name="db host", host=server.host, port=server.port, user=server.username,
        identity_files=[str(server.client_key)], tunnels=tunnels,
    )


def row_text(sidebar: HostSidebar, option_id: str) -> str:
    option = sidebar.host_list.get_option(option_id)
    return str(option.prompt)


async def connect_first_host(pilot, app) -> tuple[HostSidebar, HostProfile]:
    sidebar = await until(pilot, lambda: app.screen.query(HostSidebar).first(), "the sidebar")
    profile = ProfileStore.load().profiles[0]
    sidebar.host_list.focus()
    sidebar.host_list.highlighted = sidebar.host_list.get_option_index(f"host:{profile.id}")
    await pilot.press("enter")
    return sidebar, profile


async def test_profile_tunnels_start_with_the_connection_and_the_sidebar_shows_listening(tmp_path: Path, openssh_server) -> None:
    async with EchoServer() as echo:
        port, on_demand = free_port(), free_port()
        save_profile(server_profile(openssh_server, [
            Tunnel("database", port, "127.0.0.1", echo.port),
            Tunnel("later", on_demand, "127.0.0.1", echo.port, autostart=False),
        ]))
        app = SshdeckApp(local_path=str(tmp_path), trust=known(tmp_path, openssh_server), ssh_config=None)
        async with app.run_test(size=(140, 40)) as pilot:
            sidebar, profile = await connect_first_host(pilot, app)
            first, second = f"tunnel:{profile.id}:0", f"tunnel:{profile.id}:1"
            await until(pilot, lambda: "listening" in row_text(sidebar, first), "the tunnel row says listening")
            assert row_text(sidebar, first) == f"   ⇄ database :{port}\n   listening, 0 active, 0B"
            assert row_text(sidebar, second) == f"   ⇄ later :{on_demand}\n   on demand"
            assert await echo_through(port, b"select 1") == b"select 1"
            await until(pilot, lambda: "16B" in row_text(sidebar, first), "the byte count shows")

            # t on the on-demand row starts it; t again stops it.
            sidebar.host_list.highlighted = sidebar.host_list.get_option_index(second)
            await pilot.press("t")
            await until(pilot, lambda: "listening" in row_text(sidebar, second), "the on-demand tunnel listens")
            assert await echo_through(on_demand, b"now") == b"now"
            await pilot.press("t")
            await until(pilot, lambda: row_text(sidebar, second).endswith("on demand"), "the tunnel stops")

            # Copy tunnel address, from the palette's command list.
            copied = []
            app.copy_to_clipboard = copied.append
            sidebar.host_list.highlighted = sidebar.host_list.get_option_index(first)
            commands = {c.title: c for c in main_screen_commands(app.screen)}
            assert {"Start tunnel …", "Stop tunnel …", "Copy tunnel address"} <= set(commands)
            commands["Copy tunnel address"].run()
            assert copied == [f"127.0.0.1:{port}"]
            commands["Stop tunnel …"].run()
            await until(pilot, lambda: row_text(sidebar, first).endswith("stopped"), "the palette stops it")


async def test_port_in_use_shows_the_error_on_the_tunnel_row(tmp_path: Path, openssh_server) -> None:
    with busy_port() as taken:
        port = taken.getsockname()[1]
        save_profile(server_profile(openssh_server, [Tunnel("database", port, "127.0.0.1", 5432)]))
        app = SshdeckApp(local_path=str(tmp_path), trust=known(tmp_path, openssh_server), ssh_config=None)
        async with app.run_test(size=(140, 40)) as pilot:
            sidebar, profile = await connect_first_host(pilot, app)
            row = f"tunnel:{profile.id}:0"
            await until(pilot, lambda: "error" in row_text(sidebar, row), "the error on the row")
            assert row_text(sidebar, row).endswith(f"\n   error: port {port} already in use")


class EditorApp(App):
    def __init__(self, editor: ProfileEditor) -> None:
        super().__init__()
        self.editor = editor
        self.results: list = []

    def on_mount(self) -> None:
        self.push_screen(self.editor, self.results.append)


async def test_editor_edits_kind_bind_and_autostart() -> None:
    store = ProfileStore.load()
    profile = HostProfile(name="app", host="192.0.2.7", tunnels=[Tunnel("web", 8080, "127.0.0.1", 3000)])
    store.add(profile)
    editor = ProfileEditor(profile, store=store)
    app = EditorApp(editor)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.pause()
        row = editor.query_one(TunnelEditor).rows[0]
        from textual.widgets import Checkbox, Input, Select

        row.query_one(".tunnel-kind", Select).value = "dynamic"
        await pilot.pause()
        assert not row.query_one(".tunnel-remote-host", Input).display  # SOCKS has no fixed destination
        row.query_one(".tunnel-kind", Select).value = "remote"
        await pilot.pause()
        assert row.query_one(".tunnel-remote-host", Input).display
        row.query_one(".tunnel-bind", Input).value = "::1"
        row.query_one(".tunnel-autostart", Checkbox).value = False
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    [result] = app.results
    assert result.tunnels == [Tunnel("web", 8080, "127.0.0.1", 3000, kind="remote", bind="::1", autostart=False)]


class SidebarApp(App):
    CSS_PATH = [str(Path(__file__).parents[2] / "sshdeck/ui/styles/hosts.tcss")]

    def __init__(self, store: ProfileStore, states: dict[int, tuple[str, str]]) -> None:
        super().__init__()
        self.store = store
        self.states = states

    def compose(self) -> ComposeResult:
        sidebar = HostSidebar(self.store, id="sidebar")
        sidebar.tunnel_state = lambda _pid, index: self.states[index]
        yield sidebar


def test_sidebar_shows_tunnel_states(snap_compare, hermetic_home) -> None:
    store = ProfileStore.load()
    store.add(HostProfile(name="platform app", host="ssh.example.net", tunnels=[
        Tunnel("database", 30000, "database.internal", 5432),
        Tunnel("preview", 8080, "127.0.0.1", 3000, kind="remote"),
        Tunnel("socks", 1080, kind="dynamic"),
        Tunnel("redis", 30001, "redis.internal", 6379, autostart=False),
    ]))
    states = {
        0: ("listening", "listening, 2 active, 1.5K"),
        1: ("listening", "listening, 0 active, 0B"),
        2: ("error", "error: port 1080 already in use"),
        3: ("stopped", "on demand"),
    }
    assert snap_compare(SidebarApp(store, states), terminal_size=(60, 20))


async def test_app_tunnel_comes_back_on_its_port_after_the_server_drops_the_connection(tmp_path: Path, make_openssh_server) -> None:
    from tests.support.tunnel_tools import kill_sshd_sessions

    server = make_openssh_server()
    async with EchoServer() as echo:
        port = free_port()
        save_profile(server_profile(server, [Tunnel("database", port, "127.0.0.1", echo.port)]))
        app = SshdeckApp(local_path=str(tmp_path), trust=known(tmp_path, server), ssh_config=None)
        async with app.run_test(size=(140, 40)) as pilot:
            sidebar, profile = await connect_first_host(pilot, app)
            row = f"tunnel:{profile.id}:0"
            await until(pilot, lambda: "listening" in row_text(sidebar, row), "the tunnel listens")
            tunnels = app.screen.tunnels.sets[profile.id]
            tunnels.backoff = (0.2,)  # the default starts at 1 s
            assert kill_sshd_sessions(server) > 0
            await until(pilot, lambda: tunnels.reconnects == 1, "the tunnels reconnect", tries=2400)
            await until(pilot, lambda: "listening" in row_text(sidebar, row), "the row listens again")
            assert await echo_through(port, b"still here") == b"still here"
