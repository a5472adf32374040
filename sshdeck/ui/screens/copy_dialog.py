"""F5/F6: confirm a copy or move, showing what goes where."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from sshdeck.core.fs.base import Entry, EntryKind, FileSystem
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.places import place  # noqa: F401  (callers take it from here too)
from sshdeck.ui.widgets.path_bar import PathInput
from sshdeck.ui.inert_content import shown
from sshdeck.ui.widgets.transfer_panel import format_bytes

NAMES_SHOWN = 5


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


class CopyDialog(ModalScreen["str | bool"]):
    """Confirms a copy or move; the Copy/Move button has the focus, so Enter confirms.

    With `dest_fs` and `dest_folder` the destination is an editable path (Tab
    completes folder names, as in the path bar) and the dialog returns the
    folder typed there; without them it returns True.  False: cancelled.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_copy", tooltip="Close; nothing is copied")]

    def __init__(self, summary: CopySummary, dest_fs: FileSystem | None = None, dest_folder: str | None = None) -> None:
        super().__init__(classes="copy-screen")
        self.summary = summary
        self.dest_fs = dest_fs
        self.dest_folder = dest_folder

    def compose(self) -> ComposeResult:
        summary = self.summary
        with Vertical(classes="dialog copy-dialog"):
            yield Label(shown(summary.question), classes="dialog-title", id="copy-question")
            names = summary.names[:NAMES_SHOWN]
            listing = "\n".join(f"  {name}" for name in names)
            if len(summary.names) > NAMES_SHOWN:
                listing += f"\n  … and {len(summary.names) - NAMES_SHOWN} more"
            yield Static(shown(f"from {summary.source}\n{listing}"), id="copy-detail")
            if self.dest_fs is not None and self.dest_folder is not None:
                with Horizontal(classes="copy-dest-row"):
                    host = "" if isinstance(self.dest_fs, LocalFS) else f"{self.dest_fs.label}:"
                    yield Label(shown(f"to   {host}"), classes="copy-dest-label")
                    yield PathInput(self.dest_fs, self.dest_folder, id="copy-dest-path")
            else:
                yield Static(shown(f"to   {summary.dest}"), id="copy-dest")
            if summary.move:
                yield Static(Content("The sources are deleted once each file has arrived."), classes="copy-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="copy-cancel")
                yield Button(summary.verb, variant="primary", id="copy-confirm")

    def on_mount(self) -> None:
        self.query_one("#copy-confirm", Button).focus()

    @on(Button.Pressed, "#copy-confirm")
    @on(Input.Submitted, "#copy-dest-path")
    def _confirm(self, event: Button.Pressed | Input.Submitted) -> None:
        event.stop()
        if self.dest_fs is None:
            self.dismiss(True)
            return
        folder = self.query_one("#copy-dest-path", PathInput).value.strip()
        self.dismiss(folder or self.dest_folder or True)

    @on(PathInput.Cancelled)
    def _path_cancelled(self, event: PathInput.Cancelled) -> None:
        event.stop()
        self.dismiss(False)

    @on(Button.Pressed, "#copy-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)
