"""Test helpers for port forwards: a loopback echo server, tiny SOCKS4a/5 clients, killing sshd's children."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import struct
from pathlib import Path


class EchoServer:
    """Echoes every byte back, on a free 127.0.0.1 port."""

    def __init__(self) -> None:
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> "EchoServer":
        self._server = await asyncio.start_server(self._echo, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    @staticmethod
    async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()


async def round_trip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes) -> bytes:
    writer.write(payload)
    await writer.drain()
    got = await asyncio.wait_for(reader.readexactly(len(payload)), 30)
    writer.close()
    return got


async def echo_through(port: int, payload: bytes, host: str = "127.0.0.1") -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    return await round_trip(reader, writer, payload)


async def socks5_through(proxy_port: int, dest_host: str, dest_port: int, payload: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
    writer.write(b"\x05\x01\x00")
    assert await reader.readexactly(2) == b"\x05\x00"
    name = dest_host.encode()
    writer.write(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack("!H", dest_port))
    reply = await reader.readexactly(10)
    assert reply[1] == 0, f"SOCKS5 refused: {reply!r}"
    return await round_trip(reader, writer, payload)


async def socks4a_through(proxy_port: int, dest_host: str, dest_port: int, payload: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
    writer.write(b"\x04\x01" + struct.pack("!H", dest_port) + b"\0\0\0\x01" + b"user\0" + dest_host.encode() + b"\0")
    reply = await reader.readexactly(8)
    assert reply[1] == 0x5A, f"SOCKS4a refused: {reply!r}"
    return await round_trip(reader, writer, payload)


def children_of(pid: int) -> list[int]:
    """Every descendant process of `pid` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        kids = [child for child, ppid in parents.items() if ppid == parent]
        found.extend(kids)
        todo.extend(kids)
    return found


def kill_sshd_sessions(server) -> int:
    """SIGKILL the sshd children serving connections (the listener survives); how many were killed."""
    killed = 0
    for child in children_of(server._process.pid):
        try:
            os.kill(child, signal.SIGKILL)
            killed += 1
        except ProcessLookupError:
            pass
    return killed


def busy_port() -> socket.socket:
    """A listening socket on a free loopback port (close it when done)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def eventually(predicate, what: str, limit: float = 60.0) -> None:
    """Wait until predicate() is true (a generous limit: it only stops a hung test)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.05)
