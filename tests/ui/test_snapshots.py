"""Screens pinned as SVG snapshots (regenerate on purpose: pytest --snapshot-update)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sshdeck.app import SshdeckApp
from sshdeck.core.ssh.remote_source import DemoSource

FIXED_TIME = 1_780_000_000  # 2026-05-28, so dates on screen never change


def freeze_times(root: Path) -> None:
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.utime(os.path.join(folder, name), (FIXED_TIME, FIXED_TIME))


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def wait_until_listed(pilot) -> None:
    from sshdeck.ui.widgets.file_pane import FilePane

    for _ in range(300):
        await pilot.pause(0.02)
        panes = list(pilot.app.screen.query(FilePane))
        if len(panes) == 2 and all(p.is_idle for p in panes):
            await pilot.pause(0.1)
            return
    raise AssertionError("the panes did not finish loading")


def test_main_screen_with_demo(snap_compare, demo_root: Path, hermetic_home: Path, utc) -> None:
    local = hermetic_home / "work"
    (local / "site").mkdir(parents=True)
    (local / "backup.tar").write_bytes(b"\0" * 123_456)
    (local / "notes.txt").write_text("todo\n")
    freeze_times(local)
    freeze_times(demo_root)
    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root), theme_name="sshdeck-dark")
    assert snap_compare(app, terminal_size=(120, 30), run_before=wait_until_listed)


def test_pane_with_a_selection(snap_compare, demo_root: Path, hermetic_home: Path, utc) -> None:
    freeze_times(demo_root)
    local = hermetic_home / "work"
    local.mkdir()

    async def select_two(pilot) -> None:
        await wait_until_listed(pilot)
        await pilot.press("tab", "down", "space", "down", "down", "down", "space")
        await pilot.pause(0.1)

    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root), theme_name="sshdeck-dark")
    assert snap_compare(app, terminal_size=(120, 24), run_before=select_two)


def test_chmod_dialog(snap_compare, demo_root: Path, hermetic_home: Path, utc) -> None:
    freeze_times(demo_root)
    os.chmod(demo_root / "README.txt", 0o640)
    local = hermetic_home / "work"
    local.mkdir()

    async def open_chmod(pilot) -> None:
        await wait_until_listed(pilot)
        await pilot.press("tab", "end", "p")
        await pilot.pause(0.2)

    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root), theme_name="sshdeck-dark")
    assert snap_compare(app, terminal_size=(100, 30), run_before=open_chmod)


def test_authorized_keys_manager(snap_compare, hermetic_home: Path, tmp_path: Path, utc) -> None:
    """Ctrl+G's screen over OpenSSH's sshd, with committed keys so every fingerprint is fixed."""
    from sshdeck.core.keys.authorized_keys import AuthorizedKeys
    from sshdeck.core.ssh.session import ConnectSpec, Session
    from sshdeck.core.trust import TrustStore
    from sshdeck.ui.screens.authorized_keys import AuthorizedKeysScreen
    from tests.support.openssh import HomeOpenSSHServer
    from tests.ui.test_authorized_keys_ui import fixed_key, pub

    local = hermetic_home / "work"
    local.mkdir()
    freeze_times(local)
    workdir = tmp_path / "sshd"
    workdir.mkdir()
    fixed_key("login", workdir)
    laptop, ci = fixed_key("laptop", tmp_path), fixed_key("ci", tmp_path)
    with HomeOpenSSHServer(workdir) as sshd:
        sshd.authorized_keys.write_text(
            f"{pub(workdir / 'login')}\n"
            f'#from="10.0.0.*" {pub(laptop)}\n'
            "garbage line\n"
            f'no-pty,command="uptime" {pub(ci)}\n'
        )
        own = tmp_path / "own_known_hosts"
        sshd.write_known_hosts(own)
        spec = ConnectSpec(host=sshd.host, port=sshd.port, user=sshd.username, ssh_config=None,
                           identity_files=(str(workdir / "login"),), use_agent=False)
        sessions: list[Session] = []

        async def open_keys() -> AuthorizedKeys:
            if not sessions:
                sessions.append(Session(spec, trust=TrustStore(own_file=own, read_files=[])))
                await sessions[0].connect()
            return AuthorizedKeys(await sessions[0].sftp(), sessions[0].login_key_fingerprint)

        async def show_manager(pilot) -> None:
            await wait_until_listed(pilot)
            pilot.app.clear_notifications()
            screen = AuthorizedKeysScreen("web", open_keys)
            await pilot.app.push_screen(screen)
            for _ in range(400):
                await pilot.pause(0.025)
                if screen.loads:
                    break
            await pilot.pause(0.1)

        app = SshdeckApp(local_path=str(local), theme_name="sshdeck-dark")
        assert snap_compare(app, terminal_size=(140, 24), run_before=show_manager)


@pytest.mark.parametrize("dialog", ["generate", "add"])
def test_key_dialogs(snap_compare, hermetic_home: Path, utc, dialog: str) -> None:
    """The key generator (palette "Generate key…") and the manager's add-key dialog (`a`)."""
    from sshdeck.ui.screens.authorized_key_add import AddKeyDialog
    from sshdeck.ui.screens.key_generate import KeyGenerateDialog

    local = hermetic_home / "work"
    local.mkdir()
    freeze_times(local)

    async def show_dialog(pilot) -> None:
        await wait_until_listed(pilot)
        pilot.app.clear_notifications()
        await pilot.app.push_screen(KeyGenerateDialog("web", None) if dialog == "generate" else AddKeyDialog("web"))
        await pilot.pause(0.1)

    app = SshdeckApp(local_path=str(local), theme_name="sshdeck-dark")
    assert snap_compare(app, terminal_size=(120, 40), run_before=show_dialog)
