"""Expanding the user's selection into folders and files, trusting no name.

This replaces asyncssh's `recurse=True`, which follows server-chosen names
and links.  Every listed name is validated (names.py) before it becomes a
path, duplicates and case collisions are refused, links are skipped unless
asked for, and when they are followed each folder is entered at most once
(visited file ids) and never deeper than `MAX_DEPTH`.  Each folder's listing
is the capped one of core/fs (settings.toml [limits]): a folder past the limit
is refused whole, with a message naming it; the whole plan is capped by the
same entry limit, so a tree of many big folders cannot grow it without end.  A link is never
recreated at the destination: at most its target's bytes are copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Iterable

from sshdeck.core.fs.base import EntryKind
from sshdeck.core.fs.limits import ListingLimitError, configured_limits
from sshdeck.core.fs.names import display_name
from sshdeck.core.transfer.endpoints import Endpoint, Rel, Stat
from sshdeck.core.transfer.errors import describe
from sshdeck.core.transfer.names import (
    POSIX,
    NameRules,
    case_collisions,
    duplicates,
    is_part_name,
    name_problem,
    show,
)

MAX_DEPTH = 64


@dataclass
class Planned:
    """One entry found by the walk: a folder or file to copy, or one refused with a reason."""

    src: Rel
    dst: Rel
    stat: Stat
    kind: str  # "dir", "file", "skipped" (by rule, not an error) or "error"
    follow: bool = False  # opened through a link
    reason: str = ""


@dataclass(frozen=True)
class WalkOptions:
    recursive: bool = True
    follow_links: bool = False
    dest_rules: NameRules = POSIX
    max_depth: int = MAX_DEPTH
    # Entries the whole plan may hold; None: listing_entries from settings.toml.
    max_entries: int | None = None


class _PlanFull(Exception):
    pass


async def walk(source: Endpoint, requests: Iterable[tuple[Rel, Rel]], options: WalkOptions) -> list[Planned]:
    """Everything to do for `requests` ((source path, destination path) pairs), parents before children."""
    out: list[Planned] = []
    visited: set[Hashable] = set()
    max_entries = options.max_entries or configured_limits().entries
    try:
        await _walk_requests(source, requests, options, out, visited, max_entries)
    except _PlanFull as full:
        out.append(Planned(full.args[0], full.args[1], Stat(_other()), "error", reason=(
            f"{show(full.args[0])}: stopped planning the copy after {max_entries:,} entries "
            "(limit listing_entries in settings.toml)"
        )))
    return out


async def _walk_requests(
    source: Endpoint,
    requests: Iterable[tuple[Rel, Rel]],
    options: WalkOptions,
    out: list[Planned],
    visited: set[Hashable],
    max_entries: int,
) -> None:
    for src, dst in requests:
        problem = _path_problem(src, POSIX) or _path_problem(dst, options.dest_rules)
        if problem:
            out.append(Planned(src, dst, Stat(_other()), "error", reason=problem))
            continue
        try:
            found = await source.lstat(src)
            follow = False
            if found is not None and found.is_link:
                # A link the user named explicitly is followed, as `cp -H` does.
                found, follow = await source.stat(src), True
                if found is None:
                    out.append(Planned(src, dst, Stat(_other()), "skipped", reason=f"{show(src)}: dangling link"))
                    continue
        except Exception as exc:  # noqa: BLE001 - reported per item
            out.append(Planned(src, dst, Stat(_other()), "error", reason=f"{show(src)}: {describe(exc)}"))
            continue
        if found is None:
            out.append(Planned(src, dst, Stat(_other()), "error", reason=f"{show(src)}: no such file or folder"))
        elif found.is_file:
            out.append(Planned(src, dst, found, "file", follow))
        elif found.is_dir:
            if not options.recursive:
                out.append(Planned(src, dst, found, "error", reason=f"{show(src)}: is a folder (use -r)"))
                continue
            out.append(Planned(src, dst, found, "dir", follow))
            await _walk_tree(source, src, dst, options, visited, out, follow, max_entries)
        else:
            out.append(Planned(src, dst, found, "skipped", reason=f"{show(src)}: not a regular file or folder"))


def _other() -> EntryKind:
    return EntryKind.OTHER


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
    out: list[Planned],
    top_follow: bool,
    max_entries: int,
) -> None:
    follow = options.follow_links
    if follow:
        visited.add(await source.identity(top_src))
    stack: list[tuple[Rel, Rel, int]] = [(top_src, top_dst, 0)]
    while stack:
        src_dir, dst_dir, depth = stack.pop()
        try:
            listing = await source.scandir(src_dir, follow=follow or top_follow)
        except ListingLimitError as exc:
            # Nothing of that folder is copied; its message names it and the setting.
            out.append(Planned(src_dir, dst_dir, Stat(_other()), "error", reason=str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - the folder fails, the walk goes on
            out.append(Planned(src_dir, dst_dir, Stat(_other()), "error", reason=f"{show(src_dir)}: cannot list: {describe(exc)}"))
            continue
        names = [name for name, _ in listing]
        dups = duplicates(names)
        collide = case_collisions(names) if options.dest_rules.case_insensitive else set()
        subdirs: list[tuple[Rel, Rel, int]] = []
        for name, found in sorted(listing, key=lambda pair: pair[0]):
            src, dst = src_dir + (name,), dst_dir + (name,)
            reason = _refusal(name, found, dups, collide, options.dest_rules)
            if reason:
                # The folder plus the quoted name: "a/../x" must not read like a path.
                out.append(Planned(src, dst, found, "error", reason=f"{show(src_dir)}: entry '{display_name(name)}': {reason}"))
                continue
            via_link = False
            if found.is_link:
                if not follow:
                    out.append(Planned(src, dst, found, "skipped", reason=f"{show(src)}: symbolic link skipped"))
                    continue
                target = await _stat_or_none(source, src)
                if target is None:
                    out.append(Planned(src, dst, found, "skipped", reason=f"{show(src)}: dangling link skipped"))
                    continue
                found, via_link = target, True
            if found.is_file:
                if is_part_name(name):
                    out.append(Planned(src, dst, found, "skipped", reason=f"{show(src)}: unfinished sshdeck transfer"))
                    continue
                out.append(Planned(src, dst, found, "file", via_link))
            elif found.is_dir:
                if depth + 1 > options.max_depth:
                    out.append(Planned(src, dst, found, "error", reason=f"{show(src)}: deeper than {options.max_depth} levels"))
                    continue
                if follow:
                    ident = await source.identity(src)
                    if ident in visited:
                        out.append(Planned(src, dst, found, "skipped", reason=f"{show(src)}: link loop (folder already copied)"))
                        continue
                    visited.add(ident)
                out.append(Planned(src, dst, found, "dir", via_link))
                subdirs.append((src, dst, depth + 1))
            else:
                out.append(Planned(src, dst, found, "skipped", reason=f"{show(src)}: not a regular file or folder"))
        if len(out) > max_entries:
            del out[max_entries:]
            raise _PlanFull(src_dir, dst_dir)
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
