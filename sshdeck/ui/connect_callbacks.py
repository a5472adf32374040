"""The bridge from core's connect questions to sshdeck's modal screens.

`ui_connect_callbacks(app)` answers every `ConnectCallbacks` question with a
modal (host key, passphrase, password, keyboard-interactive) and turns the
news (banners, notices, a dropped connection) into notifications.  Run the
`Session` in a Textual worker: the prompts are awaited with
`App.push_screen_wait`.  A `HostKeyRefused` from `Session.connect` is shown
by the caller through `show_refusal`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, TypeVar

from textual.app import App
from textual.screen import Screen
from textual.worker import NoActiveWorker, get_current_worker

from sshdeck.core.ssh.auth import (
    ConnectCallbacks,
    KbdIntChallenge,
    PassphraseRequest,
    PasswordRequest,
    ServerText,
)
from sshdeck.core.trust import HostKeyCheck, HostKeyDecision, HostKeyStatus, TrustStore
from sshdeck.ui.screens.auth_prompts import KbdIntPrompt, PassphrasePrompt, PasswordPrompt
from sshdeck.ui.screens.host_key_changed import HostKeyChangedScreen
from sshdeck.ui.screens.host_key_prompt import HostKeyPrompt

log = logging.getLogger(__name__)
T = TypeVar("T")

SERVER_TEXT_SECONDS = 15
NOTICE_SECONDS = 6


async def ask(app: App[Any], screen: Screen[T]) -> T | None:
    """Show `screen` and wait for its result.

    Uses `push_screen_wait` inside a worker (the normal case); elsewhere (an
    asyncssh task that lost the worker's context) waits on the dismiss
    callback instead.  If the waiting task is cancelled (connect cancelled,
    app closing), the prompt is taken down rather than left orphaned.
    """
    ready = getattr(getattr(app, "connections", None), "ui_ready", None)
    if ready is not None:
        await ready.wait()  # a connection started with the app asks once the main screen is up
    try:
        get_current_worker()
    except NoActiveWorker:
        waiter: asyncio.Future[T | None] = asyncio.get_running_loop().create_future()

        def settle(result: T | None) -> None:
            if not waiter.done():
                waiter.set_result(result)

        await app.push_screen(screen, settle)
        pending: Any = waiter
    else:
        pending = app.push_screen_wait(screen)
    try:
        return await pending
    except asyncio.CancelledError:
        if screen.is_attached and app.screen is screen:
            screen.dismiss(None)
        raise


def ui_connect_callbacks(app: App[Any]) -> ConnectCallbacks:
    """ConnectCallbacks that ask the user through sshdeck's modals and notify through `app`."""

    async def decide_host_key(check: HostKeyCheck) -> HostKeyDecision:
        if not check.may_ask:  # core never asks about changed or revoked keys; refuse if it ever did
            return HostKeyDecision.REJECT
        decision = await ask(app, HostKeyPrompt(check))
        return decision if isinstance(decision, HostKeyDecision) else HostKeyDecision.REJECT

    async def passphrase(request: PassphraseRequest) -> str | None:
        return await ask(app, PassphrasePrompt(request))

    async def password(request: PasswordRequest) -> str | None:
        return await ask(app, PasswordPrompt(request))

    async def keyboard_interactive(challenge: KbdIntChallenge) -> list[str] | None:
        return await ask(app, KbdIntPrompt(challenge))

    def server_text(text: ServerText) -> None:
        title = "Login banner" if text.kind == "banner" else "Server message"
        app.notify(text.labelled(), title=title, markup=False, timeout=SERVER_TEXT_SECONDS)

    def notice(message: str) -> None:
        app.notify(message, title="Connection", markup=False, timeout=NOTICE_SECONDS)

    def connection_lost(reason: str) -> None:
        app.notify(reason, title="Connection lost", severity="error", markup=False, timeout=NOTICE_SECONDS * 2)

    return ConnectCallbacks(
        decide_host_key=decide_host_key,
        passphrase=passphrase,
        password=password,
        keyboard_interactive=keyboard_interactive,
        server_text=server_text,
        notice=notice,
        connection_lost=connection_lost,
    )


HARD_STOPS = (HostKeyStatus.CHANGED, HostKeyStatus.REVOKED)


def show_refusal(app: App[Any], check: HostKeyCheck, trust_store: TrustStore) -> bool:
    """Show the hard-stop screen for a changed (or pin-mismatched) or revoked key.

    Call with `HostKeyRefused.check`.  Returns True when the screen was shown;
    False for other refusals (the user said Reject, a strict policy, an
    untrusted CA), which need only the caller's usual one-line failure message.
    Works from a message handler or a worker; it does not wait for Close.
    """
    if check.status not in HARD_STOPS:
        return False
    app.push_screen(HostKeyChangedScreen(check, trust_store))
    return True
