"""A worker process copying byte ranges of one big file over its own connection: `python -m sshdeck.core.transfer.procworker`.

asyncssh decrypts and parses every packet in the one Python thread of the
process that owns the connection; on a fast link that thread is the limit.
This process has its own interpreter (so its own core) and its own
connection, and copies the ranges the parent hands it into the SAME partial
file the parent writes (see procpool.py for the parent's side):

- get: reads the remote file over its SFTP channel and `pwrite`s into the
  local partial through the file descriptor the parent passed it (never a path);
- put: `pread`s the local source through the parent's descriptor and writes
  into the remote partial, opened for writing only (never created, truncated
  or renamed here: the parent created it and commits it).

The pipe (JSON, one message per line): the parent's stdin messages are
`hello` (the connection ticket, secrets included, see core/ssh/worker_ticket.py;
the file), then `copy` (a range), `pause`, `resume`; EOF or `stop` ends the
process.  It answers `ready` or `refused`, and per range `bytes` (written and
acknowledged) and `done` or `failed`.  Nothing else is printed; stderr is
not read by the parent, and no secret is ever written anywhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import sys
from typing import Any

import asyncssh
from asyncssh import FXF_READ, FXF_WRITE

from sshdeck.core.transfer.pump import MemoryBudget, pump

# Bytes of file data one worker holds at once.
MEMORY = 48 * 1024 * 1024


class FdRead:
    """The local source, through the parent's descriptor."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    async def read(self, offset: int, size: int) -> bytes:
        return os.pread(self.fd, size, offset)


class FdWrite:
    """The local partial, through the parent's descriptor."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    async def write(self, offset: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            done = os.pwrite(self.fd, view, offset)
            view, offset = view[done:], offset + done


class SftpRead:
    def __init__(self, handle: asyncssh.SFTPClientFile) -> None:
        self.handle = handle

    async def read(self, offset: int, size: int) -> bytes:
        data = await self.handle.read(size, offset)
        if len(data) > size:
            raise ValueError(f"the server sent {len(data)} bytes for a {size}-byte read")
        return data


class SftpWrite:
    def __init__(self, handle: asyncssh.SFTPClientFile) -> None:
        self.handle = handle

    async def write(self, offset: int, data: bytes) -> None:
        await self.handle.write(data, offset)


class Worker:
    def __init__(self, out: asyncio.StreamWriter | None) -> None:
        self.out = out
        self.gate = asyncio.Event()
        self.gate.set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.connected = None
        self.reader: Any = None
        self.writer: Any = None
        self.hello: dict[str, Any] = {}
        self.budget: MemoryBudget | None = None

    def say(self, **message: Any) -> None:
        line = (json.dumps(message, separators=(",", ":")) + "\n").encode()
        if self.out is not None:
            self.out.write(line)

    async def open(self, hello: dict[str, Any]) -> None:
        from sshdeck.core.ssh.worker_ticket import connect_ticket

        self.hello = hello
        self.connected = await connect_ticket(hello.pop("ticket"))
        from sshdeck.core.ssh.quick_ack import opened_promptly

        conn = self.connected.conn
        sftp = await opened_promptly(conn, conn.start_sftp_client())  # no delayed-ACK stall after the login
        path = hello["remote"].encode("utf-8", "surrogateescape")
        fd = int(hello["fd"])
        if hello["direction"] == "get":
            self.reader = SftpRead(await sftp.open(path, FXF_READ, encoding=None, block_size=0))
            self.writer = FdWrite(fd)
        else:
            self.reader = FdRead(fd)
            # Write only: the partial exists (the parent made it); nothing is created or truncated here.
            self.writer = SftpWrite(await sftp.open(path, FXF_WRITE, encoding=None, block_size=0))
        self.budget = MemoryBudget(MEMORY, int(hello["block"]))

    async def copy(self, ident: int, start: int, end: int) -> None:
        hello = self.hello
        try:
            await pump(self.reader, self.writer, rel=(b"file",), start=start, end=end, size=int(hello["size"]),
                       block=int(hello["block"]), read_window=int(hello["read_window"]),
                       write_window=int(hello["write_window"]), budget=self.budget, gate=self.gate,
                       deep=int(hello["deep"]),
                       on_bytes=lambda count: self.say(id=ident, bytes=count))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - the parent copies the range again itself
            self.say(id=ident, failed=type(exc).__name__)
            return
        self.say(id=ident, done=True)

    def handle(self, message: dict[str, Any]) -> bool:
        op = message.get("op")
        if op == "copy":
            task = asyncio.ensure_future(self.copy(int(message["id"]), int(message["start"]), int(message["end"])))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        elif op == "pause":
            self.gate.clear()
        elif op == "resume":
            self.gate.set()
        elif op == "stop":
            return False
        return True

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.connected is not None:
            try:
                await self.connected.close()
            except (asyncssh.Error, OSError):
                pass


async def main() -> int:
    loop = asyncio.get_running_loop()
    if not all(stat.S_ISFIFO(os.fstat(fd).st_mode) for fd in (0, 1)):
        return 2  # started by hand: only sshdeck, with its pipes, has anything to say to it
    reader = asyncio.StreamReader(limit=1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, sys.stdout)
    out = asyncio.StreamWriter(transport, protocol, None, loop)
    worker = Worker(out)
    try:
        line = await reader.readline()
        if not line:
            return 1
        try:
            await worker.open(json.loads(line))
        except Exception as exc:  # noqa: BLE001 - said to the parent, which copies alone
            kind = getattr(exc, "kind", None) or type(exc).__name__
            worker.say(refused=str(kind))
            await out.drain()
            return 1
        worker.say(ready=True)
        while True:
            line = await reader.readline()
            if not line or not worker.handle(json.loads(line)):
                break
    finally:
        await worker.close()
        try:
            await out.drain()
        except (ConnectionError, OSError):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
