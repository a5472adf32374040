"""Walking one side of a sync: every folder listed concurrently, no name trusted.

Unlike the copy walker (transfer/walker.py), which walks the user's selection
folder by folder, a sync must list whole trees on both sides before it can
say anything, so folders are listed `concurrency` at a time (each listing is
itself pipelined: remote_rows.py), and a big local tree by a child process
beside the remote listing (local_scan.py).  The rules are the walker's: every
name is checked (no '/', NUL, '.', '..'), a name listed twice is refused,
links are never followed (they are neither copied nor deleted), sshdeck's
own temporary files are ignored, each folder listing is capped and the whole
tree is capped by the same entry count.  Excluded names are not descended into.

A tree is kept as one table per folder, name -> `Row` (plain tuples): a
100,000-entry side costs no object per entry until something asks for
`Tree.entries`.
"""

from __future__ import annotations

import asyncio
import fnmatch
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

from sshdeck.core.fs.base import EntryKind
from sshdeck.core.fs.limits import ListingLimitError, configured_limits
from sshdeck.core.fs.names import display_name
from sshdeck.core.transfer.endpoints import Endpoint, Rel, Stat
from sshdeck.core.transfer.errors import describe
from sshdeck.core.transfer.names import duplicates, is_part_name, name_problem, show

DEFAULT_CONCURRENCY = 16
_ODD = (b"", b".", b"..")
_UNSAFE = re.compile(r"[^\x20-\x7e]")


def inert(text: str) -> str:
    """Control and format characters escaped (a server's error text may hold them); paths already shown stay as they are."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        return display_name(char.encode("utf-8", "surrogateescape")) if unicodedata.category(char)[0] == "C" else char

    return _UNSAFE.sub(escape, text)


# One entry of a folder, as plain data: (kind code, size, mtime, mode).  A sync
# plan of 100,000 entries that are alike on both sides builds no object per
# entry: folders are compared as dicts of these, and `Stat`s are made only for
# what differs (or when `Tree.entries` is asked for).
Row = tuple[int, int, "float | None", "int | None"]
OTHER, FILE, DIR, LINK = 0, 1, 2, 3
CODES = {EntryKind.FILE: FILE, EntryKind.DIR: DIR, EntryKind.LINK: LINK, EntryKind.OTHER: OTHER}
KINDS = {code: kind for kind, code in CODES.items()}


# One folder's listing: raw names and their rows, in the same order.
Listing = tuple[list[bytes], list[Row]]


def row_stat(row: Row) -> Stat:
    return Stat(KINDS[row[0]], row[1], row[2], row[3])


@dataclass
class Tree:
    """What one side holds: each listed folder's entries by name (parents listed before children)."""

    folders: dict[Rel, dict[bytes, Row]] = field(default_factory=dict)
    # Folders whose listing failed or stopped: nothing below them may be deleted.
    incomplete: set[Rel] = field(default_factory=set)
    # Paths present but left alone: links, devices, unsafe names.
    ignored: set[Rel] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    count: int = 0  # entries held (folders and files)
    _entries: dict[Rel, Stat] | None = field(default=None, repr=False, compare=False)

    def add(self, folder: Rel, table: dict[bytes, Row]) -> None:
        self.folders[folder] = table
        self.count += len(table)
        self._entries = None

    def row(self, rel: Rel) -> Row | None:
        table = self.folders.get(rel[:-1]) if rel else None
        return None if table is None else table.get(rel[-1])

    def stat(self, rel: Rel) -> Stat | None:
        row = self.row(rel)
        return None if row is None else row_stat(row)

    def has(self, rel: Rel) -> bool:
        return self.row(rel) is not None

    @property
    def entries(self) -> dict[Rel, Stat]:
        """Every entry by relative path, as `Stat`s (made on first use: planning a one-way sync needs none)."""
        if self._entries is None:
            kinds = KINDS
            self._entries = {
                folder + (name,): Stat(kinds[row[0]], row[1], row[2], row[3])
                for folder, table in self.folders.items()
                for name, row in table.items()
            }
        return self._entries


class Excludes:
    """`--exclude GLOB`: a glob without '/' matches a name anywhere; with '/', the path from the top.

    All globs are compiled into two regular expressions (names, paths), so
    matching costs one call per entry however many globs there are.
    """

    def __init__(self, globs: Iterable[str] = ()) -> None:
        # "cache/" means the folder cache: the slashes at the ends say nothing more.
        self.globs = list(dict.fromkeys(g.strip("/") for g in globs if g.strip("/")))
        names = [fnmatch.translate(g) for g in self.globs if "/" not in g]
        paths = [fnmatch.translate(g) for g in self.globs if "/" in g]
        # The expressions' text, for a scan in a child process (local_scan.py) to compile the same.
        self.name_pattern = "|".join(names)
        self.path_pattern = "|".join(paths)
        self._name = re.compile(self.name_pattern, re.DOTALL).match if names else None
        self._path = re.compile(self.path_pattern, re.DOTALL).match if paths else None

    def __bool__(self) -> bool:
        return bool(self.globs)

    def match(self, rel: Rel) -> bool:
        if self._name is not None and self._name(rel[-1].decode("utf-8", "surrogateescape")):
            return True
        return self._path is not None and self._path(b"/".join(rel).decode("utf-8", "surrogateescape")) is not None


def _slash_or_nul(names: Iterable[bytes]) -> bool:
    """Whether any name holds '/' or NUL, tested on one joined string (no loop in Python)."""
    joined = b"\0".join(names)
    return b"/" in joined or joined.count(b"\0") != len(names) - 1  # type: ignore[arg-type]


