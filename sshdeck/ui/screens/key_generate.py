"""Palette "Generate key…": a new local key pair, then copy its public half or install it on the host in focus.

Never overwrites: the core refuses an existing file and its reason is shown.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Awaitable, Callable

import pyperclip
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from sshdeck.core.keys.authorized_keys import AuthorizedKeys, KeysError
from sshdeck.core.keys.generate import GeneratedKey, KeyGenerationError, generate_key
from sshdeck.ui.inert_content import shown
from sshdeck.ui.screens.authorized_keys import AuthorizedKeysScreen

TYPES = ("ed25519", "rsa")


def default_key_path(folder: Path | None = None) -> Path:
    """~/.ssh/id_ed25519_sshdeck, or the first of id_ed25519_sshdeck_2, _3 … whose two files are free."""
    folder = folder or Path(os.path.expanduser("~")) / ".ssh"
    number = 1
    while True:
        path = folder / ("id_ed25519_sshdeck" + (f"_{number}" if number > 1 else ""))
        if not path.exists() and not Path(str(path) + ".pub").exists():
            return path
        number += 1


def tilde(path: Path) -> str:
    """PATH with the home folder written as ~ (how people type it; expanded again on Generate)."""
    home = Path(os.path.expanduser("~"))
    return "~/" + str(path.relative_to(home)) if path.is_relative_to(home) else str(path)


class KeyGenerateDialog(ModalScreen[GeneratedKey | None]):
    """Returns the key made (or None); `install` adds it to the host in focus's authorized_keys."""

    CSS_PATH = Path(__file__).parent.parent / "styles" / "keys.tcss"
    BINDINGS = [Binding("escape", "close", "Close", id="close_key_generate")]

    def __init__(self, host: str | None, open_keys: Callable[[], Awaitable[AuthorizedKeys]] | None) -> None:
        super().__init__()
        self.host = host
        self.open_keys = open_keys
        self.generated: GeneratedKey | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog key-generate-dialog"):
            yield Label("Generate a key pair", classes="dialog-title")
            yield Label("Private key file (the public half goes to FILE.pub)")
            yield Input(tilde(default_key_path()), id="gen-path")
            with RadioSet(id="gen-type"):
                for index, name in enumerate(TYPES):
                    yield RadioButton(name if name != "rsa" else "rsa (4096 bits)", value=index == 0, id=f"gen-type-{name}")
            yield Label("Comment")
            yield Input(id="gen-comment")
            yield Label("Passphrase, twice")
            yield Input(password=True, id="gen-pass1")
            yield Input(password=True, id="gen-pass2")
            yield Checkbox("No passphrase", id="gen-no-pass")
            yield Static(classes="dialog-error", id="gen-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Generate", variant="primary", id="gen-run")
                yield Button("Close", id="gen-close")
            yield Static(id="gen-public")
            with Horizontal(classes="dialog-buttons", id="gen-after"):
                yield Button("Copy", id="gen-copy")
                if self.host is not None:
                    yield Button(shown(f"Install on {self.host}"), id="gen-install")

    def on_mount(self) -> None:
        self.query_one("#gen-after").display = False
        self.query_one("#gen-path", Input).focus()

    def _error(self, text: str) -> None:
        self.query_one("#gen-error", Static).update(shown(text))

    @on(Checkbox.Changed, "#gen-no-pass")
    def _no_passphrase(self, event: Checkbox.Changed) -> None:
        for box in ("#gen-pass1", "#gen-pass2"):
            self.query_one(box, Input).disabled = event.value

    @on(Button.Pressed, "#gen-run")
    @work(exclusive=True, group="generate")
    async def _generate(self, event: Button.Pressed) -> None:
        event.stop()
        if self.generated is not None:
            self._error("Already generated; close this dialog to make another key")
            return
        path = Path(self.query_one("#gen-path", Input).value.strip()).expanduser()
        if not str(path) or str(path) == ".":
            self._error("Give a file name for the private key")
            return
        key_type = TYPES[max(self.query_one("#gen-type", RadioSet).pressed_index, 0)]
        passphrase = None
        if not self.query_one("#gen-no-pass", Checkbox).value:
            first, second = self.query_one("#gen-pass1", Input).value, self.query_one("#gen-pass2", Input).value
            if not first:
                self._error("Type a passphrase twice, or tick “No passphrase”")
                return
            if first != second:
                self._error("The two passphrases differ")
                return
            passphrase = first
        comment = self.query_one("#gen-comment", Input).value
        self._error("Generating…")
        try:
            if path.parent == Path(os.path.expanduser("~")) / ".ssh" and not path.parent.exists():
                path.parent.mkdir(mode=0o700)
            key = await asyncio.to_thread(generate_key, path, key_type=key_type, comment=comment, passphrase=passphrase)
        except KeyGenerationError as exc:
            self._error(str(exc))
            return
        except OSError as exc:
            self._error(f"cannot write {exc.filename or path}: {exc.strerror}")
            return
        self.generated = key
        self._error("")
        self.query_one("#gen-public", Static).update(shown(
            f"Wrote {key.private_path} and {key.public_path}\n{key.public_key.fingerprint}\n\n{key.public_text}"
        ))
        self.query_one("#gen-after").display = True
        for box in ("#gen-pass1", "#gen-pass2"):
            self.query_one(box, Input).value = ""

    @on(Button.Pressed, "#gen-copy")
    def _copy(self, event: Button.Pressed) -> None:
        event.stop()
        if self.generated is None:
            return
        text = self.generated.public_text
        try:
            pyperclip.copy(text)
            where = "the clipboard"
        except pyperclip.PyperclipException:
            self.app.copy_to_clipboard(text)  # no clipboard tool here (e.g. over SSH): the terminal's (OSC 52)
            where = "the terminal's clipboard"
        self.notify(f"Copied the public key to {where}", timeout=3, markup=False)

    @on(Button.Pressed, "#gen-install")
    @work(exclusive=True, group="generate")
    async def _install(self, event: Button.Pressed) -> None:
        event.stop()
        if self.generated is None or self.open_keys is None:
            return
        try:
            message = await (await self.open_keys()).add(self.generated.public_key)
        except KeysError as exc:
            self._error(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - one line on screen, never a traceback
            self._error(AuthorizedKeysScreen._reason(exc))
            return
        self._error("")
        self.query_one("#gen-public", Static).update(shown(
            f"{self.generated.public_key.fingerprint}\n{self.generated.public_text}\n\n{self.host}: {message}"
        ))
        self.notify(f"{self.host}: {message}", markup=False, timeout=4)

    @on(Button.Pressed, "#gen-close")
    def _close_button(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self.generated)

    def action_close(self) -> None:
        self.dismiss(self.generated)
