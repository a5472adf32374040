"""Scanning a big local tree in a child process, beside the remote side's listing.

A sync plan lists both trees at once, but in one process both sides share
one interpreter lock: the lstat of every local file and the parsing of the
remote listing took turns (100,000 files a side: ~0.35 s and ~0.5 s of CPU,
one after the other).  Here the local side starts in-process, folder after
folder, and once it has seen `CHILD_FROM` entries with folders still to go,
those folders are handed to a child process (`local_scan_child.py`, run as
`python -I -S`), which lists them on the other core and sends back one
ready-made table per folder (marshal).  A small tree never pays for a
process start: one costs 10-30 ms of wall time (the interpreter starting),
and the in-process scan ~4.5 us of this process's CPU an entry, so the two
break even around 3,000 entries (measured on the project's 2-core machine,
2026-11-29: 1,000 entries in 4.8 ms in-process; 100,000 in 0.27 s of the
child's CPU and 0.04 s of this process's, against 0.42 s in-process).

The child keeps the in-process rules: folders opened from the root with
O_NOFOLLOW component by component (a link is never entered), the listing
limits counted per folder, the excludes' own regular expressions, partial
files left out; its reports become the same tree, problems and messages as
the in-process scan (tests/core/test_sync_local_scan.py compares them).  A
child that dies stops the plan with a one-line error; a cancelled plan
kills it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import marshal
import os
import signal
import subprocess
import sys
from pathlib import Path

from sshdeck.core.fs.names import display_path
from sshdeck.core.sync.tree import Excludes, Tree, inert, list_into, stopped
from sshdeck.core.transfer.endpoints import Endpoint, Rel
from sshdeck.core.transfer.errors import TransferError, describe
from sshdeck.core.transfer.local import LocalEndpoint
from sshdeck.core.transfer.names import show

# Entries listed in-process before the rest of the tree goes to a child (see the module docstring).
CHILD_FROM = 3_000
_CHILD_SOURCE = Path(__file__).with_name("local_scan_child.py")


def child_argv() -> list[str]:
    """The child's command line: this interpreter, isolated, without site (a fast start)."""
    if not sys.executable:
        raise _NoChild()
    return [sys.executable, "-I", "-S", "-c", _CHILD_SOURCE.read_text(encoding="utf-8")]


async def scan_local(endpoint: Endpoint, excludes: Excludes, tree: Tree, limit: int, child_from: int | None = None) -> bool:
    """Scan `endpoint` into `tree` when it is a local folder (True); False leaves it to the caller."""
    if not isinstance(endpoint, LocalEndpoint):
        return False
    pending = await _scan_here(endpoint, excludes, tree, limit, [()], CHILD_FROM if child_from is None else child_from)
    if pending:
        try:
            await _scan_in_child(endpoint, excludes, tree, limit, pending[::-1])
        except _NoChild:
            # No process could be started (e.g. no interpreter to run): the slower way, in this one.
            await _scan_here(endpoint, excludes, tree, limit, pending, None)
    return True


async def _scan_here(
    endpoint: LocalEndpoint, excludes: Excludes, tree: Tree, limit: int, pending: list[Rel], threshold: int | None
) -> list[Rel]:
    """Folders listed in this process, depth first, until the tree holds more than `threshold` entries; what is left."""
    while pending and (threshold is None or tree.count <= threshold):
        folder = pending.pop()
        children = await list_into(tree, endpoint, folder, excludes)
        if tree.count > limit:
            stopped(tree, endpoint, folder, limit)
            return []
        pending.extend(reversed(children))
    return pending


class _NoChild(Exception):
    """The child process could not be started."""


async def _scan_in_child(endpoint: LocalEndpoint, excludes: Excludes, tree: Tree, limit: int, tops: list[Rel]) -> None:
    limits = endpoint.limits
    request = marshal.dumps((
        endpoint.root, tops, excludes.name_pattern, excludes.path_pattern,
        limits.entries, limits.name_bytes, limit - tree.count,
    ))
    argv = child_argv()
    try:
        child = await asyncio.create_subprocess_exec(
            *argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
    except (OSError, ValueError):
        raise _NoChild() from None
    assert child.stdin is not None and child.stdout is not None
    try:
        child.stdin.write(request)
        child.stdin.close()
        await _read_reports(endpoint, excludes, tree, limit, tops, child.stdout)
    except (asyncio.IncompleteReadError, ValueError, EOFError, TypeError, IndexError, BrokenPipeError, ConnectionResetError) as exc:
        if not isinstance(exc, asyncio.IncompleteReadError):
            _kill(child)  # garbled: it may still be running
        status = await child.wait()
        raise TransferError(
            f"local: the process listing the folder stopped before it finished (exit status {status}); nothing was planned"
        ) from None
    finally:
        _kill(child)
        await child.wait()


def _kill(child: asyncio.subprocess.Process) -> None:
    if child.returncode is None:
        # Not `child.kill()`: its poll() could reap the child under asyncio's watcher (a warning, status 255).
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGKILL)


async def _read_reports(
    endpoint: LocalEndpoint, excludes: Excludes, tree: Tree, limit: int, tops: list[Rel], stream: asyncio.StreamReader
) -> None:
    folders: list[Rel] = []  # by report index
    asked = iter(tops)
    while True:
        size = int.from_bytes(await stream.readexactly(4), "little")
        parent, name, status, detail, table, dirs, odd = marshal.loads(await stream.readexactly(size))
        if parent == -2:
            if status == "full":
                stopped(tree, endpoint, folders[-1], limit)
            return
        folder = next(asked, None) if parent == -1 else folders[parent] + (name,)
        if folder is None:
            raise ValueError("a report for a folder that was not asked for")
        folders.append(folder)
        if status == "ok":
            for item in odd:
                tree.ignored.add(folder + (item,))
            tree.add(folder, table)
        elif status == "limit":
            delivered, setting = detail
            path = os.fsdecode(b"/".join((endpoint.root.rstrip(b"/") or b"", *folder)) or b"/")
            tree.incomplete.add(folder)
            tree.problems.append(inert(
                f"{display_path(path)}: stopped listing after {delivered:,} entries (limit {setting} in settings.toml)"
            ))
        else:
            number, reason, component = detail
            if component and number in (errno.ELOOP, errno.ENOTDIR):
                why = f"{show(folder)}: {component!r} is not a real folder (a link or a file)"
            else:
                why = describe(OSError(number, reason))
            tree.incomplete.add(folder)
            tree.problems.append(inert(f"{endpoint.label}: {show(folder)}: cannot list: {why}"))
