"""The editable path bar above a pane: Enter goes there, Tab completes, Escape cancels."""

from __future__ import annotations

import os
import posixpath

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from sshdeck.core.fs.base import FileSystem, FileSystemError


def common_prefix(names: list[str]) -> str:
    return os.path.commonprefix(names) if names else ""


class PathInput(Input):
    """An Input for a folder path on one FileSystem, with Tab completion of folder names."""

    BINDINGS = [
        Binding("tab", "complete", "Complete", show=False, id="complete_path"),
        Binding("escape", "cancel", "Cancel", show=False, id="cancel_path"),
    ]

    class Cancelled(Message):
        """The user left the path bar without going anywhere."""

    def __init__(self, fs: FileSystem, value: str, *, id: str | None = None) -> None:
        super().__init__(value=value, id=id, classes="path-input")
        self.fs = fs

    async def action_complete(self) -> None:
        text = self.value
        folder, _, prefix = text.rpartition("/")
        folder = folder or "/"
        try:
            names: list[str] = []
            async for batch in self.fs.list(folder):
                names.extend(
                    e.name.decode("utf-8", errors="surrogateescape") + "/"
                    for e in batch
                    if e.is_dir and e.name.decode("utf-8", errors="surrogateescape").startswith(prefix)
                )
        except FileSystemError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        if not names:
            self.app.bell()
            return
        completion = names[0] if len(names) == 1 else common_prefix(names)
        self.value = posixpath.join(folder, completion) if folder != "/" else "/" + completion
        self.cursor_position = len(self.value)
        if len(names) > 1:
            shown = ", ".join(sorted(n.rstrip("/") for n in names)[:8])
            more = f" and {len(names) - 8} more" if len(names) > 8 else ""
            self.notify(f"{shown}{more}", title=f"{len(names)} folders match", timeout=4, markup=False)

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())
