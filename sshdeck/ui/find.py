"""Find files… on the main screen: opens the search on the pane in focus and acts on its answers.

Enter on a result shows its folder in that pane with the cursor on it; F5
copies the selected results to the other pane, one transfer per folder
(the transfer engine copies entries of one folder at a time; results from
several folders are confirmed once for all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sshdeck.core.fs.base import Entry, basename, parent
from sshdeck.core.fs.names import display_path
from sshdeck.ui.screens.confirm import ConfirmScreen
from sshdeck.ui.screens.find_files import FindFiles

if TYPE_CHECKING:
    from sshdeck.ui.screens.main import MainScreen
    from sshdeck.ui.widgets.file_pane import FilePane


def open_find(screen: "MainScreen") -> None:
    pane = screen._active_pane()
    if pane.query_one(".pane-note").display:
        screen.notify("This pane shows no files to search", severity="warning")
        return

    def chosen(path: str | None) -> None:
        if path is not None and pane.is_mounted:
            pane.load(parent(path), keep=basename(path))
            pane.file_list.focus()

    def copy(found: list[tuple[str, Entry]]) -> None:
        copy_found(screen, pane, found)

    screen.app.push_screen(FindFiles(pane.fs, pane.path, on_copy=copy), chosen)


def copy_found(screen: "MainScreen", source: "FilePane", found: list[tuple[str, Entry]]) -> None:
    dest = screen._other(source)
    if dest.query_one(".pane-note").display:
        screen.notify("The other pane shows no files here", severity="warning")
        return
    by_folder: dict[str, list[Entry]] = {}
    for path, entry in found:
        by_folder.setdefault(parent(path), []).append(entry)

    def refresh(_report) -> None:
        if dest.is_mounted:
            dest.action_reload()

    if len(by_folder) == 1:
        ((folder, entries),) = by_folder.items()
        screen.app.transfers.start(source.fs, folder, entries, dest.fs, dest.path, on_done=refresh)
        return

    def answered(yes: bool | None) -> None:
        if yes:
            for folder, entries in by_folder.items():
                screen.app.transfers.start(source.fs, folder, entries, dest.fs, dest.path, on_done=refresh, confirm=False)

    screen.app.push_screen(
        ConfirmScreen(
            f"Copy {len(found)} found items from {len(by_folder)} folders?",
            f"Into {display_path(dest.path)}: one transfer per folder.",
            confirm_label="Copy",
        ),
        answered,
    )
