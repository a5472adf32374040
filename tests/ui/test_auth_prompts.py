"""The login prompts (passphrase, password, keyboard-interactive): Pilot tests and real servers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.app import App
from textual.widgets import Input, Label

from sshdeck.core.ssh.auth import KbdIntChallenge, KbdIntPrompt as Question, PassphraseRequest, PasswordRequest
from sshdeck.core.ssh.connect_errors import AuthenticationFailed
from sshdeck.ui.connect_callbacks import ui_connect_callbacks
from sshdeck.ui.screens.auth_prompts import KbdIntPrompt, PassphrasePrompt, PasswordPrompt
from tests.core.conftest import OTP, PASSWORD, make_asyncssh_server  # noqa: F401  (a fixture)
from tests.ui.test_trust_screens import (
    ConnectApp,
    ScreenApp,
    server_spec,
    text_of,
    wait_for_outcome,
    wait_for_screen,
)


def known(server: Any, tmp_path: Path):
    """A trust store that already knows the server's key, so login starts at once."""
    from sshdeck.core.trust import TrustStore

    trust = TrustStore(own_file=tmp_path / "known_hosts", read_files=[])
    trust.own_file.write_text(server.known_hosts_line())
    return trust


def challenge(**changes: Any) -> KbdIntChallenge:
    fields: dict[str, Any] = dict(
        user="tester", host="mfa.example.com", name="Two-step login",
        instructions="Answer both questions.\\x1b[31m (red?)",
        prompts=(Question("Password: ", False), Question("Code (echoed): ", True)), round=1,
    )
    fields.update(changes)
    return KbdIntChallenge(**fields)


# -- the prompts alone -----------------------------------------------------------------------------


async def test_passphrase_prompt_says_wrong_passphrase_and_the_attempt() -> None:
    app = ScreenApp(lambda: PassphrasePrompt(PassphraseRequest("/home/u/.ssh/id_ed25519", 2, "Wrong passphrase.")))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_for_screen(pilot, PassphrasePrompt)
        assert text_of(screen, "#auth-error") == "Wrong passphrase."
        assert text_of(screen, ".auth-attempt") == "Attempt 2 of 3"
        assert text_of(screen, "#key-path") == "/home/u/.ssh/id_ed25519"
        field = screen.query_one("#secret", Input)
        assert field.password and app.focused is field
        await pilot.press(*"s3cret", "enter")
        await pilot.pause()
        assert field.value == ""
    assert app.results == ["s3cret"]


async def test_escape_cancels_a_password_prompt_and_forgets_what_was_typed() -> None:
    app = ScreenApp(lambda: PasswordPrompt(PasswordRequest("tester", "db.example.com", 22, 1)))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_for_screen(pilot, PasswordPrompt)
        assert str(screen.query_one(".dialog-title", Label).content) == "Password for tester@db.example.com"
        assert not screen.query("#auth-error")
        field = screen.query_one("#secret", Input)
        await pilot.press(*"half typed", "escape")
        await pilot.pause()
        assert field.value == ""
    assert app.results == [None]


async def test_kbdint_prompt_masks_only_prompts_without_echo_and_shows_server_text_plainly() -> None:
    app = ScreenApp(lambda: KbdIntPrompt(challenge()))
    async with app.run_test(size=(80, 30)) as pilot:
        screen = await wait_for_screen(pilot, KbdIntPrompt)
        said = screen.query_one("#server-says")
        assert said.border_title == "from the server mfa.example.com"
        assert str(said.content) == "Two-step login\nAnswer both questions.\\x1b[31m (red?)"
        first, second = screen.query_one("#answer-0", Input), screen.query_one("#answer-1", Input)
        assert first.password and not second.password
        assert app.focused is first
        await pilot.press(*"pw", "enter")  # Enter moves to the next question
        assert app.focused is second and app.results == []
        await pilot.press(*"42", "enter")
        await pilot.pause()
        assert first.value == second.value == ""
    assert app.results == [["pw", "42"]]


