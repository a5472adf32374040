"""Listing a folder into a pane: in the background, capped, and stoppable.

Mixed into FilePane.  The listing's batches are counted in the path bar; a
listing that reaches the limit (core/fs/limits.py) shows what arrived,
marked incomplete, with the limit's message; Escape or Ctrl+C while it runs
stops it the same way (binding `stop_listing`, active only then).
"""

from __future__ import annotations

import logging
import time
from typing import AsyncIterator

from textual import work
from textual.binding import Binding
from textual.timer import Timer

from sshdeck.core.fs.base import Entry, FileSystem, FileSystemError
from sshdeck.core.fs.limits import ListingLimitError
from sshdeck.core.fs.names import display_path
from sshdeck.core.pane_model import PaneModel
from sshdeck.ui.prelist import PrelistFailed

log = logging.getLogger(__name__)

# The path bar's count is redrawn at most this often while a folder loads: a 100,000-entry
# folder arrives in ~20 batches, and drawing each one cost the event loop more than parsing it.
# Each redraw is a frame (~5 ms of the app's process): four a second are enough to see it count.
PROGRESS_INTERVAL = 0.25

# Only while a listing is under way (check_action); otherwise the keys go on as usual.
LISTING_BINDINGS = [
    Binding("escape,ctrl+c", "stop_listing", "Stop listing", show=False, id="stop_listing"),
]


class PaneListing:
    """Needs: self.fs, self.model, self.file_list, _draw_path, _redraw, Loaded, notify, workers."""

    fs: FileSystem
    location_key: str
    model: PaneModel
    loading_path: str | None
    loading_count: int
    _listed: bool
    # The listing under way: its arguments and what arrived so far (for "stop listing").
    _loading: tuple[str, bytes | None, bool, str] | None = None
    _arrived: list[Entry]
    _progress_drawn: float = 0.0  # when the count was last drawn (time.monotonic)
    _progress_timer: Timer | None = None  # a pending redraw of the count

    def load(self, path: str, keep: bytes | None = None, *, remember: bool = True, history: str = "") -> None:
        """List `path` in the background; the pane stays on its old folder on error."""
        self.loading_path = path
        self.loading_count = 0
        self._loading = None  # until the new worker starts (it replaces any listing under way)
        self._draw_path()
        self._load(path, keep, remember, history)

    @work(exclusive=True, group="listing")
    async def _load(self, path: str, keep: bytes | None, remember: bool, history: str) -> None:
        entries: list[Entry] = []
        self._loading = (path, keep, remember, history)
        self._arrived = entries
        self.loading_count = 0
        prelisted: list = []  # the child's listing, when the rows came from it (ui/prelist.py)
        try:
            async for batch in self._batches(path, prelisted):
                if batch is None:  # the child's listing stopped half-way: listed here from the start
                    entries.clear()
                    continue
                entries.extend(batch)
                self.loading_count = len(entries)
                self._progress()
        except ListingLimitError as exc:
            # Show what arrived before the limit; the message names the folder and the setting.
            self._show_listing(path, entries, keep, remember, history, incomplete="incomplete: listing limit reached")
            self.notify(str(exc), title="Listing incomplete", severity="warning", markup=False)
            return
        except FileSystemError as exc:
            self._load_failed(str(exc))
            return
        except Exception as exc:  # a broken connection must not take the app down
            log.warning("listing %r failed: %s", path, type(exc).__name__)
            self._load_failed(f"{path}: the listing failed ({type(exc).__name__}); see the log")
            return
        # The child sorted by name while it waited for sshd: no sort of 100,000 entries here before the frame.
        by_name = prelisted[0].by_name(entries) if prelisted else None
        self._show_listing(path, entries, keep, remember, history, by_name=by_name)

    async def _batches(self, path: str, prelisted: list) -> AsyncIterator[list[Entry] | None]:
        """The folder's batches: from the child that listed the start folder (ui/prelist.py) when it did, else
        from the file system; None when the child's stopped half-way and the listing starts over.
        When all came from the child, it is appended to `prelisted`."""
        prelist = getattr(self.app, "prelist", None)
        claimed = await prelist.claim(self.location_key, path) if prelist is not None else None
        if claimed is not None:
            try:
                async for batch in claimed:
                    yield batch
                prelisted.append(prelist)
                return
            except PrelistFailed:
                yield None
        async for batch in self.fs.list(path):
            yield batch

    def _progress(self) -> None:
        """Show the count now, or within PROGRESS_INTERVAL: never one redraw per batch."""
        if self._progress_timer is not None:
            return  # a redraw is already on its way
        wait = self._progress_drawn + PROGRESS_INTERVAL - time.monotonic()
        if wait <= 0:
            self._draw_progress()
        else:
            self._progress_timer = self.set_timer(wait, self._draw_progress, name="listing-progress")

    def _draw_progress(self) -> None:
        self._progress_timer = None
        self._progress_drawn = time.monotonic()
        if self.loading_path is not None:
            self._draw_path()

    def _cancel_progress(self) -> None:
        if self._progress_timer is not None:
            self._progress_timer.stop()
            self._progress_timer = None

    def _show_listing(
        self, path: str, entries: list[Entry], keep: bytes | None, remember: bool, history: str,
        incomplete: str | None = None, by_name: tuple[list[Entry], int] | None = None,
    ) -> None:
        if history == "back":
            self.model.went_back()
        elif history == "forward":
            self.model.went_forward()
        self.model.set_listing(path, entries, remember=remember and not history, incomplete=incomplete, by_name=by_name)
        self.loading_path = None
        self._loading = None
        self._arrived = []
        self._cancel_progress()
        self._listed = True
        self._draw_path()
        self._redraw(keep=keep)
        self.post_message(self.Loaded())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop_listing":
            return self._loading is not None
        return True

    def action_stop_listing(self) -> None:
        """Escape / Ctrl+C while the path bar counts: keep what arrived, stop asking for more."""
        if self._loading is None:
            return
        path, keep, remember, history = self._loading
        entries = self._arrived
        self.workers.cancel_group(self, "listing")
        self._show_listing(path, entries, keep, remember, history, incomplete="incomplete: listing stopped")
        self.notify(
            f"Stopped listing {display_path(path)} after {len(entries):,} entries",
            title="Listing stopped",
            markup=False,
        )

    def _load_failed(self, message: str) -> None:
        self._cancel_progress()
        self.loading_path = None
        self._loading = None
        self._arrived = []
        self._draw_path()
        self.notify(message, title="Cannot open folder", severity="error", markup=False)

