"""`.sshdeckignore`: a list of exclude globs kept at the top of a folder that is synced.

One glob a line, as `--exclude` takes them; blank lines and lines starting
with `#` are skipped; surrounding spaces are dropped.  The file may come
from a hostile server, so it is read, never run: at most `MAX_BYTES` are
read (a bigger file stops the sync: using part of it could delete what the
rest excludes), at most `MAX_GLOBS` globs are taken, a link is not followed,
and its globs are only ever matched against names and shown escaped.  A
`!pattern` line (gitignore's re-include) is not supported: it is skipped with a
note, which can only exclude more, never less.  The file itself is synced like
any other file unless a glob excludes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sshdeck.core.sync.tree import inert
from sshdeck.core.transfer.endpoints import Endpoint
from sshdeck.core.transfer.errors import TransferError, describe

IGNORE_FILE = ".sshdeckignore"
MAX_BYTES = 64 * 1024
MAX_GLOBS = 256
MAX_GLOB = 256


@dataclass
class IgnoreList:
    """The globs a `.sshdeckignore` gave, and what was skipped in it (one line each, escaped)."""

    globs: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


def parse_ignore(data: bytes, where: str) -> IgnoreList:
    """The globs in the text of an ignore file (`where` names it in the notes)."""
    if len(data) > MAX_BYTES:
        raise TransferError(f"{where}: larger than {MAX_BYTES // 1024} KiB, not used (sync stopped)")
    text = data.decode("utf-8", "surrogateescape")
    globs: list[str] = []
    result = IgnoreList()
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("!"):
            result.notes.append(f"{where}:{number}: '!' (re-include) is not supported; line skipped")
            continue
        if len(line) > MAX_GLOB:
            raise TransferError(f"{where}:{number}: a glob longer than {MAX_GLOB} characters (sync stopped)")
        if line not in globs:
            globs.append(line)
    if len(globs) > MAX_GLOBS:
        raise TransferError(f"{where}: more than {MAX_GLOBS} globs, not used (sync stopped)")
    result.globs = tuple(globs)
    return result


async def read_ignore_file(endpoint: Endpoint) -> IgnoreList:
    """The `.sshdeckignore` at the top of `endpoint` (empty when there is none).

    A file that is there but cannot be read whole stops the planning
    (TransferError): syncing without its globs could delete what they exclude.
    """
    rel = (IGNORE_FILE.encode(),)
    where = inert(f"{endpoint.label}: {IGNORE_FILE}")
    found = await endpoint.lstat(rel)
    if found is None:
        return IgnoreList()
    if not found.is_file:
        return IgnoreList(notes=[f"{where}: not a regular file (a link or a folder), not read"])
    try:
        reader = await endpoint.open_read(rel)
    except Exception as exc:  # noqa: BLE001 - one line, the sync stops
        raise TransferError(f"{where}: cannot read: {inert(describe(exc))}") from None
    try:
        data = b""
        # One read past the cap tells a too-big file from one exactly at it.
        while len(data) <= MAX_BYTES:
            chunk = await reader.read(len(data), MAX_BYTES + 1 - len(data))
            if not chunk:
                break
            data += chunk
    except Exception as exc:  # noqa: BLE001
        raise TransferError(f"{where}: cannot read: {inert(describe(exc))}") from None
    finally:
        await reader.close()
    return parse_ignore(data, where)


def excluding_text(groups: list[tuple[str, tuple[str, ...]]]) -> str:
    """`*.log, cache (--exclude); .git (.sshdeckignore)`: every glob and where it came from (if named), escaped."""
    parts = [", ".join(inert(glob) for glob in globs) + (f" ({origin})" if origin else "") for origin, globs in groups if globs]
    return "; ".join(parts) or "nothing"
