"""Bandwidth limits: one token bucket per transfer and one for every transfer of the process.

A transfer's data path (pump.py) asks its `Throttle` before it sends the
request for each block; the throttle charges the block to the transfer's own
bucket and to the shared `TOTAL` bucket and sleeps until both have paid it
back.  A bucket holds at most a quarter of a second of bytes, so a transfer
never bursts much above its limit.  Unlimited is rate 0: `Throttle.active` is
then false and the data path does not await at all.

A bucket may run into debt (a block bigger than what is left in it): the
taker then waits for exactly the debt to be repaid, so the bytes sent never
exceed `rate * elapsed + burst` whatever the block sizes, and several takers
of one bucket wait in turn (the second for its own block and the first's).

Changing a rate (the app's "Speed limit" prompt) starts the bucket afresh
and wakes every taker waiting on it: the new limit applies from the next
block.  RATE texts: `500K`, `2M`, `1.5M`, `800k` are bytes per second with
K/M/G = KiB/MiB/GiB; `0` or `off` is no limit.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

# How many seconds' worth of bytes a bucket holds when full (the largest burst).
BURST_SECONDS = 0.25
# Far beyond any link; it keeps a typo like 9999999G from overflowing anything.
MAX_RATE = 1 << 40

RATE_HELP = "bytes per second, K, M or G meaning KiB, MiB, GiB: 500K, 2M, 1.5M; 0 or off for no limit"

Clock = Callable[[], float]
Sleep = Callable[[float, "asyncio.Future[None]"], Awaitable[None]]

_RATE = re.compile(r"(?P<number>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>[kmg]?)(?:i?b)?(?:/s)?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


class RateError(ValueError):
    """A RATE text that is not one: its message is the one line to show."""


def parse_rate(text: str) -> int:
    """`2M` -> 2097152 bytes per second; `0`/`off` -> 0 (no limit); anything else raises RateError."""
    cleaned = str(text).strip()
    if cleaned.lower() in ("off", "none", "unlimited"):
        return 0
    shown = cleaned if len(cleaned) <= 40 else cleaned[:39] + "…"
    match = _RATE.fullmatch(cleaned)
    if match is None:
        raise RateError(f"not a rate: {shown!r} (give {RATE_HELP})")
    rate = float(match["number"]) * _UNITS[match["unit"].lower()]
    if rate == 0:
        return 0
    if rate < 1:
        raise RateError(f"{shown}: below 1 byte per second (give {RATE_HELP})")
    if rate > MAX_RATE:
        raise RateError(f"{shown}: more than 1024 GiB per second (use 0 or off for no limit)")
    return int(rate)


def format_rate(rate: int) -> str:
    """`2 MiB/s`, `1.5 MiB/s`, `500 KiB/s`, `off` for 0."""
    if rate <= 0:
        return "off"
    value, unit = float(rate), "B"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            break
        value /= 1024
    text = f"{value:.1f}".rstrip("0").rstrip(".") if value < 100 else f"{value:.0f}"
    return f"{text} {unit}/s"


def rate_text(rate: int) -> str:
    """The RATE text that reads back as exactly `rate` (`2M`, `1536K`, `1000`; `0` for none)."""
    for letter, unit in (("G", 1024**3), ("M", 1024**2), ("K", 1024)):
        if rate >= unit and rate % unit == 0:
            return f"{rate // unit}{letter}"
    return str(max(0, rate))


async def _sleep(seconds: float, wake: "asyncio.Future[None]") -> None:
    """Sleep, or less when a rate changes (the future is then resolved)."""
    await asyncio.wait((wake,), timeout=seconds)


class RateBucket:
    """Bytes per second that may pass, with a burst of `BURST_SECONDS` worth; rate 0 = no limit."""

    def __init__(self, rate: int = 0, *, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._waiters: set[asyncio.Future[None]] = set()
        self.rate = 0
        self.capacity = 0.0
        self._tokens = 0.0
        self._stamp = 0.0
        self.set_rate(rate)

    def set_rate(self, rate: int) -> None:
        """A new limit, from now on: the bucket starts full, and takers waiting on the old one go on."""
        self.rate = max(0, int(rate))
        self.capacity = self.rate * BURST_SECONDS
        self._tokens = self.capacity
        self._stamp = self._clock()
        for waiter in list(self._waiters):
            if not waiter.done():
                try:
                    waiter.set_result(None)
                except RuntimeError:  # its event loop is gone (a finished command); nobody is waiting
                    pass
        self._waiters.clear()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def short_of(self, count: int) -> bool:
        """Would taking `count` bytes now have to wait?"""
        if not self.rate:
            return False
        self._refill()
        return self._tokens < count

    def charge(self, count: int) -> float:
        """Take `count` bytes; the seconds until the bucket is out of debt again (0: go now)."""
        if not self.rate:
            return 0.0
        self._refill()
        self._tokens -= count
        return -self._tokens / self.rate if self._tokens < 0 else 0.0

    def watch(self, waiter: "asyncio.Future[None]") -> None:
        self._waiters.add(waiter)

    def unwatch(self, waiter: "asyncio.Future[None]") -> None:
        self._waiters.discard(waiter)


@dataclass
class LimitStats:
    """What the limits did (for tests and benchmarks: proof the limiter was consulted)."""

    throttled_bytes: int = 0  # bytes of blocks that had to wait
    waits: int = 0  # sleeps asked for
    waited: float = 0.0  # seconds of sleep asked for


# Every transfer of this process shares it: settings' total_limit, the app's "Speed limit" prompt,
# `sshdeck sync --limit`.
TOTAL = RateBucket()
# Counted over every throttle of the process.
STATS = LimitStats()


class Throttle:
    """The limits one transfer obeys: its own bucket and the process's total."""

    def __init__(self, rate: int = 0, *, total: RateBucket | None = None, clock: Clock = time.monotonic,
                 sleep: Sleep = _sleep) -> None:
        self.own = RateBucket(rate, clock=clock)
        self.total = TOTAL if total is None else total
        self.stats = LimitStats()
        self._sleep = sleep

    @property
    def active(self) -> bool:
        """Some limit applies (checked per block: when False the data path never awaits)."""
        return bool(self.own.rate or self.total.rate)

    def short_of(self, count: int) -> bool:
        return self.own.short_of(count) or self.total.short_of(count)

    async def take(self, count: int) -> None:
        """Charge `count` bytes to both buckets and wait until both can afford them."""
        buckets = [bucket for bucket in (self.own, self.total) if bucket.rate]
        wait = max((bucket.charge(count) for bucket in buckets), default=0.0)
        if wait <= 0:
            return
        for stats in (self.stats, STATS):
            stats.throttled_bytes += count
            stats.waits += 1
            stats.waited += wait
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        for bucket in buckets:
            bucket.watch(wake)
        try:
            await self._sleep(wait, wake)
        finally:
            for bucket in buckets:
                bucket.unwatch(wake)
            if not wake.done():
                wake.cancel()
