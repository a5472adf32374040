"""`a` in the authorized_keys manager: a key line, a local .pub file or a key from ssh-agent, optional from= patterns, and which file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from sshdeck.core.keys.agent_keys import AgentUnavailable, agent_public_keys
from sshdeck.core.keys.authorized_keys import FILES
from sshdeck.core.keys.authorized_keys_format import KeyTextError, PublicKey, from_option, public_key_from_text
from sshdeck.ui.inert_content import shown
from sshdeck.ui.screens.location_picker import ListPicker


@dataclass(frozen=True)
class AddRequest:
    key: PublicKey
    from_patterns: str | None
    file: str


def read_key(text: str) -> PublicKey:
    """A pasted key line, or the key in a local .pub file; KeyTextError says why not."""
    text = text.strip()
    if not text:
        raise KeyTextError("paste a public key line or give a local .pub file")
    if not any(ch.isspace() for ch in text):  # a key line has a type and a blob: one word is a file
        path = Path(text).expanduser()
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise KeyTextError(f"cannot read {path}: {exc.strerror}") from None
    return public_key_from_text(text)


class AddKeyDialog(ModalScreen[AddRequest | None]):
    """Returns what to add, or None on Cancel/Escape."""

    CSS_PATH = Path(__file__).parent.parent / "styles" / "keys.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_add_key")]

    def __init__(self, host: str) -> None:
        super().__init__()
        self.host = host

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog keys-add-dialog"):
            yield Label(shown(f"Add a key to {self.host}"), classes="dialog-title")
            yield Label("Public key line, or a local .pub file")
            yield Input(placeholder="ssh-ed25519 AAAA… comment   or   ~/.ssh/id_ed25519.pub", id="add-key")
            yield Label("Only from these hosts (optional, e.g. 10.0.0.*,!10.0.0.5)")
            yield Input(id="add-from")
            with RadioSet(id="add-file"):
                for index, name in enumerate(FILES):
                    yield RadioButton(name, value=index == 0, id=f"add-file-{index}")
            yield Static(classes="dialog-error", id="add-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("From ssh-agent…", id="add-agent")
                yield Button("Add", variant="primary", id="add-ok")
                yield Button("Cancel", id="add-cancel")

    def on_mount(self) -> None:
        self.query_one("#add-key", Input).focus()

    def _request(self) -> AddRequest:
        key = read_key(self.query_one("#add-key", Input).value)
        patterns = self.query_one("#add-from", Input).value.strip() or None
        if patterns:
            from_option(patterns)  # refuses quotes, controls and blanks before anything is sent
        pressed = self.query_one("#add-file", RadioSet).pressed_index
        return AddRequest(key, patterns, FILES[pressed if pressed >= 0 else 0])

    @on(Button.Pressed, "#add-ok")
    @on(Input.Submitted)
    def _add(self, event) -> None:
        event.stop()
        try:
            request = self._request()
        except KeyTextError as exc:
            self.query_one("#add-error", Static).update(shown(str(exc)))
            return
        self.dismiss(request)

    @on(Button.Pressed, "#add-agent")
    def _from_agent(self, event: Button.Pressed) -> None:
        event.stop()
        self._pick_agent_key()

    @work(exclusive=True, group="agent")
    async def _pick_agent_key(self) -> None:
        """List the agent's keys; the one picked fills the key box (then Add as usual)."""
        error = self.query_one("#add-error", Static)
        try:
            keys = await agent_public_keys()
        except AgentUnavailable as exc:
            error.update(shown(str(exc)))
            return
        if not keys:
            error.update(shown("ssh-agent holds no key"))
            return
        labels = [f"{key.key_type}  {key.fingerprint}  {key.comment}" for key in keys]

        def chosen(index: int | None) -> None:
            if index is not None:
                self.query_one("#add-key", Input).value = keys[index].line()
                error.update("")
            self.query_one("#add-key", Input).focus()

        self.app.push_screen(ListPicker("A key from ssh-agent", labels), chosen)

    @on(Button.Pressed, "#add-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = ["AddKeyDialog", "AddRequest", "read_key"]
