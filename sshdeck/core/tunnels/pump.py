"""Copy bytes both ways between two stream pairs, counting them; a tiny SOCKS4/4a/5 handshake."""

from __future__ import annotations

import asyncio
import ipaddress
import struct
from typing import Any, Callable

CHUNK = 65536


async def copy(reader: Any, writer: Any, count: Callable[[int], None]) -> None:
    """reader → writer until EOF, then half-close the writer."""
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            count(len(data))
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (OSError, ConnectionError, EOFError):
        pass
    except Exception:  # asyncssh channel errors after a lost connection
        pass


async def splice(a_reader: Any, a_writer: Any, b_reader: Any, b_writer: Any, sent: Callable[[int], None], received: Callable[[int], None]) -> None:
    """Pump a→b (sent) and b→a (received) until both directions are done, then close both."""
    try:
        await asyncio.gather(copy(a_reader, b_writer, sent), copy(b_reader, a_writer, received))
    finally:
        for writer in (a_writer, b_writer):
            try:
                writer.close()
            except Exception:
                pass


class SocksError(Exception):
    """The client's SOCKS request could not be understood."""


async def socks_request(reader: asyncio.StreamReader) -> tuple[int, str, int]:
    """Read a SOCKS4/4a/5 CONNECT request: (version, host, port).  No authentication is offered."""
    try:
        version = (await reader.readexactly(1))[0]
        if version == 4:
            command, port = struct.unpack("!BH", await reader.readexactly(3))
            address = await reader.readexactly(4)
            await reader.readuntil(b"\0")  # user id
            if command != 1:
                raise SocksError("only CONNECT is supported")
            if address[:3] == b"\0\0\0" and address[3]:
                host = (await reader.readuntil(b"\0"))[:-1].decode("idna")  # SOCKS4a
            else:
                host = str(ipaddress.IPv4Address(address))
            return 4, host, port
        if version == 5:
            methods = await reader.readexactly((await reader.readexactly(1))[0])
            if 0 not in methods:
                raise SocksError("client offers no method without authentication")
            return 5, "", 0
        raise SocksError(f"unknown SOCKS version {version}")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, UnicodeError) as exc:
        raise SocksError("incomplete SOCKS request") from exc


async def socks5_connect_request(reader: asyncio.StreamReader) -> tuple[str, int]:
    """After the method reply: the SOCKS5 CONNECT request's host and port."""
    try:
        version, command, _reserved, address_type = await reader.readexactly(4)
        if version != 5 or command != 1:
            raise SocksError("only SOCKS5 CONNECT is supported")
        if address_type == 1:
            host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif address_type == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode("idna")
        elif address_type == 4:
            host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
        else:
            raise SocksError("unknown SOCKS5 address type")
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        return host, port
    except (asyncio.IncompleteReadError, UnicodeError) as exc:
        raise SocksError("incomplete SOCKS5 request") from exc


SOCKS4_OK = b"\0\x5a" + b"\0" * 6
SOCKS4_FAILED = b"\0\x5b" + b"\0" * 6
SOCKS5_NO_AUTH = b"\x05\x00"
SOCKS5_OK = b"\x05\x00\x00\x01" + b"\0" * 6
SOCKS5_FAILED = b"\x05\x05\x00\x01" + b"\0" * 6
