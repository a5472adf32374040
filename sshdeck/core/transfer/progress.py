"""Progress figures for a running transfer, handed to a callback at a bounded rate."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class ItemProgress:
    """One file in flight."""

    item_id: int
    name: str
    done: int
    size: int


@dataclass(frozen=True)
class TransferProgress:
    """A snapshot for the transfer panel or the CLI's progress bar."""

    bytes_done: int
    bytes_total: int
    items_done: int
    items_total: int
    speed: float  # bytes per second over the last few seconds
    active: tuple[ItemProgress, ...] = field(default_factory=tuple)
    finished: bool = False

    @property
    def eta(self) -> float | None:
        if self.speed <= 0:
            return None
        return max(0.0, (self.bytes_total - self.bytes_done) / self.speed)


ProgressCallback = Callable[[TransferProgress], None]

STALL_SECONDS = 1.5


class ProgressMeter:
    """Counts bytes as they land; calls back at most every `interval` seconds."""

    def __init__(self, callback: ProgressCallback | None, interval: float = 0.1) -> None:
        self.callback = callback
        self.interval = interval
        self.bytes_done = 0
        self.bytes_total = 0
        self.items_done = 0
        self.items_total = 0
        self.active: dict[int, list] = {}
        self._samples: deque[tuple[float, int]] = deque(maxlen=64)
        self._last = 0.0

    def start_item(self, item_id: int, name: str, size: int, done: int = 0) -> None:
        self.active[item_id] = [name, done, size]
        self.bytes_done += done

    def add(self, item_id: int, count: int) -> None:
        self.bytes_done += count
        entry = self.active.get(item_id)
        if entry is not None:
            entry[1] += count
        now = time.monotonic()
        if now - self._last >= self.interval:
            self.emit(now)

    def end_item(self, item_id: int, ok: bool) -> None:
        entry = self.active.pop(item_id, None)
        if entry is not None and not ok:
            # A failed item's bytes will be counted again by its retry.
            self.bytes_done -= entry[1]
        if ok:
            self.items_done += 1

    def speed(self, now: float) -> float:
        self._samples.append((now, self.bytes_done))
        while len(self._samples) > 2 and now - self._samples[0][0] > 5.0:
            self._samples.popleft()
        if self._stalled(now):
            return 0.0  # waiting (a question, a paused job, a slow server): no speed, no ETA
        first_time, first_bytes = self._samples[0]
        elapsed = now - first_time
        return (self.bytes_done - first_bytes) / elapsed if elapsed > 0 else 0.0

    def _stalled(self, now: float) -> bool:
        """No byte moved in the last STALL_SECONDS: a speed over the older samples would be a fiction."""
        moved_at = None
        for when, done in reversed(self._samples):
            if done != self.bytes_done:
                break
            moved_at = when
        # moved_at: the oldest sample that already had today's count.
        return moved_at is not None and now - moved_at >= STALL_SECONDS and len(self._samples) > 1

    def snapshot(self, now: float | None = None, finished: bool = False) -> TransferProgress:
        now = time.monotonic() if now is None else now
        active = tuple(ItemProgress(i, e[0], e[1], e[2]) for i, e in list(self.active.items())[:16])
        return TransferProgress(
            self.bytes_done, self.bytes_total, self.items_done, self.items_total, self.speed(now), active, finished
        )

    def emit(self, now: float | None = None, finished: bool = False) -> None:
        now = time.monotonic() if now is None else now
        self._last = now
        if self.callback is not None:
            self.callback(self.snapshot(now, finished))
