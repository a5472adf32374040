"""The authorized_keys manager (Ctrl+G) and the key-generation dialog, against OpenSSH's sshd.

What sshd then accepts or refuses is the proof; the keys live in the fixture's temp HOME.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import asyncssh
import pytest
from textual.widgets import Button, DataTable, Input, Static

from sshdeck.app import SshdeckApp
from sshdeck.core.keys.authorized_keys_format import public_key_from_text
from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.connect_errors import AuthenticationFailed
from sshdeck.core.ssh.remote_source import DemoSource
from sshdeck.core.ssh.session import ConnectSpec, Session
from sshdeck.core.trust import TrustStore
from sshdeck.ui.screens.authorized_key_add import AddKeyDialog
from sshdeck.ui.screens.authorized_keys import LOCK_OUT_WORD, LOGIN_MARK, AuthorizedKeysScreen
from sshdeck.ui.screens.confirm import ConfirmScreen
from sshdeck.ui.screens.key_generate import KeyGenerateDialog, default_key_path
from sshdeck.ui.screens.text_prompt import TextPrompt
from sshdeck.ui.widgets.file_pane import FilePane
from tests.support.openssh import HomeOpenSSHServer, find_sshd
from tests.ui.waiting import until

KEYS = Path(__file__).parent.parent / "data" / "keys"


def fixed_key(name: str, folder: Path) -> Path:
    """A copy of a committed test key (its fingerprint never changes), mode 0600."""
    target = folder / name
    shutil.copy(KEYS / name, target)
    shutil.copy(KEYS / f"{name}.pub", folder / f"{name}.pub")
    target.chmod(0o600)
    return target


def pub(key: Path) -> str:
    return Path(f"{key}.pub").read_text().strip()


def fp(key: Path) -> str:
    return public_key_from_text(pub(key)).fingerprint


@pytest.fixture
def sshd(tmp_path: Path):
    if find_sshd() is None:
        pytest.fail("sshd is required")
    workdir = tmp_path / "sshd"
    workdir.mkdir()
    fixed_key("login", workdir).rename(workdir / "client_key")
    (workdir / "login.pub").rename(workdir / "client_key.pub")
    with HomeOpenSSHServer(workdir) as server:
        yield server


def trust(tmp_path: Path, sshd: HomeOpenSSHServer) -> TrustStore:
    own = tmp_path / "own_known_hosts"
    sshd.write_known_hosts(own)
    return TrustStore(own_file=own, read_files=[])


def app_on(tmp_path: Path, sshd: HomeOpenSSHServer) -> SshdeckApp:
    config = tmp_path / "ssh_config"
    config.write_text(f"Host *\n  IdentityFile {sshd.workdir / 'client_key'}\n  IdentitiesOnly yes\n")
    local = tmp_path / "local"
    local.mkdir(exist_ok=True)
    return SshdeckApp(local_path=str(local), trust=trust(tmp_path, sshd), ssh_config=str(config),
                      initial_target=f"{sshd.username}@{sshd.host}:{sshd.port}")


async def logs_in(tmp_path: Path, sshd: HomeOpenSSHServer, key: Path) -> bool:
    spec = ConnectSpec(host=sshd.host, port=sshd.port, user=sshd.username, ssh_config=None,
                       identity_files=(str(key),), use_agent=False)
    try:
        async with Session(spec, ConnectCallbacks(), trust=trust(tmp_path, sshd)) as session:
            return (await session.run("echo ok")).stdout == "ok\n"
    except AuthenticationFailed:
        return False


async def open_manager(pilot, app) -> AuthorizedKeysScreen:
    right = await until(pilot, lambda: (p := app.screen.query_one("#right", FilePane)).fs.label != "local"
                        and p.is_idle and p, "the remote listing")
    right.file_list.focus()
    await pilot.press("ctrl+g")
    return await until(pilot, lambda: isinstance(app.screen, AuthorizedKeysScreen) and app.screen.loads and app.screen,
                       "the manager's listing")


async def press(pilot, dialog, selector: str) -> None:
    """Press a dialog button the way Enter on it does (a second click within 0.2 s would be eaten as the same one)."""
    dialog.query_one(selector, Button).press()
    await pilot.pause()


def rows(screen: AuthorizedKeysScreen) -> list[str]:
    table = screen.query_one(DataTable)
    return [" | ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


async def reloaded(pilot, screen: AuthorizedKeysScreen, before: int) -> None:
    await until(pilot, lambda: screen.loads > before, "the listing again")


def select_row(screen: AuthorizedKeysScreen, text: str) -> None:
    index = next(i for i, row in enumerate(rows(screen)) if text in row)
    screen.query_one(DataTable).move_cursor(row=index)


async def test_manager_lists_keys_marks_the_login_key_and_shows_a_bad_line_escaped(tmp_path, sshd) -> None:
    laptop = fixed_key("laptop", tmp_path)
    sshd.authorized_keys.write_text(
        f"{pub(sshd.workdir / 'client_key')}\n"
        "this line is not a key\n"
        f'#no-pty {pub(laptop)[:-6]} evil\x1b[31mred\n'
    )
    app = app_on(tmp_path, sshd)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_manager(pilot, app)
        shown = rows(screen)
        assert shown[0].startswith(f"enabled | authorized_keys:1  {LOGIN_MARK} | ssh-ed25519 | "
                                   + fp(sshd.workdir / "client_key"))
        assert shown[2].startswith("disabled | authorized_keys:3 | ssh-ed25519 | " + fp(laptop))
        assert "\x1b" not in shown[2] and "evil\\x1b[31mred" in shown[2] and "no-pty" in shown[2]
        assert shown[1].startswith("not a key | authorized_keys:2")
        assert "2 keys in ~/.ssh/authorized_keys" in str(screen.query_one("#keys-note", Static).content)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, AuthorizedKeysScreen), "the manager closed")


async def test_add_a_pasted_key_then_it_logs_in_and_reload_shows_an_outside_change(tmp_path, sshd) -> None:
    laptop = fixed_key("laptop", tmp_path)
    ci = fixed_key("ci", tmp_path)
    assert not await logs_in(tmp_path, sshd, laptop)
    app = app_on(tmp_path, sshd)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_manager(pilot, app)
        before = screen.loads
        await pilot.press("a")
        dialog = await until(pilot, lambda: isinstance(app.screen, AddKeyDialog) and app.screen, "the add dialog")
        dialog.query_one("#add-key", Input).value = "not a key at all"
        await press(pilot, dialog, "#add-ok")
        assert "not an OpenSSH public key" in str(dialog.query_one("#add-error", Static).content)
        dialog.query_one("#add-key", Input).value = pub(laptop)
        dialog.query_one("#add-from", Input).value = "127.0.0.1,::1"
        await press(pilot, dialog, "#add-ok")
        await reloaded(pilot, screen, before)
        assert any(fp(laptop) in row and 'from="127.0.0.1,::1"' in row for row in rows(screen))
        # Someone else adds a key meanwhile: r shows it.
        with sshd.authorized_keys.open("a") as handle:
            handle.write(pub(ci) + "\n")
        before = screen.loads
        await pilot.press("r")
        await reloaded(pilot, screen, before)
        assert any(fp(ci) in row for row in rows(screen))
    assert await logs_in(tmp_path, sshd, laptop)


async def test_add_from_a_local_pub_file_into_authorized_keys2(tmp_path, sshd) -> None:
    laptop = fixed_key("laptop", tmp_path)
    app = app_on(tmp_path, sshd)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_manager(pilot, app)
        before = screen.loads
        await pilot.press("a")
        dialog = await until(pilot, lambda: isinstance(app.screen, AddKeyDialog) and app.screen, "the add dialog")
        dialog.query_one("#add-key", Input).value = f"{laptop}.pub"
        await pilot.click("#add-file-1")
        await press(pilot, dialog, "#add-ok")
        await reloaded(pilot, screen, before)
        assert any(fp(laptop) in row and "authorized_keys2:1" in row for row in rows(screen))
    assert sshd.authorized_keys2.read_text() == pub(laptop) + "\n"
    assert await logs_in(tmp_path, sshd, laptop)


async def test_disable_asks_first_then_openssh_refuses_the_key(tmp_path, sshd) -> None:
    laptop = fixed_key("laptop", tmp_path)
    sshd.authorized_keys.write_text(f"{pub(sshd.workdir / 'client_key')}\n{pub(laptop)}\n")
    assert await logs_in(tmp_path, sshd, laptop)
    app = app_on(tmp_path, sshd)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_manager(pilot, app)
        select_row(screen, fp(laptop))
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm dialog")
        await pilot.press("escape")  # no: nothing changes
        await until(pilot, lambda: app.screen is screen, "back in the manager")
        assert sshd.authorized_keys.read_text().count("#") == 0
        before = screen.loads
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm dialog")
        await pilot.click("#confirm-yes")
        await reloaded(pilot, screen, before)
        assert any(row.startswith("disabled") and fp(laptop) in row for row in rows(screen))
        assert not await logs_in(tmp_path, sshd, laptop)
        select_row(screen, fp(laptop))
        before = screen.loads
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm dialog")
        await pilot.click("#confirm-yes")
        await reloaded(pilot, screen, before)
    assert await logs_in(tmp_path, sshd, laptop)


async def test_removing_the_login_key_needs_the_typed_words(tmp_path, sshd) -> None:
    login = sshd.workdir / "client_key"
    app = app_on(tmp_path, sshd)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_manager(pilot, app)
        select_row(screen, LOGIN_MARK)
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm dialog")
        await pilot.click("#confirm-yes")
        prompt = await until(pilot, lambda: isinstance(app.screen, TextPrompt) and app.screen, "the typed-word prompt")
        prompt.query_one(Input).value = "yes"
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen, "back in the manager")
        assert "Not removed" in str(screen.query_one("#keys-error", Static).content)
        assert await logs_in(tmp_path, sshd, login)
        before = screen.loads
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm dialog")
        await pilot.click("#confirm-yes")
        prompt = await until(pilot, lambda: isinstance(app.screen, TextPrompt) and app.screen, "the typed-word prompt")
        prompt.query_one(Input).value = LOCK_OUT_WORD
        await pilot.press("enter")
        await reloaded(pilot, screen, before)
        assert rows(screen) == []
    assert not await logs_in(tmp_path, sshd, login)


async def test_the_chrooted_demo_says_not_reachable(tmp_path, demo_root: Path) -> None:
    app = SshdeckApp(local_path=str(tmp_path), remote=DemoSource(demo_root))
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_manager(pilot, app)
        assert "not reachable over SFTP" in str(screen.query_one("#keys-note", Static).content)
        assert not screen.query_one(DataTable).display
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, AddKeyDialog)


async def test_generate_and_install_in_one_step_then_the_new_key_logs_in(tmp_path, sshd) -> None:
    existing = fixed_key("laptop", tmp_path)
    app = app_on(tmp_path, sshd)
    async with app.run_test(size=(160, 50)) as pilot:
        right = await until(pilot, lambda: (p := app.screen.query_one("#right", FilePane)).fs.label != "local"
                            and p.is_idle and p, "the remote listing")
        right.file_list.focus()
        app.screen.keys.open_generator()
        dialog = await until(pilot, lambda: isinstance(app.screen, KeyGenerateDialog) and app.screen, "the dialog")
        assert dialog.query_one("#gen-path", Input).value == "~/.ssh/id_ed25519_sshdeck"
        # Never overwrites: the core's reason is shown.
        dialog.query_one("#gen-path", Input).value = str(existing)
        await pilot.click("#gen-no-pass")
        await press(pilot, dialog, "#gen-run")
        await until(pilot, lambda: "already exists" in str(dialog.query_one("#gen-error", Static).content), "refusal")
        assert pub(existing) == (KEYS / "laptop.pub").read_text().strip()
        new = tmp_path / "new_key"
        dialog.query_one("#gen-path", Input).value = str(new)
        dialog.query_one("#gen-comment", Input).value = "made in sshdeck"
        await press(pilot, dialog, "#gen-run")
        await until(pilot, lambda: dialog.generated is not None, "the key")
        assert dialog.generated.public_key.comment == "made in sshdeck"
        assert fp(new) in str(dialog.query_one("#gen-public", Static).content)
        await press(pilot, dialog, "#gen-install")
        await until(pilot, lambda: "added" in str(dialog.query_one("#gen-public", Static).content), "installed")
    assert pub(new) in sshd.authorized_keys.read_text()
    assert await logs_in(tmp_path, sshd, new)


async def test_generate_needs_a_passphrase_twice_or_the_no_passphrase_box(tmp_path) -> None:
    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        app.screen.keys.open_generator()
        dialog = await until(pilot, lambda: isinstance(app.screen, KeyGenerateDialog) and app.screen, "the dialog")
        assert not dialog.query("#gen-install")  # no host in focus: nothing to install on
        dialog.query_one("#gen-path", Input).value = str(tmp_path / "k")
        await press(pilot, dialog, "#gen-run")
        await until(pilot, lambda: "No passphrase" in str(dialog.query_one("#gen-error", Static).content), "ask")
        dialog.query_one("#gen-pass1", Input).value = "one"
        dialog.query_one("#gen-pass2", Input).value = "two"
        await press(pilot, dialog, "#gen-run")
        await until(pilot, lambda: "differ" in str(dialog.query_one("#gen-error", Static).content), "differ")
        assert not (tmp_path / "k").exists()
        dialog.query_one("#gen-pass2", Input).value = "one"
        await press(pilot, dialog, "#gen-run")
        await until(pilot, lambda: dialog.generated is not None, "the key")
    with pytest.raises(asyncssh.KeyImportError):
        asyncssh.read_private_key(str(tmp_path / "k"))  # needs the passphrase
    assert asyncssh.read_private_key(str(tmp_path / "k"), "one") is not None


def test_the_default_key_name_is_the_first_free_one(tmp_path) -> None:
    assert default_key_path(tmp_path) == tmp_path / "id_ed25519_sshdeck"
    (tmp_path / "id_ed25519_sshdeck").write_text("x")
    (tmp_path / "id_ed25519_sshdeck_2.pub").write_text("x")
    assert default_key_path(tmp_path) == tmp_path / "id_ed25519_sshdeck_3"


async def test_the_palette_names_both_and_without_a_host_ctrl_g_says_to_connect(tmp_path) -> None:
    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: app.screen.query(FilePane), "the panes")
        titles = [command.title for command in app.screen.palette_commands()]
        assert "Manage authorized keys" in titles and "Generate key…" in titles
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert not isinstance(app.screen, AuthorizedKeysScreen)
        assert any("Connect to a host first" in str(n.message) for n in app._notifications)


async def test_the_default_path_makes_a_private_ssh_folder_in_home(tmp_path, hermetic_home: Path) -> None:
    app = SshdeckApp(local_path=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        app.screen.keys.open_generator()
        dialog = await until(pilot, lambda: isinstance(app.screen, KeyGenerateDialog) and app.screen, "the dialog")
        await pilot.click("#gen-no-pass")
        await press(pilot, dialog, "#gen-run")
        await until(pilot, lambda: dialog.generated is not None, "the key")
    folder = Path(os.path.expanduser("~")) / ".ssh"
    assert folder.is_relative_to(hermetic_home)
    assert (folder / "id_ed25519_sshdeck").stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700
