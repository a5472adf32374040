"""Transfers in the app run on their own SSH connection, so a shell tab on the same host stays responsive."""

from __future__ import annotations

import os
from pathlib import Path

from textual.widgets import TabbedContent

from sshdeck.app import SshdeckApp
from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.trust import TrustStore
from sshdeck.ui.screens.auth_prompts import PasswordPrompt
from sshdeck.ui.screens.host_key_prompt import HostKeyPrompt
from sshdeck.ui.widgets.file_pane import FilePane
from sshdeck.ui.widgets.shell_tab import ShellTab
from sshdeck.ui.widgets.terminal_view import TerminalView
from tests.core.conftest import PASSWORD, make_asyncssh_server  # noqa: F401  (a fixture)
from tests.ui.waiting import until


def pane(app, side: str) -> FilePane:
    screen = app.screen if not app.screen.is_modal else app.screen_stack[-2]
    return screen.query_one(f"#{side}", FilePane)


def file_entry(path: Path) -> Entry:
    return Entry(os.fsencode(path.name), EntryKind.FILE, path.stat().st_size)


def accepted(server) -> int:
    return server.log.read_text().count("Accepted publickey")


def closed(server) -> int:
    return server.log.read_text().count("Disconnected from user")


async def open_shell(pilot, app) -> ShellTab:
    pane(app, "right").file_list.focus()
    await pilot.press("ctrl+o")
    tab = await until(pilot, lambda: app.screen.query(ShellTab).first(None), "a shell tab")
    await until(pilot, lambda: isinstance(app.focused, TerminalView), "the terminal to take the keys")
    await pilot.press(*"echo ready-$((6*7))", "enter")
    await until(pilot, lambda: "ready-42" in "\n".join(tab.view.terminal.display()), "the shell to answer")
    return tab


async def test_an_upload_while_a_shell_tab_is_open_runs_on_a_second_connection_closed_by_disconnect(
    tmp_path: Path, make_openssh_server
) -> None:
    server = make_openssh_server()
    served = tmp_path / "served"
    served.mkdir()
    local = tmp_path / "local"
    local.mkdir()
    data = os.urandom(5 * 1024 * 1024 + 3)
    (local / "big.bin").write_bytes(data)
    config = tmp_path / "cfg"
    config.write_text(f"Host *\n  IdentityFile {server.client_key}\n")
    app = SshdeckApp(local_path=str(local), trust=TrustStore(own_file=tmp_path / "kh", read_files=[]), ssh_config=str(config))
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: pane(app, "left").is_idle, "the local pane")
        await pilot.press("ctrl+k", *f"sftp://{server.username}@{server.host}:{server.port}/{served}", "enter")
        await until(pilot, lambda: isinstance(app.screen, HostKeyPrompt), "the host-key prompt")
        await pilot.click("#connect-once")
        right = await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.path == str(served) and p, "the listing")
        tab = await open_shell(pilot, app)
        (connection,) = app.connections.open.values()
        assert accepted(server) == 1 and connection.session.connection_count == 1

        done: list = []
        left = pane(app, "left")
        app.transfers.start(left.fs, left.path, [file_entry(local / "big.bin")], right.fs, right.path,
                            on_done=done.append, confirm=False)
        await until(pilot, lambda: done, "the upload", tries=2000)
        assert done[0] is not None and not done[0].failed
        assert (served / "big.bin").read_bytes() == data
        # One more login at the server, and it was the transfer's: the shell's connection carried none of it.
        assert accepted(server) == 2 and connection.bulk.opened == 1 and connection.session.connection_count == 1
        assert not isinstance(app.screen, (HostKeyPrompt, PasswordPrompt))  # nothing asked the second time
        assert connection.bulk.idle_seconds == 60 and connection.bulk.is_open  # closed after a minute idle
        (local / "small.txt").write_text("next\n")
        app.transfers.start(left.fs, left.path, [file_entry(local / "small.txt")], right.fs, right.path,
                            on_done=done.append, confirm=False)
        await until(pilot, lambda: len(done) == 2, "the second upload")
        assert (served / "small.txt").read_text() == "next\n"
        assert accepted(server) == 2 and connection.bulk.opened == 1  # the next transfer shared it
        await pilot.press(*"echo still-$((6*7))", "enter")
        await until(pilot, lambda: "still-42" in "\n".join(tab.view.terminal.display()), "the shell to answer again")

        await pilot.press("ctrl+right_square_bracket")
        app.screen.query_one("#tabs", TabbedContent).active = "files-tab"
        right.file_list.focus()
        await pilot.press("ctrl+d")
        await until(pilot, lambda: not app.connections.open, "the disconnect")
        assert not connection.bulk.is_open
        await until(pilot, lambda: closed(server) >= 2, "the server to see both connections closed")


