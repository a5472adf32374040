"""The host named at start is connected while the app starts, once, and its questions wait for the main screen.

Real servers: sshdeck's asyncssh demo server and Debian's sshd.
"""

from __future__ import annotations

from pathlib import Path

from sshdeck.app import SshdeckApp
from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.core.ssh.demo import DemoServer
from sshdeck.ui.screens.host_key_prompt import HostKeyPrompt
from sshdeck.ui.screens.main import MainScreen
from tests.ui.test_connecting import names, pane, save_profile, served_folder, trust
from tests.ui.waiting import until


def count_connects(app: SshdeckApp) -> list[bool]:
    """Record each real connect: whether the main screen was mounted when it started."""
    started: list[bool] = []
    connect = app.connections._connect

    async def counted(*args, **kwargs):
        started.append(any(isinstance(screen, MainScreen) and screen.is_mounted for screen in app.screen_stack))
        return await connect(*args, **kwargs)

    app.connections._connect = counted
    return started


async def test_the_host_named_at_start_connects_before_the_main_screen_and_only_once(tmp_path: Path, demo_root: Path) -> None:
    async with DemoServer(demo_root) as server:
        key_file = tmp_path / "demo_key"
        key_file.write_bytes(server.client_key.export_private_key())
        key_file.chmod(0o600)
        save_profile(HostProfile(name="box", host=server.host, port=server.port, user=server.username,
                                 identity_files=[str(key_file)], pinned_fingerprints=[server.host_key_fingerprint()]))
        app = SshdeckApp(local_path=str(tmp_path), trust=trust(tmp_path), ssh_config=None, initial_target="box")
        started = count_connects(app)
        async with app.run_test(size=(140, 40)) as pilot:
            right = await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.fs.label == "box" and p, "the listing")
            assert names(right)  # the demo sandbox's files
            # One connection, started while the app loaded (before the main screen was up); the main screen joined it.
            assert started == [False]
            assert list(app.connections.open) == [app.store.find_by_name("box").id]
            assert app.connections.early == {}


async def test_a_question_of_the_early_connection_is_shown_over_the_main_screen(tmp_path: Path, openssh_server) -> None:
    folder = served_folder(tmp_path)
    config = tmp_path / "cfg"
    config.write_text(f"Host *\n  Port {openssh_server.port}\n  IdentityFile {openssh_server.client_key}\n")
    target = f"{openssh_server.username}@{openssh_server.host}:{folder}"
    app = SshdeckApp(local_path=str(tmp_path), trust=trust(tmp_path), ssh_config=str(config), initial_target=target)
    started = count_connects(app)
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HostKeyPrompt), "the host-key prompt")
        # Asked on top of the main screen, never under it.
        assert isinstance(app.screen_stack[-2], MainScreen)
        assert started == [False]
        await pilot.click("#connect-once")
        right = await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.path == str(folder) and p, "the listing")
        assert "uploads" in names(right)
        assert started == [False]  # still the one connection
