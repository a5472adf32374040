"""File operations on the focused pane: new folder, rename, delete, chmod, properties,
copy path, view and edit.  Mixed into FilePane; each action is a binding with an id."""

from __future__ import annotations

import logging

from textual import work
from textual.binding import Binding

from sshdeck.core.fs.base import Entry, FileSystem, FileSystemError, join
from sshdeck.core.fs.names import display_path
from sshdeck.core.pane_model import PARENT, PaneModel, check_new_name
from sshdeck.ui.screens.text_prompt import TextPrompt, stem_span

# The dialogs, the viewer, the editor flow and the clipboard are imported by the action that
# opens them: none is needed to draw a folder, and together they were a share of the start-up.

log = logging.getLogger(__name__)

PANE_ACTION_BINDINGS = [
    Binding("f3", "view", "View", id="view"),
    Binding("f4", "edit", "Edit", id="edit"),
    Binding("W", "stop_watching", "Stop watching", show=False, id="stop_watching"),
    Binding("f7", "mkdir", "Mkdir", show=False, id="mkdir"),
    Binding("f2,shift+f6", "rename", "Rename", show=False, id="rename"),
    Binding("f8,delete", "delete", "Delete", show=False, id="delete"),
    Binding("p", "chmod", "Permissions", show=False, id="chmod"),
    Binding("i", "properties", "Properties", show=False, id="properties"),
    Binding("y", "copy_path", "Copy path", show=False, id="copy_path"),
    Binding("b", "bookmark", "Bookmark", show=False, id="bookmark"),
    Binding("g", "bookmarks", "Bookmarks", show=False, id="bookmarks"),
]


