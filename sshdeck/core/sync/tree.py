"""Walking one side of a sync: every folder listed concurrently, no name trusted.

Unlike the copy walker (transfer/walker.py), which walks the user's selection
folder by folder, a sync must list whole trees on both sides before it can
say anything, so folders are listed `concurrency` at a time (each listing is
itself pipelined in core/fs).  The rules are the walker's: every name is
checked (no '/', NUL, '.', '..'), a name listed twice is refused, links are
never followed (they are neither copied nor deleted), sshdeck's own
temporary files are ignored, each folder listing is capped and the whole tree
is capped by the same entry count.  Excluded names are not descended into.
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
_FILE, _DIR = EntryKind.FILE, EntryKind.DIR
_ODD = (b"", b".", b"..")
_UNSAFE = re.compile(r"[^\x20-\x7e]")


def inert(text: str) -> str:
    """Control and format characters escaped (a server's error text may hold them); paths already shown stay as they are."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        return display_name(char.encode("utf-8", "surrogateescape")) if unicodedata.category(char)[0] == "C" else char

    return _UNSAFE.sub(escape, text)


@dataclass
class Tree:
    """What one side holds, by relative path (parents before children in `entries` order)."""

    entries: dict[Rel, Stat] = field(default_factory=dict)
    # Folders whose listing failed or stopped: nothing below them may be deleted.
    incomplete: set[Rel] = field(default_factory=set)
    # Paths present but left alone: links, devices, unsafe names.
    ignored: set[Rel] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


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
        self._name = re.compile("|".join(names), re.DOTALL).match if names else None
        self._path = re.compile("|".join(paths), re.DOTALL).match if paths else None

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


def _quick(tree: Tree, folder: Rel, table: dict[bytes, Stat], excludes: Excludes) -> list[Rel]:
    """A folder whose names are all safe and distinct (the usual case): its entries added in a few passes.

    The tree's cost is per entry, so this avoids Python work per name where
    it can: the checks were made on the whole listing, and kinds are sorted out
    in one loop.
    """
    if excludes:
        table = {name: stat for name, stat in table.items() if not excludes.match(folder + (name,))}
    dirs: list[bytes] = []
    odd: list[bytes] = []
    for name, stat in table.items():
        kind = stat.kind
        if kind is not _FILE:
            (dirs if kind is _DIR else odd).append(name)
    for name in odd:
        tree.ignored.add(folder + (name,))
        del table[name]
    for name in [name for name in table if name[:1] == b"." and is_part_name(name)]:
        if table[name].kind is _FILE:
            del table[name]  # sshdeck's own partial files
    tree.entries.update(zip([folder + (name,) for name in table], table.values()))
    return [folder + (name,) for name in dirs]


def _careful(tree: Tree, label: str, folder: Rel, listing: list[tuple[bytes, Stat]], excludes: Excludes) -> list[Rel]:
    """A folder with a duplicate or an unsafe name: entry by entry, each problem reported."""
    dups = duplicates(name for name, _ in listing)
    children: list[Rel] = []
    entries, checking = tree.entries, bool(excludes)
    for name, stat in listing:
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
        kind = stat.kind
        if kind is _FILE:
            if name[:1] != b"." or not is_part_name(name):
                entries[rel] = stat
        elif kind is _DIR:
            entries[rel] = stat
            children.append(rel)
        else:
            tree.ignored.add(rel)
    return children


async def scan_tree(
    endpoint: Endpoint,
    excludes: Excludes | None = None,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    max_entries: int | None = None,
) -> Tree:
    """Every folder and regular file below the endpoint's root (the root itself not included)."""
    excludes = excludes or Excludes()
    limit = max_entries or configured_limits().entries
    tree = Tree()
    gate = asyncio.Semaphore(concurrency)
    full: list[Rel] = []

    async def visit(folder: Rel) -> None:
        if full:
            return
        async with gate:
            try:
                listing = await endpoint.scandir(folder)
            except ListingLimitError as exc:
                tree.incomplete.add(folder)
                tree.problems.append(inert(str(exc)))
                return
            except Exception as exc:  # noqa: BLE001 - the folder fails, the scan goes on
                tree.incomplete.add(folder)
                tree.problems.append(inert(f"{endpoint.label}: {show(folder)}: cannot list: {describe(exc)}"))
                return
        table = dict(listing)
        if len(table) != len(listing) or not table.keys().isdisjoint(_ODD) or _slash_or_nul(table):
            children = _careful(tree, endpoint.label, folder, listing, excludes)
        else:
            children = _quick(tree, folder, table, excludes)
        if len(tree.entries) > limit:
            # The whole tree is then incomplete: nothing will be deleted on this side's account.
            if not full:
                full.append(folder)
            return
        if children:
            await asyncio.gather(*(visit(child) for child in children))

    await visit(())
    if full:
        tree.incomplete.add(())
        tree.problems.append(
            f"{endpoint.label}: {show(full[0])}: stopped after {limit:,} entries (limit listing_entries in settings.toml)"
        )
    return tree
