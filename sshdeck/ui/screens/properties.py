"""Properties of one entry: everything the listing knows, as plain text."""

from __future__ import annotations

import stat

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.fs.listing import format_mtime


def describe(entry: Entry, location: str) -> str:
    kind = {EntryKind.DIR: "folder", EntryKind.FILE: "file", EntryKind.LINK: "symbolic link"}.get(entry.kind, "special file")
    lines = [f"Name:      {entry.display}", f"Where:     {location}", f"Kind:      {kind}"]
    if entry.display != entry.name.decode("utf-8", errors="replace"):
        lines.append(f"Raw bytes: {entry.name.hex(' ')}")
    if entry.link_target is not None:
        lines.append(f"Points to: {entry.link_target}")
    lines.append(f"Size:      {entry.size:,} bytes")
    lines.append(f"Modified:  {format_mtime(entry.mtime)}")
    if entry.mode is not None:
        lines.append(f"Mode:      {stat.filemode(entry.mode | stat.S_IFREG)[1:]}  ({entry.mode:04o})")
    owner = entry.owner or (str(entry.uid) if entry.uid is not None else None)
    group = entry.group or (str(entry.gid) if entry.gid is not None else None)
    if owner or group:
        lines.append(f"Owner:     {owner or '?'}:{group or '?'}")
    return "\n".join(lines)


class PropertiesScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,i", "close", "Close", id="close_properties")]

    def __init__(self, entry: Entry, location: str) -> None:
        super().__init__()
        self.entry = entry
        self.location = location

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Properties", classes="dialog-title")
            yield Static(Content(describe(self.entry, self.location)), id="properties-text")

    def action_close(self) -> None:
        self.dismiss(None)
