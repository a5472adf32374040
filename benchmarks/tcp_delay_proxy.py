"""A TCP relay on 127.0.0.1 that delays each direction by a fixed time (simulated latency).

Run as its own process so its work never shares a CPU thread with the
client being measured:  python tcp_delay_proxy.py TARGET_PORT DELAY_MS
It prints the port it listens on, then serves until killed.  Data is not
throttled, only delayed: each chunk leaves DELAY_MS after it arrived.
"""

from __future__ import annotations

import asyncio
import sys
import time


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def sender() -> None:
        while True:
            due, data = await queue.get()
            if not data:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    task = asyncio.ensure_future(sender())
    try:
        while data := await reader.read(262144):
            queue.put_nowait((time.monotonic() + delay, data))
    except (ConnectionError, OSError):
        pass
    queue.put_nowait((0.0, b""))
    try:
        await task
    except (ConnectionError, OSError):
        pass


async def serve(target_port: int, delay: float, ready=None) -> asyncio.base_events.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target_port)
        await asyncio.gather(_pipe(reader, up_writer, delay), _pipe(up_reader, writer, delay), return_exceptions=True)

    return await asyncio.start_server(handle, "127.0.0.1", 0)


async def main() -> None:
    target_port, delay_ms = int(sys.argv[1]), float(sys.argv[2])
    server = await serve(target_port, delay_ms / 1000)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
