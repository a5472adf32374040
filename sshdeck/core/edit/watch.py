"""Upload on every save: poll the edited copy and send each saved version to the server.

Polling (mtime/size every ~0.5 s, then a hash once the copy is still) works with every editor and
file system and needs no extra dependency.  The watcher stops uploading at the
first conflict or failure and reports it: the caller asks the user, and the
edited copy stays where it is meanwhile.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Awaitable, Callable

from sshdeck.core.edit.session import EditSession, SyncResult
from sshdeck.core.fs.base import FileSystemError

POLL_SECONDS = 0.5


@dataclass
class WatchEvent:
    """What one check found: UPLOADED, or CONFLICT, or an error (`error` set, result None)."""

    result: SyncResult | None
    error: str = ""


Report = Callable[[WatchEvent], Awaitable[None] | None]


class EditWatcher:
    """Checks `session`'s copy every `interval` seconds while `run` runs (cancel it to stop)."""

    def __init__(self, session: EditSession, report: Report, interval: float = POLL_SECONDS) -> None:
        self.session = session
        self.report = report
        self.interval = interval
        self.stopped_on: WatchEvent | None = None  # the conflict or failure that stopped it
        self._stop = asyncio.Event()
        self._pending = False

    async def check(self, final: bool = False) -> WatchEvent | None:
        """One poll: None when nothing new was saved (or the save holds what the server has).

        A save is uploaded once the copy stayed the same for one poll, so a
        file caught half-written by an editor that writes in place is not sent.
        """
        if self.session.touched():
            self._pending = True
            if not final:
                return None
        if not self._pending:
            return None
        self._pending = False
        try:
            result = await self.session.sync()
        except FileSystemError as exc:
            return WatchEvent(None, str(exc))
        return None if result is SyncResult.UNCHANGED else WatchEvent(result)

    def stop(self) -> None:
        """Ask `run` to make one last check (a last save is still uploaded) and return."""
        self._stop.set()

    async def run(self) -> WatchEvent | None:
        """Poll until stopped (None) or cancelled, or until a conflict or failure (returned, and reported)."""
        while True:
            stopping = self._stop.is_set()
            if not stopping:
                try:
                    await asyncio.wait_for(self._stop.wait(), self.interval)
                except asyncio.TimeoutError:
                    pass
                stopping = self._stop.is_set()
            event = await self.check(final=stopping)
            if event is not None:
                outcome = self.report(event)
                if asyncio.iscoroutine(outcome):
                    await outcome
                if event.result is not SyncResult.UPLOADED:
                    self.stopped_on = event
                    return event
            if stopping:
                return None