class PaneActions:
    """Needs: self.fs, self.model, self.path, self.file_list, self.load, self.app, self.notify."""

    fs: FileSystem
    model: PaneModel

    # -- helpers ------------------------------------------------------------------

    def _cursor_entry(self) -> Entry | None:
        entry = self.file_list.current  # type: ignore[attr-defined]
        return None if entry is None or entry is PARENT else entry

    def _error(self, exc: Exception, title: str) -> None:
        self.notify(str(exc), title=title, severity="error", markup=False)  # type: ignore[attr-defined]

    def _refresh_after(self, keep: bytes | None = None) -> None:
        self.load(self.path, keep, remember=False)  # type: ignore[attr-defined]

    # -- new folder, rename -----------------------------------------------------------

    def action_mkdir(self) -> None:
        def create(name: str | None) -> None:
            if name:
                self._mkdir(name)

        self.app.push_screen(TextPrompt("New folder name", check=check_new_name), create)  # type: ignore[attr-defined]

    @work(group="pane-op")
    async def _mkdir(self, name: str) -> None:
        try:
            await self.fs.mkdir(join(self.path, name))  # type: ignore[attr-defined]
        except FileSystemError as exc:
            self._error(exc, "New folder")
        self._refresh_after(name.encode("utf-8", errors="surrogateescape"))

    def action_rename(self) -> None:
        entry = self._cursor_entry()
        if entry is None:
            return
        old_name = entry.name.decode("utf-8", errors="surrogateescape")

        def rename(new: str | None) -> None:
            if new and new != old_name:
                self._rename(entry, new)

        prompt = TextPrompt(f"Rename {entry.display} to", value=old_name, check=check_new_name, select=stem_span(old_name))
        self.app.push_screen(prompt, rename)  # type: ignore[attr-defined]

    @work(group="pane-op")
    async def _rename(self, entry: Entry, new: str) -> None:
        try:
            await self.fs.rename(join(self.path, entry.name), join(self.path, new))  # type: ignore[attr-defined]
        except FileSystemError as exc:
            self._error(exc, "Rename")
        self._refresh_after(new.encode("utf-8", errors="surrogateescape"))

    # -- delete, chmod, properties --------------------------------------------------------

    def action_delete(self) -> None:
        from sshdeck.ui.screens.delete_dialog import DeleteDialog

        targets = self.model.targets(self.file_list.current)  # type: ignore[attr-defined]
        if not targets:
            return

        def done(removed: int | None) -> None:
            self.model.clear_selection()
            self._refresh_after()

        self.app.push_screen(DeleteDialog(self.fs, self.path, targets), done)  # type: ignore[attr-defined]

    def action_chmod(self) -> None:
        from sshdeck.ui.screens.chmod_dialog import ChmodDialog

        targets = self.model.targets(self.file_list.current)  # type: ignore[attr-defined]
        if not targets:
            return
        first = targets[0]
        title = f"Permissions of {first.display}" if len(targets) == 1 else f"Permissions of {len(targets)} items"

        def apply(mode: int | None) -> None:
            if mode is not None:
                self._chmod(targets, mode)

        self.app.push_screen(ChmodDialog(title, first.mode or 0o644), apply)  # type: ignore[attr-defined]

    @work(group="pane-op")
    async def _chmod(self, targets: list[Entry], mode: int) -> None:
        for entry in targets:
            try:
                await self.fs.chmod(join(self.path, entry.name), mode)  # type: ignore[attr-defined]
            except FileSystemError as exc:
                self._error(exc, "Permissions")
                break
        self._refresh_after()

    def action_properties(self) -> None:
        from sshdeck.ui.screens.properties import PropertiesScreen

        entry = self._cursor_entry()
        if entry is not None:
            location = f"{self.fs.label}:{display_path(self.path)}"  # type: ignore[attr-defined]
            self.app.push_screen(PropertiesScreen(entry, location))  # type: ignore[attr-defined]

    def action_copy_path(self) -> None:
        import pyperclip

        entry = self._cursor_entry()
        path = join(self.path, entry.name) if entry else self.path  # type: ignore[attr-defined]
        text = path if self.fs.label == "local" else f"{self.fs.label}:{path}"
        try:
            pyperclip.copy(text)
            where = "the clipboard"
        except pyperclip.PyperclipException:
            # No clipboard tool here (e.g. over SSH): ask the terminal (OSC 52).
            self.app.copy_to_clipboard(text)  # type: ignore[attr-defined]
            where = "the terminal's clipboard"
        self.notify(f"Copied {display_path(text)} to {where}", timeout=3, markup=False)  # type: ignore[attr-defined]

    # -- bookmarks (per location: this computer, or one host) -----------------------------

    def action_bookmark(self) -> None:
        """Bookmark this folder, or remove the bookmark when it has one."""
        marks = self.app.bookmarks  # type: ignore[attr-defined]
        key, folder = self.location_key, self.path  # type: ignore[attr-defined]
        added = marks.add(key, folder)
        if not added:
            marks.remove(key, folder)
        try:
            marks.save()
        except OSError as exc:
            self.notify(str(exc), title="Bookmarks", severity="error", markup=False)  # type: ignore[attr-defined]
            return
        verb = "Bookmarked" if added else "Removed the bookmark of"
        self.notify(f"{verb} {display_path(folder)}", timeout=3, markup=False)  # type: ignore[attr-defined]

    def action_bookmarks(self) -> None:
        from sshdeck.ui.screens.location_picker import ListPicker

        folders = self.app.bookmarks.folders(self.location_key)  # type: ignore[attr-defined]
        if not folders:
            self.notify("No bookmarks here yet: press b in a folder to add one", timeout=4)  # type: ignore[attr-defined]
            return

        def chosen(index: int | None) -> None:
            if index is not None:
                self.load(folders[index])  # type: ignore[attr-defined]

        labels = [display_path(folder) for folder in folders]
        self.app.push_screen(ListPicker("Go to a bookmark", labels), chosen)  # type: ignore[attr-defined]

    # -- view and edit ---------------------------------------------------------------------

    def action_view(self) -> None:
        entry = self._cursor_entry()
        if entry is not None and not entry.is_dir:
            self._view(entry)

    @work(group="pane-op")
    async def _view(self, entry: Entry) -> None:
        from sshdeck.ui.screens.file_viewer import VIEW_LIMIT, FileViewer

        path = join(self.path, entry.name)  # type: ignore[attr-defined]
        try:
            data = await self.fs.read_bytes(path, VIEW_LIMIT)
        except FileSystemError as exc:
            self._error(exc, "View")
            return
        self.app.push_screen(FileViewer(display_path(path), data, max(entry.size, len(data))))  # type: ignore[attr-defined]

    def action_edit(self) -> None:
        entry = self._cursor_entry()
        if entry is not None and not entry.is_dir:
            self._edit(entry)

    @work(group="pane-op", exclusive=True)
    async def _edit(self, entry: Entry) -> None:
        from sshdeck.core.edit import editor_command
        from sshdeck.ui.edits import remote_edits

        path = join(self.path, entry.name)  # type: ignore[attr-defined]
        edits = remote_edits(self.app)  # type: ignore[attr-defined]
        try:
            if self.fs.label == "local":
                await edits.run_in_terminal([*editor_command(), path])
            else:
                await edits.edit(self.fs, path)
        except FileSystemError as exc:
            self._error(exc, "Edit")
            return
        self._refresh_after(entry.name)

    def action_stop_watching(self) -> None:
        from sshdeck.ui.edits import remote_edits

        remote_edits(self.app).ask_which_to_stop()  # type: ignore[attr-defined]