def _quick(tree: Tree, folder: Rel, table: dict[bytes, Row], excludes: Excludes) -> list[Rel]:
    """A folder whose names are all safe and distinct (the usual case): its table kept as it is, in a few passes.

    The tree's cost is per entry, so this avoids Python work per name where
    it can: the checks were made on the whole listing, and kinds are sorted out
    in one pass.
    """
    if excludes:
        table = {name: row for name, row in table.items() if not excludes.match(folder + (name,))}
    dirs: list[bytes] = []
    odd: list[bytes] = []
    for name in [name for name, row in table.items() if row[0] != FILE]:
        (dirs if table[name][0] == DIR else odd).append(name)
    for name in odd:
        tree.ignored.add(folder + (name,))
        del table[name]
    for name in [name for name in table if name[:1] == b"." and is_part_name(name)]:
        if table[name][0] == FILE:
            del table[name]  # sshdeck's own partial files
    tree.add(folder, table)
    return [folder + (name,) for name in dirs]


def _careful(tree: Tree, label: str, folder: Rel, listing: Listing, excludes: Excludes) -> list[Rel]:
    """A folder with a duplicate or an unsafe name: entry by entry, each problem reported."""
    dups = duplicates(listing[0])
    children: list[Rel] = []
    table: dict[bytes, Row] = {}
    checking = bool(excludes)
    for name, row in zip(*listing):
        rel = folder + (name,)
        # name_problem's POSIX rules, asked only when a cheap test says something is off.
        problem = name_problem(name) if (b"/" in name or b"\0" in name or name in _ODD) else None
        if problem or name in dups:
            why = problem or "listed more than once"
            tree.incomplete.add(folder)
            tree.problems.append(f"{label}: {show(folder)}: entry '{display_name(name)}' left alone: {why}")
            continue
        if checking and excludes.match(rel):
            continue
        kind = row[0]
        if kind == FILE:
            if name[:1] != b"." or not is_part_name(name):
                table[name] = row
        elif kind == DIR:
            table[name] = row
            children.append(rel)
        else:
            tree.ignored.add(rel)
    tree.add(folder, table)
    return children


def take_listing(tree: Tree, label: str, folder: Rel, listing: Listing, excludes: Excludes) -> list[Rel]:
    """One folder's raw listing into the tree, every name checked; the folders to list next."""
    table = dict(zip(*listing))
    if len(table) != len(listing[0]) or not table.keys().isdisjoint(_ODD) or _slash_or_nul(table):
        return _careful(tree, label, folder, listing, excludes)
    return _quick(tree, folder, table, excludes)


async def list_rows(endpoint: Endpoint, folder: Rel) -> Listing:
    """A folder's entries as rows: the lean SFTP listing when the session allows it, else the endpoint's `scandir`."""
    from sshdeck.core.sync.remote_rows import lean_listing, remote_rows  # here: it imports this module

    if lean_listing(endpoint):
        return await remote_rows(endpoint, folder)  # type: ignore[arg-type]
    codes = CODES
    found = await endpoint.scandir(folder)
    return [name for name, _ in found], [(codes[s.kind], s.size, s.mtime, s.mode) for _, s in found]


async def list_into(tree: Tree, endpoint: Endpoint, folder: Rel, excludes: Excludes) -> list[Rel]:
    """One folder listed into `tree`, every name checked; the folders below it to list next.

    A folder that cannot be listed, or passes a listing limit, is marked
    incomplete with its problem (nothing below it will be deleted), and the
    scan goes on.
    """
    try:
        listing = await list_rows(endpoint, folder)
    except ListingLimitError as exc:
        tree.incomplete.add(folder)
        tree.problems.append(inert(str(exc)))
        return []
    except Exception as exc:  # noqa: BLE001 - the folder fails, the scan goes on
        tree.incomplete.add(folder)
        tree.problems.append(inert(f"{endpoint.label}: {show(folder)}: cannot list: {describe(exc)}"))
        return []
    return take_listing(tree, endpoint.label, folder, listing, excludes)


async def scan_tree(
    endpoint: Endpoint,
    excludes: Excludes | None = None,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    max_entries: int | None = None,
) -> Tree:
    """Every folder and regular file below the endpoint's root (the root itself not included).

    A local folder is scanned by a child process when it is big enough to
    pay for one (local_scan.py): its system calls then run beside the
    remote side's parsing instead of under the same interpreter lock.
    """
    excludes = excludes or Excludes()
    limit = max_entries or configured_limits().entries
    tree = Tree()
    from sshdeck.core.sync.local_scan import scan_local  # here: it imports this module

    if await scan_local(endpoint, excludes, tree, limit):
        return tree
    await _scan_in_process(endpoint, excludes, tree, limit, [()], concurrency)
    return tree


async def _scan_in_process(
    endpoint: Endpoint, excludes: Excludes, tree: Tree, limit: int, tops: list[Rel], concurrency: int
) -> None:
    gate = asyncio.Semaphore(concurrency)
    full: list[Rel] = []

    async def visit(folder: Rel) -> None:
        if full:
            return
        async with gate:
            children = await list_into(tree, endpoint, folder, excludes)
        if tree.count > limit:
            # The whole tree is then incomplete: nothing will be deleted on this side's account.
            if not full:
                full.append(folder)
            return
        if children:
            await asyncio.gather(*(visit(child) for child in children))

    await asyncio.gather(*(visit(top) for top in tops))
    if full:
        stopped(tree, endpoint, full[0], limit)


def stopped(tree: Tree, endpoint: Endpoint, folder: Rel, limit: int) -> None:
    """The tree passed its entry limit while `folder` was added."""
    tree.incomplete.add(())
    tree.problems.append(
        f"{endpoint.label}: {show(folder)}: stopped after {limit:,} entries (limit listing_entries in settings.toml)"
    )
