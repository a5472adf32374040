"""The authorized_keys manager's add dialog can take a key from ssh-agent (a real agent on a temporary socket)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App

from sshdeck.core.keys.agent_keys import AgentUnavailable, agent_public_keys
from sshdeck.ui.screens.authorized_key_add import AddKeyDialog, AddRequest
from sshdeck.ui.screens.location_picker import ListPicker
from tests.core.test_agent_forwarding import agent  # noqa: F401  (the fixture: a real ssh-agent holding one key)
from tests.ui.waiting import until


async def test_the_agents_keys_are_read_as_authorized_keys_lines(agent) -> None:  # noqa: F811
    sock, fingerprint = agent
    keys = await agent_public_keys(sock)
    assert [key.fingerprint for key in keys] == [fingerprint]
    assert keys[0].key_type == "ssh-ed25519"


async def test_no_agent_is_a_clear_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    with pytest.raises(AgentUnavailable, match="SSH_AUTH_SOCK is not set"):
        await agent_public_keys()
    with pytest.raises(AgentUnavailable, match="did not answer"):
        await agent_public_keys(str(tmp_path / "nothing.sock"))


class DialogApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.results: list[AddRequest | None] = []

    async def on_mount(self) -> None:
        self.push_screen(AddKeyDialog("web"), self.results.append)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_a_key_from_ssh_agent_fills_the_dialog_and_is_added(agent, monkeypatch: pytest.MonkeyPatch, size) -> None:  # noqa: F811
    sock, fingerprint = agent
    monkeypatch.setenv("SSH_AUTH_SOCK", sock)
    app = DialogApp()
    async with app.run_test(size=size) as pilot:
        dialog = await until(pilot, lambda: isinstance(app.screen, AddKeyDialog) and app.screen, "the dialog")
        dialog.query_one("#add-agent").press()
        picker = await until(pilot, lambda: isinstance(app.screen, ListPicker) and app.screen, "the agent's keys")
        assert fingerprint in picker.labels[0]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AddKeyDialog) and dialog.query_one("#add-key").value, "filled")
        dialog.query_one("#add-ok").press()
        await until(pilot, lambda: app.results, "the answer")
    [request] = app.results
    assert request.key.fingerprint == fingerprint and request.file == "authorized_keys"
