"""Expanding the user's selection into folders and files, trusting no name.

This replaces asyncssh's `recurse=True`, which follows server-chosen names
and links.  Every listed name is validated (names.py) before it becomes a
path, duplicates and case collisions are refused, links are skipped unless
asked for, and when they are followed each folder is entered at most once
(visited file ids) and never deeper than `MAX_DEPTH`.  Each folder's listing
is the capped one of core/fs (settings.toml [limits]): a folder past the limit
is refused whole, with a message naming it.  A link is never recreated at the
destination: at most its target's bytes are copied.

The plan is held in memory before anything moves, so it is bounded twice:
the whole plan, across all folders, holds at most `copy_entries` entries
(settings.toml; a folder's listing is itself stopped at the room left, so an
endless folder costs no more than that), and each entry is one compact
`TransferItem` (slots; a file's destination path is the same tuple as its
source path when the names agree).  A plan past the cap is refused whole:
nothing is copied, and the message names the folder where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from operator import itemgetter
from typing import Hashable, Iterable

from sshdeck.core.fs.base import EntryKind
from sshdeck.core.fs.limits import ListingLimitError, configured_limits
from sshdeck.core.fs.names import display_name, display_path
from sshdeck.core.transfer.endpoints import Endpoint, Rel, Stat
from sshdeck.core.transfer.errors import describe
from sshdeck.core.transfer.model import ItemState, TransferItem
from sshdeck.core.transfer.names import (
    POSIX,
    NameRules,
    case_collisions,
    is_part_name,
    name_problem,
    show,
)

MAX_DEPTH = 64

# The stat of an entry that could not be looked at (one shared, frozen object).
_UNKNOWN = Stat(EntryKind.OTHER)


@dataclass(frozen=True)
class WalkOptions:
    recursive: bool = True
    follow_links: bool = False
    dest_rules: NameRules = POSIX
    max_depth: int = MAX_DEPTH
    # Entries the whole plan may hold; None: copy_entries from settings.toml.
    max_entries: int | None = None


class _PlanFull(Exception):
    """The plan reached its cap while listing the folder in args[0]."""


class _Plan:
    """The items found so far, numbered in walk order (the engine's item ids)."""

    def __init__(self, max_entries: int) -> None:
        self.items: list[TransferItem] = []
        self.max_entries = max_entries

    @property
    def room(self) -> int:
        return self.max_entries - len(self.items)

    def add(self, src: Rel, dst: Rel, stat: Stat, kind: str, follow: bool = False) -> None:
        self.items.append(TransferItem(len(self.items), kind, src, dst, stat, follow))

    def refuse(self, src: Rel, dst: Rel, stat: Stat, kind: str, reason: str) -> None:
        """An entry not copied: "skipped" by rule, or an "error"."""
        item = TransferItem(len(self.items), kind, src, dst, stat)
        item.state = ItemState.SKIPPED if kind == "skipped" else ItemState.FAILED
        item.error = reason
        self.items.append(item)

    def check(self, folder: Rel) -> None:
        if len(self.items) > self.max_entries:
            raise _PlanFull(folder)


async def walk(source: Endpoint, requests: Iterable[tuple[Rel, Rel]], options: WalkOptions) -> list[TransferItem]:
    """Everything to do for `requests` ((source path, destination path) pairs), parents before children.

    Refused entries come back with their state (SKIPPED or FAILED) and reason
    (`error`) set.  A plan past the cap comes back as that one failed item.
    """
    max_entries = options.max_entries or configured_limits().copy_entries
    plan = _Plan(max_entries)
    visited: set[Hashable] = set()
    try:
        await _walk_requests(source, requests, options, plan, visited)
    except _PlanFull as full:
        folder = full.args[0]
        plan.items.clear()  # refused whole: a partial plan would copy an arbitrary part
        plan.refuse(folder, folder, _UNKNOWN, "error", (
            f"{_where(source, folder)}: stopped planning the copy after {max_entries:,} entries "
            "(limit copy_entries in settings.toml); nothing was copied"
        ))
    return plan.items


def _where(source: Endpoint, rel: Rel) -> str:
    """The folder as the user knows it: its full path when the endpoint has a root folder."""
    root = getattr(source, "root", None)
    if not isinstance(root, bytes):
        return show(rel)
    full = b"/".join((root.rstrip(b"/"), *rel)) if rel else root
    return display_path(full.decode("utf-8", "surrogateescape"))


async def _walk_requests(
    source: Endpoint,
    requests: Iterable[tuple[Rel, Rel]],
    options: WalkOptions,
    plan: _Plan,
    visited: set[Hashable],
) -> None:
    for src, dst in requests:
        problem = _path_problem(src, POSIX) or _path_problem(dst, options.dest_rules)
        if problem:
            plan.refuse(src, dst, _UNKNOWN, "error", problem)
            continue
        try:
            found = await source.lstat(src)
            follow = False
            if found is not None and found.is_link:
                # A link the user named explicitly is followed, as `cp -H` does.
                found, follow = await source.stat(src), True
                if found is None:
                    plan.refuse(src, dst, _UNKNOWN, "skipped", f"{show(src)}: dangling link")
                    continue
        except Exception as exc:  # noqa: BLE001 - reported per item
            plan.refuse(src, dst, _UNKNOWN, "error", f"{show(src)}: {describe(exc)}")
            continue
        if found is None:
            plan.refuse(src, dst, _UNKNOWN, "error", f"{show(src)}: no such file or folder")
        elif found.is_file:
            plan.add(src, dst, found, "file", follow)
        elif found.is_dir:
            if not options.recursive:
                plan.refuse(src, dst, found, "error", f"{show(src)}: is a folder (use -r)")
                continue
            plan.add(src, dst, found, "dir", follow)
            await _walk_tree(source, src, dst, options, visited, plan, follow)
        else:
            plan.refuse(src, dst, found, "skipped", f"{show(src)}: not a regular file or folder")
        plan.check(src)


def _path_problem(rel: Rel, rules: NameRules) -> str | None:
    for name in rel:
        problem = name_problem(name, rules)
        if problem:
            return f"{show(rel)}: {problem}"
    return None


async def _walk_tree(
    source: Endpoint,
    top_src: Rel,
    top_dst: Rel,
    options: WalkOptions,
    visited: set[Hashable],
    plan: _Plan,
    top_follow: bool,
) -> None:
    follow = options.follow_links
    if follow:
        visited.add(await source.identity(top_src))
    stack: list[tuple[Rel, Rel, int]] = [(top_src, top_dst, 0)]
    while stack:
        src_dir, dst_dir, depth = stack.pop()
        room = plan.room
        try:
            # Listed no further than the plan has room for: an endless folder stops there.
            listing = await source.scandir(src_dir, follow=follow or top_follow, max_entries=room)
        except ListingLimitError as exc:
            if exc.count >= room:
                raise _PlanFull(src_dir) from None
            # Nothing of that folder is copied; its message names it and the setting.
            plan.refuse(src_dir, dst_dir, _UNKNOWN, "error", str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - the folder fails, the walk goes on
            plan.refuse(src_dir, dst_dir, _UNKNOWN, "error", f"{show(src_dir)}: cannot list: {describe(exc)}")
            continue
        # Sorted in place; a name listed twice then sits next to itself (no set of every name).
        listing.sort(key=itemgetter(0))
        dups = {a for (a, _), (b, _) in zip(listing, islice(listing, 1, None)) if a == b}
        collide = case_collisions(name for name, _ in listing) if options.dest_rules.case_insensitive else set()
        same = src_dir == dst_dir  # then each entry's two paths are one tuple
        subdirs: list[tuple[Rel, Rel, int]] = []
        for name, found in listing:
            src = src_dir + (name,)
            dst = src if same else dst_dir + (name,)
            reason = _refusal(name, found, dups, collide, options.dest_rules)
            if reason:
                # The folder plus the quoted name: "a/../x" must not read like a path.
                plan.refuse(src, dst, found, "error", f"{show(src_dir)}: entry '{display_name(name)}': {reason}")
                continue
            via_link = False
            if found.is_link:
                if not follow:
                    plan.refuse(src, dst, found, "skipped", f"{show(src)}: symbolic link skipped")
                    continue
                target = await _stat_or_none(source, src)
                if target is None:
                    plan.refuse(src, dst, found, "skipped", f"{show(src)}: dangling link skipped")
                    continue
                found, via_link = target, True
            if found.is_file:
                if is_part_name(name):
                    plan.refuse(src, dst, found, "skipped", f"{show(src)}: unfinished sshdeck transfer")
                    continue
                plan.add(src, dst, found, "file", via_link)
            elif found.is_dir:
                if depth + 1 > options.max_depth:
                    plan.refuse(src, dst, found, "error", f"{show(src)}: deeper than {options.max_depth} levels")
                    continue
                if follow:
                    ident = await source.identity(src)
                    if ident in visited:
                        plan.refuse(src, dst, found, "skipped", f"{show(src)}: link loop (folder already copied)")
                        continue
                    visited.add(ident)
                plan.add(src, dst, found, "dir", via_link)
                subdirs.append((src, dst, depth + 1))
            else:
                plan.refuse(src, dst, found, "skipped", f"{show(src)}: not a regular file or folder")
        del listing
        plan.check(src_dir)
        # Reversed so the stack pops them in name order.
        stack.extend(reversed(subdirs))


def _refusal(name: bytes, found: Stat, dups: set[bytes], collide: set[bytes], rules: NameRules) -> str | None:
    problem = name_problem(name, POSIX)
    if problem:
        return f"unsafe name from the source: {problem}"
    if name in dups:
        return "the listing holds this name more than once (refused)"
    problem = name_problem(name, rules)
    if problem:
        return f"cannot be stored at the destination: {problem}"
    if name in collide:
        return "collides with another name on the case-insensitive destination"
    return None


async def _stat_or_none(source: Endpoint, rel: Rel) -> Stat | None:
    try:
        return await source.stat(rel)
    except Exception:  # noqa: BLE001 - a link we cannot resolve is skipped
        return None
