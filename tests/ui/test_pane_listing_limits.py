"""The pane and an endless folder: the limit shows what arrived, and Escape / Ctrl+C stop a listing."""

from __future__ import annotations

from pathlib import Path

import asyncssh
import pytest

from sshdeck.app import SshdeckApp
from sshdeck.core.settings import settings_path
from sshdeck.core.ssh.remote_source import DirectSftpSource
from tests.core.listing_servers import EndlessFolderServer, endless_server
from tests.ui.waiting import both_panes_idle, until


def source_for(server, path: str) -> DirectSftpSource:
    return DirectSftpSource(
        host="127.0.0.1",
        port=server.port,
        username="tester",
        client_keys=[str(server.client_key)],
        known_hosts=asyncssh.import_known_hosts(server.known_hosts_line),
        path=path,
        label="endless",
    )


def names(pane) -> list[str]:
    return [entry.display for entry in pane.file_list.entries]


def status(pane) -> str:
    return str(pane.query_one(".pane-status").content)


async def test_pane_shows_what_arrived_and_the_limit_message_and_stays_usable(tmp_path: Path) -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("[limits]\nlisting_entries = 30000\n")
    (tmp_path / "local").mkdir()
    async with endless_server(tmp_path) as server:
        app = SshdeckApp(local_path=str(tmp_path / "local"), remote=source_for(server, "/endless"))
        async with app.run_test(size=(120, 30)) as pilot:
            _left, right = await both_panes_idle(pilot, app)
            assert right.path == "/endless"
            assert len(right.model.entries) == 30_000
            assert "incomplete: listing limit reached" in status(right)
            message = "/endless: stopped listing after 30,000 entries (limit listing_entries in settings.toml)"
            await until(pilot, lambda: any(n.message == message for n in app._notifications), "the limit's message")
            right.file_list.focus()
            await pilot.press("backspace")
            await until(pilot, lambda: right.is_idle and right.path == "/", "the parent folder")
            assert names(right) == ["endless", "small"]
            assert "incomplete" not in status(right)


@pytest.mark.parametrize("key", ["escape", "ctrl+c"])
async def test_escape_or_ctrl_c_stops_a_listing_in_progress(tmp_path: Path, key: str) -> None:
    (tmp_path / "local").mkdir()
    async with endless_server(tmp_path) as server:
        app = SshdeckApp(local_path=str(tmp_path / "local"), remote=source_for(server, "/small"))
        async with app.run_test(size=(120, 30)) as pilot:
            _left, right = await both_panes_idle(pilot, app)
            right.file_list.focus()
            await pilot.press("backspace")
            await until(pilot, lambda: right.is_idle and right.path == "/", "the root folder")
            await pilot.press("up")  # the cursor came back on "small"
            assert right.file_list.current.display == "endless"
            await pilot.press("enter")  # into "endless", which never ends
            await until(pilot, lambda: right.loading_count > 0, "the path bar counting")
            assert "loading…" in str(right.query_one(".pane-path").content)
            await pilot.press(key)
            await until(pilot, lambda: right.is_idle, "the listing to stop")
            # What arrived is shown, marked incomplete; the app did not quit.
            assert app.is_running and right.path == "/endless"
            assert right.model.entries and "incomplete: listing stopped" in status(right)
            await until(
                pilot, lambda: any(n.message.startswith("Stopped listing /endless after ") for n in app._notifications),
                "the stop notice",
            )
            # The server is no longer asked for names (counted after round trips, not timed).
            served = EndlessFolderServer.served
            await pilot.press("backspace")
            await until(pilot, lambda: right.is_idle and right.path == "/", "the root folder again")
            assert EndlessFolderServer.served - served <= 10 * 128
            assert names(right) == ["endless", "small"]
