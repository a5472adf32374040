"""F5/F6: confirm a copy or move, showing what goes where."""

from __future__ import annotations

import os
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from sshdeck.core.fs.base import Entry, EntryKind, FileSystem
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.fs.names import display_path
from sshdeck.ui.inert_content import shown
from sshdeck.ui.widgets.transfer_panel import format_bytes

NAMES_SHOWN = 5


def place(fs: FileSystem, folder: str) -> str:
    """How a folder is named on screen: `~/work` here, `demo:/srv` on a host."""
    shown = display_path(folder)
    if isinstance(fs, LocalFS):
        home = os.path.expanduser("~")
        return "~" + shown[len(home):] if shown == home or shown.startswith(home + "/") else shown
    return f"{fs.label}:{shown}"


@dataclass(frozen=True)
class CopySummary:
    """What a copy or move is about to do, in words for the dialog and the panel."""

    move: bool
    names: list[str]  # printable names (already escaped)
    file_bytes: int  # the files' sizes; folders are counted, not measured
    folders: int
    source: str  # "~/work" or "demo:/srv"
    dest: str

    @classmethod
    def of(cls, entries: list[Entry], move: bool, source: str, dest: str) -> "CopySummary":
        return cls(
            move=move,
            names=[e.display for e in entries],
            file_bytes=sum(e.size for e in entries if e.kind is not EntryKind.DIR),
            folders=sum(1 for e in entries if e.kind is EntryKind.DIR),
            source=source,
            dest=dest,
        )

    @property
    def verb(self) -> str:
        return "Move" if self.move else "Copy"

    @property
    def what(self) -> str:
        count = len(self.names)
        if count == 1:
            return f"“{self.names[0]}”"
        return f"{count} items"

    @property
    def size(self) -> str:
        text = format_bytes(self.file_bytes)
        if self.folders:
            text += f" + {self.folders} folder{'s' if self.folders > 1 else ''}"
        return text

    @property
    def question(self) -> str:
        return f"{self.verb} {self.what} ({self.size}) to {self.dest}?"


class CopyDialog(ModalScreen[bool]):
    """Returns True when confirmed; the Copy/Move button has the focus, so Enter confirms."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_copy", tooltip="Close; nothing is copied")]

    def __init__(self, summary: CopySummary) -> None:
        super().__init__(classes="copy-screen")
        self.summary = summary

    def compose(self) -> ComposeResult:
        summary = self.summary
        with Vertical(classes="dialog copy-dialog"):
            yield Label(shown(summary.question), classes="dialog-title", id="copy-question")
            names = summary.names[:NAMES_SHOWN]
            listing = "\n".join(f"  {name}" for name in names)
            if len(summary.names) > NAMES_SHOWN:
                listing += f"\n  … and {len(summary.names) - NAMES_SHOWN} more"
            yield Static(shown(f"from {summary.source}\n{listing}"), id="copy-detail")
            yield Static(shown(f"to   {summary.dest}"), id="copy-dest")
            if summary.move:
                yield Static(Content("The sources are deleted once each file has arrived."), classes="copy-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="copy-cancel")
                yield Button(summary.verb, variant="primary", id="copy-confirm")

    def on_mount(self) -> None:
        self.query_one("#copy-confirm", Button).focus()

    @on(Button.Pressed, "#copy-confirm")
    def _confirm(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(True)

    @on(Button.Pressed, "#copy-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)
