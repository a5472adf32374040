"""Ctrl+G: the authorized_keys manager for the host in focus.

One row per key line of ~/.ssh/authorized_keys and authorized_keys2 (and one
per line that is not a key).  Every change asks first; disabling or removing
the key this session logged in with also needs a typed word.  Comments and
options come from the server and are drawn as inert text.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Awaitable, Callable

import asyncssh
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from sshdeck.core.fs.names import clean_reason
from sshdeck.core.inert import terminal_safe
from sshdeck.core.keys.authorized_keys import FILES, AuthorizedKeys, KeysError, KeysListing, LockOutRefused, NotReachable
from sshdeck.core.keys.authorized_keys_format import Entry, KeyTextError
from sshdeck.core.ssh.connect_errors import ConnectError
from sshdeck.ui.inert_content import shown
from sshdeck.ui.screens.authorized_key_add import AddKeyDialog
from sshdeck.ui.screens.confirm import ConfirmScreen
from sshdeck.ui.screens.text_prompt import TextPrompt

log = logging.getLogger(__name__)

LOCK_OUT_WORD = "lock me out"
LOGIN_MARK = "← this session"
COLUMNS = ("State", "Where", "Type", "Fingerprint", "Comment", "Options")


def inert(text: str) -> Text:
    return Text(terminal_safe(text), no_wrap=True)


def entry_row(listing: KeysListing, entry: Entry) -> tuple[Text, ...]:
    where = entry.where + (f"  {LOGIN_MARK}" if listing.is_login_key(entry) else "")
    return (
        Text("enabled" if entry.enabled else "disabled", style="" if entry.enabled else "dim"),
        Text(where, style="bold" if listing.is_login_key(entry) else ""),
        inert(entry.key.key_type),
        inert(entry.fingerprint),
        inert(entry.key.comment or "-"),
        inert(",".join(entry.options) or "-"),
    )


class AuthorizedKeysScreen(ModalScreen[None]):
    CSS_PATH = Path(__file__).parent.parent / "styles" / "keys.tcss"
    BINDINGS = [
        Binding("a", "add", "Add", id="keys_add"),
        Binding("d", "disable", "Disable", id="keys_disable"),
        Binding("e", "enable", "Enable", id="keys_enable"),
        Binding("delete", "remove", "Remove", id="keys_remove"),
        Binding("r", "reload", "Reload", id="keys_reload"),
        Binding("escape", "close", "Close", id="keys_close"),
    ]

    def __init__(self, host: str, open_keys: Callable[[], Awaitable[AuthorizedKeys]]) -> None:
        super().__init__()
        self.host = host
        self.open_keys = open_keys
        self.listing: KeysListing | None = None
        self.loads = 0  # finished loads, for tests to wait on

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog keys-dialog"):
            yield Label(shown(f"Authorized keys on {self.host}"), classes="dialog-title")
            yield Static(shown("Loading…"), id="keys-note")
            table: DataTable = DataTable(id="keys-table", cursor_type="row", zebra_stripes=True)
            table.add_columns(*COLUMNS)
            yield table
            yield Static(classes="dialog-error", id="keys-error")
            yield Static("a add · d disable · e enable · Delete remove · r reload · Esc close", classes="keys-hint")

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.action_reload()

    # -- showing ---------------------------------------------------------------------

    def _error(self, text: str) -> None:
        self.query_one("#keys-error", Static).update(shown(text))

    def _show(self, listing: KeysListing) -> None:
        self.listing = listing
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        lines = [(FILES.index(e.file), e.line, f"entry-{i}") for i, e in enumerate(listing.entries)]
        lines += [(FILES.index(b.file), b.line, f"bad-{i}") for i, b in enumerate(listing.bad_lines)]
        for _file, _line, key in sorted(lines):  # in file order, as an admin reads them
            index = int(key.split("-")[1])
            if key.startswith("entry-"):
                table.add_row(*entry_row(listing, listing.entries[index]), key=key)
            else:
                bad = listing.bad_lines[index]
                table.add_row(Text("not a key", style="italic"), Text(f"{bad.file}:{bad.line}"), Text(""),
                              inert(bad.message()), Text(""), Text(""), key=key)
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        count = len(listing.entries)
        note = f"{count} key{'s' if count != 1 else ''} in ~/.ssh/authorized_keys and authorized_keys2"
        if not count and not listing.bad_lines:
            note = "No keys in ~/.ssh/authorized_keys or authorized_keys2 (a adds one)"
        self.query_one("#keys-note", Static).update(shown(note))
        table.display = True

    def _selected(self) -> Entry | None:
        table = self.query_one(DataTable)
        if self.listing is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
        if not key.startswith("entry-"):
            return None
        return self.listing.entries[int(key.removeprefix("entry-"))]

    # -- actions ---------------------------------------------------------------------

    @work(exclusive=True, group="keys")
    async def action_reload(self) -> None:
        await self._load()

    async def _load(self) -> None:
        try:
            listing = await (await self.open_keys()).load()
        except NotReachable as exc:
            self.listing = None
            self.query_one(DataTable).display = False
            self.query_one("#keys-note", Static).update(shown(str(exc)))
        except Exception as exc:  # noqa: BLE001 - one line on screen, never a traceback
            self._error(self._reason(exc))
        else:
            self._error("")
            self._show(listing)
        self.loads += 1

    @staticmethod
    def _reason(exc: BaseException) -> str:
        """One line: the core's own reasons as they are, the server's escaped, anything else by name (details in the log)."""
        if isinstance(exc, (KeysError, KeyTextError, ConnectError)):
            return str(exc)
        if isinstance(exc, (asyncssh.Error, OSError)):
            return clean_reason(str(getattr(exc, "reason", "") or exc))
        log.exception("authorized_keys change failed")
        return f"failed ({type(exc).__name__}); see the log"

    @work(exclusive=True, group="keys")
    async def action_add(self) -> None:
        if self.listing is None:
            self._error("Nothing to add to: the key files are not reachable on this host")
            return
        request = await self.app.push_screen_wait(AddKeyDialog(self.host))
        if request is None:
            return
        await self._do(lambda keys: keys.add(request.key, from_patterns=request.from_patterns, file=request.file))

    @work(exclusive=True, group="keys")
    async def action_disable(self) -> None:
        await self._change("disable")

    @work(exclusive=True, group="keys")
    async def action_enable(self) -> None:
        await self._change("enable")

    @work(exclusive=True, group="keys")
    async def action_remove(self) -> None:
        await self._change("remove")

    async def _change(self, action: str) -> None:
        entry = self._selected()
        if entry is None:
            self._error(f"Choose a key to {action} first")
            return
        if action == "disable" and not entry.enabled or action == "enable" and entry.enabled:
            self._error(f"That key is already {action}d")
            return
        fp = entry.fingerprint
        sure = await self.app.push_screen_wait(ConfirmScreen(
            f"{action.capitalize()} this key on {self.host}?",
            f"{entry.key.key_type} {fp}\n{entry.key.comment or '(no comment)'}\n{entry.where}",
            confirm_label=action.capitalize(),
            danger=action != "enable",
        ))
        if not sure:
            return

        async def change(keys: AuthorizedKeys, force: bool) -> str:
            if action == "enable":
                return await keys.enable(fp)
            return await getattr(keys, action)(fp, force=force)

        try:
            keys = await self.open_keys()
            message = await change(keys, False)
        except LockOutRefused:
            typed = await self.app.push_screen_wait(TextPrompt(
                f"This is the key this session logged in with: after this you may not get back in. "
                f"Type {LOCK_OUT_WORD} to {action} it anyway:"
            ))
            if (typed or "").strip().lower() != LOCK_OUT_WORD:
                self._error(f"Not {action}d: the key this session logged in with needs the words “{LOCK_OUT_WORD}”")
                return
            await self._do(lambda keys: change(keys, True))
            return
        except Exception as exc:  # noqa: BLE001 - one line on screen, never a traceback
            self._error(self._reason(exc))
            return
        self.notify(message, markup=False, timeout=4)
        await self._load()

    async def _do(self, run: Callable[[AuthorizedKeys], Awaitable[str]]) -> None:
        try:
            message = await run(await self.open_keys())
        except Exception as exc:  # noqa: BLE001 - one line on screen, never a traceback
            self._error(self._reason(exc))
            return
        self.notify(message, markup=False, timeout=4)
        await self._load()

    def action_close(self) -> None:
        self.dismiss(None)
