"""The folder named at start, listed by a child process while the app loads.

`sshdeck HOST:/folder` spends its first second in one Python process:
importing Textual and sshdeck, building and drawing the screen, connecting,
then parsing 100,000 names, while the machine's second core idles.  So the
`sshdeck` command starts a child (ui/prelist_child.py, by prelist_spawn.py)
before it imports Textual; the child connects on its own, finds the same start folder and
lists it, streaming the rows here over a pipe.  The app still makes its own
connection (early_connect.py), used for everything else; when its pane opens
the start folder of that same host, the rows come from the child instead of
a second listing (`claim`).

The child never asks a question and never saves anything (see its module):
an unknown or changed host key, a password or a passphrase makes it fail,
and the app's own connection asks as it always did.  If the child fails, is
late (no word within `HEADER_WAIT` seconds of the pane asking), lists
another folder, or stops half-way, the pane lists the folder itself.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import marshal
import struct
import subprocess
from typing import AsyncIterator

from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.inert import Inert
from sshdeck.ui.prelist_child import TEXT_FIELDS

log = logging.getLogger(__name__)

# How long a pane that wants the start folder waits for the child to say which folder it lists.
HEADER_WAIT = 2.0
_LENGTH = struct.Struct(">I")
_KINDS = {kind.value: kind for kind in EntryKind}


class PrelistFailed(Exception):
    """The child stopped before the end of the listing: list the folder again."""


class _Frames(asyncio.Protocol):
    def __init__(self, owner: Prelist) -> None:
        self.owner = owner
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        start = 0
        while len(buffer) - start >= 4:
            (length,) = _LENGTH.unpack_from(buffer, start)
            if len(buffer) - start - 4 < length:
                break
            message = marshal.loads(buffer[start + 4 : start + 4 + length])
            start += 4 + length
            self.owner._received(message)
        del buffer[:start]

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner._received(("fail",))


class Prelist:
    """The child's listing as it arrives; one pane may `claim` it once."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.key: str | None = None  # the connection the app opens for the same target (`expect`)
        self.header: tuple[str, str] | None = None  # (connection key, folder)
        self.state: str | None = None  # "end" or "fail" once the child is done
        self._batches: list[list[Entry]] = []
        self._changed: asyncio.Event | None = None
        self._transport: asyncio.ReadTransport | None = None
        self._claimed = False
        self._dropped = False
        # From the child's "end": the rows' order by name and the count of dotfiles (prelist_order.py).
        self._order: list[int] | None = None
        self._hidden = 0

    def start(self) -> None:
        """Read the child's frames on the running loop (the app's on_load)."""
        self._changed = asyncio.Event()
        task = asyncio.get_running_loop().create_task(self._connect())
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            self._transport, _ = await loop.connect_read_pipe(lambda: _Frames(self), self.process.stdout)
        except Exception:  # noqa: BLE001 -- no child listing then
            log.info("cannot read the start folder's listing from the child", exc_info=True)
            self._received(("fail",))

    def _received(self, message: tuple) -> None:
        if self.state is not None:
            return
        kind = message[0]
        if kind == "rows":
            if not self._dropped:
                self._batches.append(_entries(message[1]))
        elif kind == "start":
            self.header = (message[1], message[2])
        else:
            self.state = "end" if kind == "end" else "fail"
            if kind == "end" and len(message) == 3:
                self._order, self._hidden = message[1], message[2]
        if self._changed is not None:
            self._changed.set()

    async def _wait(self) -> None:
        assert self._changed is not None
        self._changed.clear()
        await self._changed.wait()

    def expect(self, key: str) -> None:
        """The app connects to the target under `key`: the first listing on that connection may claim."""
        self.key = key

    async def claim(self, key: str, folder: str) -> AsyncIterator[list[Entry]] | None:
        """The child's batches when it lists `folder` of connection `key`, else None (list it yourself).

        Only the first listing on the expected connection claims; any other returns None at once.
        """
        if self._claimed or self._changed is None or key != self.key:
            return None
        self._claimed = True
        try:
            async with asyncio.timeout(HEADER_WAIT):
                while self.header is None and self.state is None:
                    await self._wait()
        except TimeoutError:
            pass
        if self.header != (key, folder):
            self.close()
            return None
        return self._stream()

    async def _stream(self) -> AsyncIterator[list[Entry]]:
        index = 0
        try:
            while True:
                while index < len(self._batches):
                    batch, self._batches[index] = self._batches[index], []
                    index += 1
                    yield batch
                if self.state == "end":
                    return
                if self.state == "fail":
                    raise PrelistFailed()
                await self._wait()
        finally:
            self.close()

    def by_name(self, entries: list[Entry]) -> tuple[list[Entry], int] | None:
        """(`entries` in the panes' name order, the count of dotfiles among them), as the child worked them out.

        `entries`: every row claimed, in the order they came.  None when the child sent no order
        or one that does not fit them: the pane sorts them itself.
        """
        order = self._order
        if order is None or len(order) != len(entries) or self.state != "end":
            return None
        try:
            return list(map(entries.__getitem__, order)), self._hidden
        except (IndexError, TypeError):
            return None

    def close(self) -> None:
        """Stop the child (if it still runs) and forget what it sent."""
        self._dropped = True
        self._batches = []
        if self.state is None:
            self.state = "fail"
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        elif self.process.stdout is not None:
            self.process.stdout.close()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

def _entries(columns: tuple) -> list[Entry]:
    """Entries from the child's columns, built at C speed (one `Entry(...)` call per row).

    Without the cyclic collector: entries hold no cycles, and the collections 5,000 new objects
    set off (walking the app's whole heap now and then) took three times as long as building them.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(columns)
    finally:
        if enabled:
            gc.enable()


def _build(columns: tuple) -> list[Entry]:
    columns = list(columns)
    columns[1] = map(_KINDS.__getitem__, columns[1])
    for index in TEXT_FIELDS:
        values, inert = columns[index]
        if inert == "all":  # owners and groups: one Inert per distinct text, shared as the parser does
            made = {text: Inert(text) for text in set(values)}
            values = list(map(made.__getitem__, values))
        elif inert:
            for position in inert:
                values[position] = Inert(values[position])
        columns[index] = values
    return list(map(Entry, *columns))
