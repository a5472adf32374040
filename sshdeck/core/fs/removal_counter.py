"""Counting a recursive delete for its progress callback, shared by both file systems."""

from __future__ import annotations

import time
from typing import Callable

from sshdeck.core.fs.base import RemoveProgress

# Often enough for a progress bar, rare enough not to flood the event loop.
REPORT_EVERY = 0.05


class RemovalCounter:
    """Counts removed items; reports to `progress` at most every 50 ms, and exactly at the end.

    `deliver` runs the callback: directly on the loop, or handed over from a
    worker thread (`loop.call_soon_threadsafe`).
    """

    def __init__(
        self,
        progress: RemoveProgress | None,
        deliver: Callable[[RemoveProgress, int, str], object] | None = None,
    ) -> None:
        self.progress = progress
        self._deliver = deliver or (lambda callback, count, path: callback(count, path))
        self.count = 0
        self.last_path = ""
        self._last_report = 0.0

    def removed(self, path: str) -> None:
        self.count += 1
        self.last_path = path
        if self.progress is not None:
            now = time.monotonic()
            if now - self._last_report >= REPORT_EVERY:
                self._last_report = now
                self._deliver(self.progress, self.count, path)

    def final_report(self) -> None:
        """The exact count, once the walk is over (called on the loop)."""
        if self.progress is not None and self.count:
            self.progress(self.count, self.last_path)
