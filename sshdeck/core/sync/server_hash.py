"""`--checksum` on the server: `sha256sum` (or `md5sum`) run through the account's shell.

Reading a remote file over SFTP to hash it costs as much as downloading it;
when the account may run commands, the server hashes its own files and only
the digests cross the link.  The command line is fixed ASCII —
`xargs -0 sha256sum -z --` — and the paths go in on standard input, NUL-
separated, so no name is ever quoted for (or interpreted by) a shell, whatever
shell the account has.  GNU's `-z` ends each record with NUL and leaves the
name unescaped, so a record must end with exactly the path that was sent.

What the server prints is checked, not trusted: a record counts only when it
ends with the path that was asked for and starts with a digest of the right
length in lowercase hex; output beyond what the request can produce stops the
command.  An account without a shell (an SFTP-only chroot, a PaaS gateway
running its own command), without GNU `-z`, or printing anything unexpected
to the probe gets no server hashing: the caller reads the file instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import weakref
from typing import Any, Awaitable, Callable, Iterable

# Open a command channel on the endpoint's connection (Session.create_process).
OpenProcess = Callable[..., Awaitable[Any]]

# Preferred first; the other side must compute the same one.
ALGORITHMS: tuple[tuple[str, str], ...] = (("sha256", "sha256sum"), ("md5", "md5sum"))
PROBE_PATH = b"/dev/null"
PROBE_SECONDS = 15.0
BATCH_PATHS = 2000
BATCH_BYTES = 1 << 20
# Beyond the records a batch can produce, this much of anything else (a login
# script printing a greeting) is tolerated before the command is stopped.
SLACK_BYTES = 64 * 1024
_HEX = re.compile(rb"[0-9a-f]+\Z")
# Between the digest and the path: two spaces (text mode) or space-star (binary); paths are absolute.
_SEPARATOR = re.compile(rb"(?:  | \*)/")

_hashers: "weakref.WeakKeyDictionary[object, ServerHasher | None]" = weakref.WeakKeyDictionary()


class ServerHasher:
    """Digests of files on one server, computed there; `algorithm` is a hashlib name."""

    def __init__(self, open_process: OpenProcess, algorithm: str, tool: str) -> None:
        self.open_process = open_process
        self.algorithm = algorithm
        self.tool = tool
        self.hex_length = hashlib.new(algorithm).digest_size * 2

    @property
    def command(self) -> str:
        return f"xargs -0 {self.tool} -z --"

    async def digests(self, paths: Iterable[bytes]) -> dict[bytes, bytes]:
        """path -> digest for every path the server could hash (missing ones: unreadable or odd names)."""
        found: dict[bytes, bytes] = {}
        for batch in _batches([p for p in paths if p and b"\0" not in p]):
            found.update(await self._batch(batch))
        return found

    async def _batch(self, paths: list[bytes]) -> dict[bytes, bytes]:
        cap = sum(len(p) + self.hex_length + 3 for p in paths) + SLACK_BYTES
        output = await run_capped(self.open_process, self.command, b"".join(p + b"\0" for p in paths), cap)
        return parse_records(output or b"", paths, self.hex_length)


def _batches(paths: list[bytes]) -> Iterable[list[bytes]]:
    batch: list[bytes] = []
    size = 0
    for path in paths:
        if batch and (len(batch) >= BATCH_PATHS or size + len(path) > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += len(path) + 1
    if batch:
        yield batch


def parse_records(output: bytes, paths: list[bytes], hex_length: int) -> dict[bytes, bytes]:
    """Match NUL-terminated `HEX  PATH` records to the paths asked for; anything else is ignored.

    A path the server could not read prints nothing on stdout; text that is
    not a record for a path that was asked for (a login script's greeting,
    even one glued before the first record) is dropped.
    """
    wanted = set(paths)
    found: dict[bytes, bytes] = {}
    for record in output.split(b"\0"):
        for separator in _SEPARATOR.finditer(record):
            path = record[separator.end() - 1:]
            digest = record[separator.start() - hex_length:separator.start()]
            if path in wanted and len(digest) == hex_length and _HEX.match(digest):
                found[path] = bytes.fromhex(digest.decode("ascii"))
                break
    return found


async def run_capped(open_process: OpenProcess, command: str, stdin: bytes, cap: int) -> bytes | None:
    """The command's standard output, or None when it could not run or printed more than `cap` bytes."""
    import asyncssh

    try:
        process = await open_process(command, encoding=None, request_pty=False, stderr=asyncssh.DEVNULL)
    except (asyncssh.Error, OSError, ConnectionError):
        return None
    try:
        process.stdin.write(stdin)
        process.stdin.write_eof()
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = await process.stdout.read(65536)
            if not chunk:
                break
            total += len(chunk)
            if total > cap:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
    except (asyncssh.Error, OSError, ConnectionError):
        return None
    finally:
        process.close()


async def probe(open_process: OpenProcess) -> ServerHasher | None:
    """The first tool whose output for /dev/null is exactly right, or None."""
    for algorithm, tool in ALGORITHMS:
        hasher = ServerHasher(open_process, algorithm, tool)
        expected = hashlib.new(algorithm, b"").hexdigest().encode("ascii") + b"  " + PROBE_PATH + b"\0"
        try:
            output = await asyncio.wait_for(
                run_capped(open_process, hasher.command, PROBE_PATH + b"\0", len(expected) + SLACK_BYTES), PROBE_SECONDS
            )
        except asyncio.TimeoutError:
            return None  # a command that never ends (a forced app command): no server hashing at all
        if output is not None and output.endswith(expected):
            return hasher
    return None


async def hasher_for(endpoint: object) -> ServerHasher | None:
    """The endpoint's server hasher (probed once per endpoint), or None for local or command-less endpoints."""
    open_process = getattr(endpoint, "commands", None)
    if open_process is None:
        return None
    if endpoint not in _hashers:
        _hashers[endpoint] = await probe(open_process)
    return _hashers[endpoint]