async def test_kbdint_prompt_escapes_control_characters_itself() -> None:
    raw = challenge(name="evil\x1b]0;title\x07", instructions="line\x1b[2Jcleared", prompts=(Question("OTP\r: ", True),))
    app = ScreenApp(lambda: KbdIntPrompt(raw))
    async with app.run_test(size=(80, 30)) as pilot:
        screen = await wait_for_screen(pilot, KbdIntPrompt)
        assert str(screen.query_one("#server-says").content) == "evil\\x1b]0;title\\x07\nline\\x1b[2Jcleared"
        assert str(screen.query_one("#question-0", Label).content) == "OTP\\r:"  # one rule for all server text: CR shows as \\r, as in file names


# -- with real servers ----------------------------------------------------------------------------


async def test_typed_password_logs_in_after_a_wrong_one(make_asyncssh_server, tmp_path: Path) -> None:
    server = await make_asyncssh_server(password=PASSWORD)
    app = ConnectApp(server_spec(server), known(server, tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = await wait_for_screen(pilot, PasswordPrompt)
        assert text_of(prompt, ".auth-attempt") == "Attempt 1 of 3"
        field = prompt.query_one("#secret", Input)
        await pilot.press(*"wrong", "enter")
        await pilot.pause()
        assert field.value == ""
        for _ in range(200):
            await pilot.pause(0.05)
            if isinstance(app.screen, PasswordPrompt) and app.screen is not prompt:
                break
        again = app.screen
        assert text_of(again, "#auth-error") == "Wrong password." and text_of(again, ".auth-attempt") == "Attempt 2 of 3"
        await pilot.press(*PASSWORD, "enter")
        assert await wait_for_outcome(pilot) == "ran hello\n"
    assert server.log.passwords == ["wrong", PASSWORD]


async def test_cancelled_password_prompt_fails_authentication(make_asyncssh_server, tmp_path: Path) -> None:
    server = await make_asyncssh_server(password=PASSWORD)
    app = ConnectApp(server_spec(server), known(server, tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, PasswordPrompt)
        await pilot.press("escape")
        assert isinstance(await wait_for_outcome(pilot), AuthenticationFailed)
    assert server.log.passwords == []


async def test_two_prompt_keyboard_interactive_login(make_asyncssh_server, tmp_path: Path) -> None:
    server = await make_asyncssh_server(kbdint=True, banner="Authorised users only [b]really[/b]\x1b[2J")
    app = ConnectApp(server_spec(server), known(server, tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = await wait_for_screen(pilot, KbdIntPrompt)
        assert prompt.query_one("#answer-0", Input).password and not prompt.query_one("#answer-1", Input).password
        assert "Answer both questions.\\x1b[31m" in str(prompt.query_one("#server-says").content)
        await pilot.press(*PASSWORD, "enter", *OTP, "enter")
        assert await wait_for_outcome(pilot) == "ran hello\n"
        banners = [n for n in app._notifications if n.title == "Login banner"]
        assert [(n.message, n.markup) for n in banners] == [
            ("[message from 127.0.0.1] Authorised users only [b]really[/b]\\x1b[2J", False)
        ]
    assert server.log.kbdint_answers == [[PASSWORD, OTP]]


async def test_callbacks_ask_outside_a_worker_and_take_the_prompt_down_when_cancelled() -> None:
    app: App[None] = App()
    async with app.run_test(size=(80, 24)) as pilot:
        callbacks = ui_connect_callbacks(app)
        answer = asyncio.ensure_future(callbacks.password(PasswordRequest("u", "h", 22, 1)))
        await wait_for_screen(pilot, PasswordPrompt)
        await pilot.press("x", "enter")
        assert await answer == "x"
        abandoned = asyncio.ensure_future(callbacks.passphrase(PassphraseRequest("/k", 1)))
        await wait_for_screen(pilot, PassphrasePrompt)
        abandoned.cancel()
        await pilot.pause(0.1)
        assert not isinstance(app.screen, PassphrasePrompt)
        callbacks.notice("saved [b]key[/b]")
        assert callbacks.connection_lost is not None
        callbacks.connection_lost("connection to h lost")
        await pilot.pause()
        shown = [(n.title, n.message, n.severity, n.markup) for n in app._notifications]
        assert shown == [
            ("Connection", "saved [b]key[/b]", "information", False),
            ("Connection lost", "connection to h lost", "error", False),
        ]


def test_snapshot_keyboard_interactive_prompt(snap_compare) -> None:
    app = ScreenApp(lambda: KbdIntPrompt(challenge()))
    assert snap_compare(app, terminal_size=(80, 28), press=list("pw"))