async def test_password_only_account_uploads_over_a_second_connection_with_one_prompt(
    tmp_path: Path, make_asyncssh_server
) -> None:
    served = tmp_path / "served"
    served.mkdir()
    local = tmp_path / "local"
    local.mkdir()
    data = os.urandom(1024 * 1024 + 1)
    (local / "up.bin").write_bytes(data)
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=served)
    trust = TrustStore(own_file=tmp_path / "kh", read_files=[])
    trust.own_file.write_text(server.known_hosts_line())
    app = SshdeckApp(local_path=str(local), trust=trust, ssh_config=None)
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: pane(app, "left").is_idle, "the local pane")
        await pilot.press("ctrl+k", *f"tester@{server.host}:{server.port}", "enter")
        await until(pilot, lambda: isinstance(app.screen, PasswordPrompt), "the password prompt")
        await pilot.press(*PASSWORD, "enter")
        right = await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.fs.label != "local" and p, "the listing")
        first = server.connections
        done: list = []
        left = pane(app, "left")
        app.transfers.start(left.fs, left.path, [file_entry(local / "up.bin")], right.fs, right.path,
                            on_done=done.append, confirm=False)
        await until(pilot, lambda: done, "the upload", tries=2000)
        assert done[0] is not None and not done[0].failed
        assert not isinstance(app.screen, PasswordPrompt)
    assert (served / "up.bin").read_bytes() == data
    assert server.connections == first + 1
    assert server.log.passwords == [PASSWORD, PASSWORD]  # typed once, replayed once from memory


async def test_a_server_refusing_a_second_connection_gets_the_upload_on_the_shared_one(
    tmp_path: Path, make_asyncssh_server
) -> None:
    from tests.core.test_bulk_connection import Refusing

    served = tmp_path / "served"
    served.mkdir()
    local = tmp_path / "local"
    local.mkdir()
    data = os.urandom(1024 * 1024 + 7)
    (local / "up.bin").write_bytes(data)
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=served)
    trust = TrustStore(own_file=tmp_path / "kh", read_files=[])
    trust.own_file.write_text(server.known_hosts_line())
    app = SshdeckApp(local_path=str(local), trust=trust, ssh_config=None)
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: pane(app, "left").is_idle, "the local pane")
        await pilot.press("ctrl+k", *f"tester@{server.host}:{server.port}", "enter")
        await until(pilot, lambda: isinstance(app.screen, PasswordPrompt), "the password prompt")
        await pilot.press(*PASSWORD, "enter")
        right = await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.fs.label != "local" and p, "the listing")
        first = server.connections
        server.server_connections = Refusing()  # every new connection is hung up on from now on
        done: list = []
        left = pane(app, "left")
        app.transfers.start(left.fs, left.path, [file_entry(local / "up.bin")], right.fs, right.path,
                            on_done=done.append, confirm=False)
        await until(pilot, lambda: done, "the upload", tries=2000)
        assert done[0] is not None and not done[0].failed
        (connection,) = app.connections.open.values()
        assert connection.session.connected and not connection.bulk.is_open and connection.bulk.opened == 0
        assert not isinstance(app.screen, PasswordPrompt)
    assert (served / "up.bin").read_bytes() == data
    assert server.connections == first + 1  # the bulk connection was tried once, refused, and not asked about
