"""The main screen's pane-to-pane actions (a mixin of MainScreen): copy and move, compare, synchronise, find.

Message handlers (a drop, pasted paths, synchronised browsing) stay on MainScreen,
since Textual collects `@on` handlers from Screen classes only; they call these.
"""

from __future__ import annotations

from sshdeck.ui.widgets.file_pane import FilePane
from sshdeck.ui.widgets.transfer_panel import TransferPanel


class PaneActions:
    """Actions between the two panes; MainScreen provides `#left`, `right` and `_active_pane`."""

    # -- copy and move (F5, F6; a drop and pasted paths arrive on MainScreen and call _transfer) --

    def _transfer(self, source: FilePane, entries, dest: FilePane, dest_folder: str, *, move: bool) -> None:
        def refresh(report) -> None:
            if report is not None and not report.failed and source.is_mounted:
                source.model.selected.clear()  # done with them, as in mc and FileZilla
            for pane in (source, dest):
                if pane.is_mounted:
                    pane.action_reload()

        self.app.transfers.start(source.fs, source.path, entries, dest.fs, dest_folder, move=move, on_done=refresh)

    def action_copy(self, move: bool = False) -> None:
        source = self._active_pane()
        dest = self._other(source)
        if dest.query_one(".pane-note").display:
            self.notify("The other pane shows no files here", severity="warning")
            return
        self._transfer(source, source.model.targets(source.file_list.current), dest, dest.path, move=move)

    def action_move(self) -> None:
        self.action_copy(move=True)

    def action_toggle_transfers(self) -> None:
        self.query_one(TransferPanel).toggle()

    def action_speed_limit(self) -> None:
        self.app.transfers.limits.prompt()

    # -- synchronised browsing, compare, synchronise, find ----------------------------------

    def _other(self, pane: FilePane) -> FilePane:
        left = self.query_one("#left", FilePane)
        return self.right if pane is left else left

    def action_toggle_sync(self) -> None:
        self.sync_browsing = not self.sync_browsing
        state = "on: entering a folder on one side enters it on the other" if self.sync_browsing else "off"
        self.notify(f"Synchronised browsing {state}", timeout=3)

    def action_compare(self) -> None:
        from sshdeck.core.compare import compare_listings

        left, right = self.query_one("#left", FilePane), self.right
        result = compare_listings(left.model.entries, right.model.entries)
        left.model.selected = set(result.left)
        right.model.selected = set(result.right)
        for pane in (left, right):
            pane.refresh_view()
        self.notify(f"Compared: {result.summary()}. Differences are selected.", timeout=6, markup=False)

    def action_synchronise(self) -> None:
        """Make the other pane's folder like this one's, after a preview (ui/sync.py)."""
        from sshdeck.ui.sync import SyncController

        source = self._active_pane()
        SyncController(self.app, source, self._other(source)).open()

    def action_find(self) -> None:
        from sshdeck.ui.find import open_find

        open_find(self)
