"""The secrets asked for while logging in: key passphrase, password, keyboard-interactive answers.

Each prompt dismisses with what was typed (None on Escape = give up this
method) and empties its inputs at once, so a secret lives in the UI only
until it is handed to asyncssh.  Nothing here logs a value.  Text the
server chose is shown as plain text inside a box labelled as the server's.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from sshdeck.core.ssh import auth
from sshdeck.core.ssh.auth import (
    MAX_PASSPHRASE_TRIES,
    MAX_PASSWORD_TRIES,
    KbdIntChallenge,
    PassphraseRequest,
    PasswordRequest,
    escape_server_text,
)
from sshdeck.ui.inert_content import shown


def attempt_text(attempt: int, tries: int) -> str:
    return f"Attempt {attempt} of {tries}"


class _SecretPrompt(ModalScreen["str | None"]):
    """One masked field: Enter or the OK button hands the value back and clears the field."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_secret", tooltip="Skip this way of logging in")]
    OK_LABEL = "OK"

    def compose_question(self) -> ComposeResult:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog auth-dialog"):
            yield from self.compose_question()
            yield Input(password=True, id="secret")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.OK_LABEL, id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#secret", Input).focus()

    @on(Input.Submitted, "#secret")
    @on(Button.Pressed, "#ok")
    def _submit(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        field = self.query_one("#secret", Input)
        value = field.value
        field.value = ""
        self.dismiss(value)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.query_one("#secret", Input).value = ""
        self.dismiss(None)


class PassphrasePrompt(_SecretPrompt):
    """Asks for the passphrase of an encrypted key file (attempt n of 3; says so plainly when wrong)."""

    OK_LABEL = "Unlock"

    def __init__(self, request: PassphraseRequest) -> None:
        super().__init__()
        self.request = request

    def compose_question(self) -> ComposeResult:
        yield Label(Content("Passphrase for the key"), classes="dialog-title")
        yield Static(shown(self.request.path), classes="auth-subject", id="key-path")
        if self.request.error:
            yield Static(shown(self.request.error), classes="dialog-error", id="auth-error")
        yield Static(Content(attempt_text(self.request.attempt, MAX_PASSPHRASE_TRIES)), classes="auth-attempt")


class PasswordPrompt(_SecretPrompt):
    """Asks for the account's password; the field is emptied the moment the value is handed back."""

    OK_LABEL = "Log in"

    def __init__(self, request: PasswordRequest) -> None:
        super().__init__()
        self.request = request

    def compose_question(self) -> ComposeResult:
        request = self.request
        where = f"{request.user}@{request.host}" + ("" if request.port == 22 else f" port {request.port}")
        yield Label(Content(f"Password for {where}"), classes="dialog-title")
        if request.error:
            yield Static(shown(request.error), classes="dialog-error", id="auth-error")
        yield Static(Content(attempt_text(request.attempt, MAX_PASSWORD_TRIES)), classes="auth-attempt")


class KbdIntPrompt(ModalScreen["list[str] | None"]):
    """One keyboard-interactive round (MFA, OTP): any number of questions, masked unless echo is on.

    Dismisses with one answer per prompt, or None when cancelled.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_kbdint", tooltip="Skip this way of logging in")]

    def __init__(self, challenge: KbdIntChallenge) -> None:
        super().__init__()
        self.challenge = challenge

    @property
    def prompts(self) -> tuple[auth.KbdIntPrompt, ...]:
        return self.challenge.prompts

    def compose(self) -> ComposeResult:
        challenge = self.challenge
        with VerticalScroll(classes="dialog auth-dialog", id="kbdint-dialog"):
            title = f"Login questions for {challenge.user}@{challenge.host}"
            if challenge.round > 1:
                title += f" (round {challenge.round})"
            yield Label(shown(title), classes="dialog-title")
            # Core escapes server text already; escaping again is harmless and keeps this screen safe alone.
            name = escape_server_text(challenge.name, keep_newlines=False).strip()
            instructions = escape_server_text(challenge.instructions).strip("\n")
            if name or instructions:
                parts = ([shown(name, "bold")] if name else []) + ([shown(instructions)] if instructions else [])
                said = Static(Content("\n").join(parts), classes="server-text", id="server-says")
                said.border_title = f"from the server {challenge.host}"
                yield said
            for index, prompt in enumerate(self.prompts):
                text = escape_server_text(prompt.text, keep_newlines=False).strip() or f"Answer {index + 1}"
                yield Label(shown(text), classes="kbdint-question", id=f"question-{index}")
                yield Input(password=not prompt.echo, id=f"answer-{index}", classes="kbdint-answer")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Send", id="ok", variant="primary")

    def on_mount(self) -> None:
        if self.prompts:
            self.query_one("#answer-0", Input).focus()
        else:
            self.query_one("#ok", Button).focus()

    def _answers(self) -> list[Input]:
        return [self.query_one(f"#answer-{i}", Input) for i in range(len(self.prompts))]

    @on(Input.Submitted, ".kbdint-answer")
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        fields = self._answers()
        index = fields.index(event.input)
        if index + 1 < len(fields):
            fields[index + 1].focus()
        else:
            self._send()

    @on(Button.Pressed, "#ok")
    def _send(self) -> None:
        answers = []
        for field in self._answers():
            answers.append(field.value)
            field.value = ""
        self.dismiss(answers)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        for field in self._answers():
            field.value = ""
        self.dismiss(None)
