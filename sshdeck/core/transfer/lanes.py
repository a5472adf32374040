"""Many small files over several SFTP channels of the same connection.

One SFTP channel is one server process (OpenSSH: one sftp-server or
internal-sftp child per channel) that answers its requests one by one, its
fsyncs included: thousands of small files queue behind each other there.  A
*lane* is the transfer seen through one more channel on each remote side;
the engine's file workers are spread over the lanes, so the server works on
several files at once and their fsyncs share the file system's commits.

A lane changes nothing but where requests go: conflicts, the journal, the
memory budget, pausing and cancelling are the transfer's own (every other
attribute is the transfer's).  Lanes open in the background while the first
files already copy over the main channel; a server that refuses another
session (OpenSSH MaxSessions) just leaves fewer lanes.  After a reconnect the
lanes of the old connection are dropped and every worker uses the main
endpoints again.  Big files (copied in ranges, ranges.py) always use the main
endpoints, which can open channels of their own.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from sshdeck.core.transfer.model import TransferItem

if TYPE_CHECKING:
    from sshdeck.core.transfer.engine import Transfer

# Fewer small files than this do not pay for opening channels (a few round trips each).
LANES_FROM = 64


class Lane:
    """The transfer with its `source`/`dest` replaced by endpoints over other channels."""

    __slots__ = ("_transfer", "source", "dest", "generation")

    def __init__(self, transfer: "Transfer", source: Any, dest: Any, generation: int) -> None:
        object.__setattr__(self, "_transfer", transfer)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "dest", dest)
        object.__setattr__(self, "generation", generation)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transfer, name)

    def __setattr__(self, name: str, value: Any) -> None:
        # e.g. the sticky "for all" conflict answer: it belongs to the whole transfer.
        setattr(self._transfer, name, value)


class Lanes:
    """The main endpoints plus the lanes opened so far; `pick` spreads workers over them."""

    def __init__(self, transfer: "Transfer") -> None:
        self.transfer = transfer
        self.opened: list[Lane] = []
        self._channels: list[Any] = []  # every extra endpoint, closed at the end
        self._opening: asyncio.Task[None] | None = None
        # Set once the lanes are open (or none will be): the engine's extra small-file workers start then,
        # so that they spread over the lanes instead of all starting on the main channel.
        self.settled = asyncio.Event()

    def start(self, wanted: int, small_files: int) -> None:
        """Open up to `wanted - 1` more lanes in the background, when there are enough small files."""
        transfer = self.transfer
        remote = [e for e in (transfer.source, transfer.dest) if e.is_remote]
        if wanted <= 1 or small_files < LANES_FROM or not remote:
            self.settled.set()
            return
        if not all(getattr(e, "can_open_channels", lambda n: False)(0) for e in remote):
            self.settled.set()
            return
        self._opening = asyncio.ensure_future(self._open(wanted - 1))

    async def _open(self, count: int) -> None:
        try:
            await self._open_lanes(count)
        finally:
            self.settled.set()

    async def _open_lanes(self, count: int) -> None:
        transfer = self.transfer
        generation = transfer._generation
        for _ in range(count):
            sides = []
            for endpoint in (transfer.source, transfer.dest):
                if not endpoint.is_remote:
                    sides.append(endpoint)
                    continue
                try:
                    channel = await endpoint.open_channel(len(self.opened))
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - a lane is an optimisation: the main channel carries on
                    channel = None
                if channel is None:
                    return  # the server allows no more (or the link is going): stay with what is open
                self._channels.append(channel)
                sides.append(channel)
            if transfer._generation != generation:
                return
            self.opened.append(Lane(transfer, sides[0], sides[1], generation))

    def pick(self, worker: int, item: TransferItem) -> "Transfer | Lane":
        """Where worker number `worker` copies `item`: a lane of the current connection, or the transfer itself."""
        transfer = self.transfer
        if item.size >= transfer.options.ranged_from:
            return transfer
        live = [lane for lane in self.opened if lane.generation == transfer._generation]
        choice = worker % (len(live) + 1)
        return transfer if choice == 0 else live[choice - 1]

    async def close(self) -> None:
        if self._opening is not None:
            self._opening.cancel()
            await asyncio.gather(self._opening, return_exceptions=True)
        self.opened = []
        channels, self._channels = self._channels, []
        await asyncio.gather(*(channel.close_channel() for channel in channels), return_exceptions=True)
