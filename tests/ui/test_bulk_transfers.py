"""Transfers in the app run on their own SSH connection, so a shell tab on the same host stays responsive."""

from __future__ import annotations

import os
from pathlib import Path

from textual.widgets import TabbedContent

from sshdeck.ui.screens.auth_prompts import PasswordPrompt
from sshdeck.ui.screens.host_key_prompt import HostKeyPrompt
from sshdeck.ui.widgets.shell_tab import ShellTab
from sshdeck.ui.widgets.terminal_view import TerminalView
from tests.core.conftest import PASSWORD, make_asyncssh_server  # noqa: F401  (a fixture)
from tests.ui.uploads_app import (
    app_for_openssh, app_for_password_account, local_and_served, log_in_with_password, open_on_openssh, pane, upload,
)
from tests.ui.waiting import until


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
    data = os.urandom(5 * 1024 * 1024 + 3)
    local, served = local_and_served(tmp_path, {"big.bin": data})
    app = app_for_openssh(tmp_path, server, local)
    async with app.run_test(size=(140, 40)) as pilot:
        right = await open_on_openssh(pilot, app, server, served)
        tab = await open_shell(pilot, app)
        (connection,) = app.connections.open.values()
        assert accepted(server) == 1 and connection.session.connection_count == 1

        done: list = []
        await upload(pilot, app, local / "big.bin", right, done)
        assert done[0] is not None and not done[0].failed
        assert (served / "big.bin").read_bytes() == data
        # One more login at the server, and it was the transfer's: the shell's connection carried none of it.
        assert accepted(server) == 2 and connection.bulk.opened == 1 and connection.session.connection_count == 1
        assert not isinstance(app.screen, (HostKeyPrompt, PasswordPrompt))  # nothing asked the second time
        assert connection.bulk.idle_seconds == 60 and connection.bulk.is_open  # closed after a minute idle
        (local / "small.txt").write_text("next\n")
        await upload(pilot, app, local / "small.txt", right, done)
        assert len(done) == 2
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
    data = os.urandom(1024 * 1024 + 1)
    local, served = local_and_served(tmp_path, {"up.bin": data})
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=served)
    app = app_for_password_account(tmp_path, server, local)
    async with app.run_test(size=(140, 40)) as pilot:
        right = await log_in_with_password(pilot, app, server)
        first = server.connections
        done: list = []
        await upload(pilot, app, local / "up.bin", right, done)
        assert done[0] is not None and not done[0].failed
        assert not isinstance(app.screen, PasswordPrompt)
    assert (served / "up.bin").read_bytes() == data
    assert server.connections == first + 1
    assert server.log.passwords == [PASSWORD, PASSWORD]  # typed once, replayed once from memory


async def test_a_server_refusing_a_second_connection_gets_the_upload_on_the_shared_one(
    tmp_path: Path, make_asyncssh_server
) -> None:
    from tests.core.test_bulk_connection import Refusing

    data = os.urandom(1024 * 1024 + 7)
    local, served = local_and_served(tmp_path, {"up.bin": data})
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=served)
    app = app_for_password_account(tmp_path, server, local)
    async with app.run_test(size=(140, 40)) as pilot:
        right = await log_in_with_password(pilot, app, server)
        first = server.connections
        server.server_connections = Refusing()  # every new connection is hung up on from now on
        done: list = []
        await upload(pilot, app, local / "up.bin", right, done)
        assert done[0] is not None and not done[0].failed
        (connection,) = app.connections.open.values()
        assert connection.session.connected and not connection.bulk.is_open and connection.bulk.opened == 0
        assert not isinstance(app.screen, PasswordPrompt)
    assert (served / "up.bin").read_bytes() == data
    assert server.connections == first + 1  # the bulk connection was tried once, refused, and not asked about
