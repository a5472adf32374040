"""F8: ask before deleting, then delete with a running count and a Stop button."""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from sshdeck.core.fs.base import Entry, FileSystem, FileSystemError, join
from sshdeck.ui.inert_content import shown
from sshdeck.core.places import place
from sshdeck.ui.widgets.transfer_panel import format_bytes

NAMES_SHOWN = 10


def describe_deletion(entries: list[Entry], where: str) -> str:
    """The names (up to ten), what the rest amounts to, and where: nothing is deleted unnamed."""
    lines = [f"  {e.display}{'/' if e.is_dir and e.kind.value == 'dir' else ''}" for e in entries[:NAMES_SHOWN]]
    if len(entries) > NAMES_SHOWN:
        lines.append(f"  … and {len(entries) - NAMES_SHOWN} more")
    files = [e for e in entries if not (e.is_dir and e.kind.value == "dir")]
    folders = len(entries) - len(files)
    parts = []
    if files:
        size = format_bytes(sum(e.size for e in files))
        parts.append(f"{len(files)} file{'s' if len(files) != 1 else ''} ({size})")
    if folders:
        parts.append(f"{folders} folder{'s' if folders != 1 else ''} and everything inside")
    lines.append(f"In all: {' and '.join(parts)}, in {where}")
    return "\n".join(lines)


class DeleteDialog(ModalScreen[int]):
    """Deletes `entries` from `folder`; returns how many items were removed."""

    BINDINGS = [Binding("escape", "stop", "Cancel", id="cancel_delete")]

    def __init__(self, fs: FileSystem, folder: str, entries: list[Entry]) -> None:
        super().__init__()
        self.fs = fs
        self.folder = folder
        self.entries = entries
        self.removed = 0
        self.running = False

    def compose(self) -> ComposeResult:
        count = len(self.entries)
        what = self.entries[0].display if count == 1 else f"{count} items"
        with Vertical(classes="dialog"):
            yield Label(shown(f"Delete {what}?"), classes="dialog-title")
            yield Static(shown(describe_deletion(self.entries, place(self.fs, self.folder))), id="delete-detail")
            yield Static(id="delete-progress")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Delete", id="delete", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()  # the safe choice is the default

    @on(Button.Pressed, "#delete")
    def _start(self) -> None:
        self.running = True
        self.query_one("#delete", Button).disabled = True
        self.query_one("#cancel", Button).label = "Stop"
        self._delete()

    @work(exclusive=True)
    async def _delete(self) -> None:
        progress = self.query_one("#delete-progress", Static)

        def report(count: int, path: str) -> None:
            progress.update(Content(f"deleted {self.removed + count} item(s)…"))

        failure = None
        try:
            for entry in self.entries:
                self.removed += await self.fs.remove(join(self.folder, entry.name), progress=report)
                progress.update(Content(f"deleted {self.removed} item(s)…"))
        except FileSystemError as exc:
            failure = str(exc)
        except asyncio.CancelledError:
            failure = f"stopped after {self.removed} item(s); the rest is still there"
        if failure:
            self.notify(failure, title="Delete", severity="error", markup=False)
        self.dismiss(self.removed)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_stop()

    def action_stop(self) -> None:
        if self.running:
            self.workers.cancel_all()
            self.dismiss(self.removed)
        else:
            self.dismiss(0)
