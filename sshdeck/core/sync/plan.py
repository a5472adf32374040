"""A sync plan: the list of actions that would make one folder like another.

Nothing here changes anything: `plan_sync` lists both trees (tree.py) and
compares them.  A file differs when its size differs or its mtime differs by
more than `MTIME_SLACK` (SFTPv3 keeps whole seconds, FAT two), or, with
`checksum`, when its bytes differ.  Extra entries at the destination become
deletes only with `delete`, and never below a source folder whose listing
failed or stopped (it would look empty).  Links and excluded names on either
side are left alone.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field
from typing import Iterable

from sshdeck.core.sync.checksum import same_content
from sshdeck.core.sync.ignore_file import IGNORE_FILE, IgnoreList, excluding_text, read_ignore_file
from sshdeck.core.sync.tree import DIR, FILE, Excludes, Row, Tree, row_stat, scan_tree
from sshdeck.core.transfer.endpoints import Endpoint, Rel, Stat
from sshdeck.core.transfer.names import show

MTIME_SLACK = 2.0


class ActionKind(enum.Enum):
    COPY = "copy"  # new on the receiving side
    UPDATE = "update"  # changed: replaced atomically
    DELETE = "delete"  # not on the other side
    CONFLICT = "conflict"  # two-way: changed on both sides; never run


@dataclass
class SyncAction:
    """One line of the plan; `to_a` is True when it acts on the first folder (two-way only)."""

    kind: ActionKind
    rel: Rel
    size: int = 0
    is_dir: bool = False
    to_a: bool = False
    # Where a copy lands when it differs from `rel` (--keep-both copies).
    dst: Rel | None = None
    # For a folder delete: what it holds, as listed (deleted deepest first).
    contents: list[tuple[Rel, Stat]] = field(default_factory=list)
    # What the plan saw at the acted-on side; a delete checks it is unchanged.
    seen: Stat | None = None
    reason: str = ""

    @property
    def path(self) -> str:
        """The printable path (escaped), with '/' after a folder."""
        return show(self.dst or self.rel) + ("/" if self.is_dir else "")

    def line(self, two_way: bool = False) -> str:
        arrow = ("< " if self.to_a else "> ") if two_way and self.kind is not ActionKind.CONFLICT else ""
        text = f"{self.kind.value} {arrow}{self.path}"
        return f"{text} ({self.reason})" if self.reason else text


@dataclass
class SyncOptions:
    delete: bool = False
    checksum: bool = False
    excludes: tuple[str, ...] = ()
    keep_both: bool = False  # two-way: copy both versions of a conflict under new names
    mtime_slack: float = MTIME_SLACK
    # Also leave alone what the source folder's .sshdeckignore names (ignore_file.py).
    ignore_file: bool = True


@dataclass
class SyncPlan:
    actions: list[SyncAction]
    a: Tree
    b: Tree
    two_way: bool = False
    problems: list[str] = field(default_factory=list)
    # What was excluded: the globs given (options.excludes) and those of the .sshdeckignore file(s).
    excludes: tuple[str, ...] = ()
    ignore_globs: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    def excluding(self, given: str = "given") -> str:
        """One line: every glob that applied, and where it came from (`given` names options.excludes)."""
        return excluding_text([(given, self.excludes), (IGNORE_FILE, self.ignore_globs)])

    def count(self, kind: ActionKind) -> int:
        return sum(1 for action in self.actions if action.kind is kind)

    @property
    def bytes_to_copy(self) -> int:
        return sum(a.size for a in self.actions if a.kind in (ActionKind.COPY, ActionKind.UPDATE) and not a.is_dir)

    def summary(self) -> str:
        text = (
            f"{self.count(ActionKind.COPY)} to copy, {self.count(ActionKind.UPDATE)} to update, "
            f"{self.count(ActionKind.DELETE)} to delete, {size_text(self.bytes_to_copy)}"
        )
        conflicts = self.count(ActionKind.CONFLICT)
        return text + (f", {conflicts} conflicts" if conflicts else "")


def overlap(a: Endpoint, b: Endpoint) -> str | None:
    """Why two folders cannot be synced with each other (the same one, or one inside the other), else None."""
    one, two = a.describe().rstrip("/"), b.describe().rstrip("/")
    if one == two:
        return "the two folders are the same"
    if one.startswith(two + "/") or two.startswith(one + "/"):
        return "one folder is inside the other"
    return None


def size_text(size: int) -> str:
    """`0 B`, `512 B`, `12.3 MiB`: the summary's unit, spelt out."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def file_differs(a: Stat, b: Stat, slack: float = MTIME_SLACK) -> bool:
    """Size and mtime: what a second run must see as equal after a copy kept the mtime."""
    if a.size != b.size:
        return True
    if a.mtime is None or b.mtime is None:
        return False
    return abs(a.mtime - b.mtime) > slack


def under(rel: Rel, folders: Iterable[Rel]) -> bool:
    """Whether `rel` is inside (or is) one of `folders` (the root () holds everything)."""
    return any(rel[: len(folder)] == folder for folder in folders)


def contents_of(tree: Tree, folder: Rel) -> list[tuple[Rel, Stat]]:
    depth = len(folder)
    return [
        (inner + (name,), row_stat(row))
        for inner, table in tree.folders.items()
        if len(inner) >= depth and inner[:depth] == folder
        for name, row in table.items()
    ]


async def scan_both(a: Endpoint, b: Endpoint, options: SyncOptions, *, two_way: bool = False) -> tuple[Tree, Tree, IgnoreList]:
    """Both trees, listed at once, without what the excludes name.

    The excludes are the union of `options.excludes` and the globs of the
    `.sshdeckignore` at the top of the source (`a`; two-way: of both folders).
    """
    ignore = IgnoreList()
    if options.ignore_file:
        for found in await asyncio.gather(*(read_ignore_file(side) for side in ((a, b) if two_way else (a,)))):
            ignore.globs += tuple(g for g in found.globs if g not in ignore.globs)
            ignore.notes += found.notes
    excludes = Excludes(options.excludes + ignore.globs)
    ta, tb = await asyncio.gather(scan_tree(a, excludes), scan_tree(b, excludes))
    return ta, tb, ignore


def _given(options: SyncOptions) -> tuple[str, ...]:
    return tuple(dict.fromkeys(options.excludes))


async def plan_sync(source: Endpoint, dest: Endpoint, options: SyncOptions | None = None) -> SyncPlan:
    """One way: what makes `dest` like `source` (both trees listed at once)."""
    options = options or SyncOptions()
    src, dst, ignore = await scan_both(source, dest, options)
    actions: list[SyncAction] = []
    problems = src.problems + dst.problems
    to_hash: list[tuple[Rel, int]] = []
    blocked: list[Rel] = []  # source folders that cannot go where a file (or link) stays
    in_the_way = dst.ignored
    for folder, table in src.folders.items():
        if blocked and under(folder, blocked):
            continue
        theirs = dst.folders.get(folder)
        for name in _differing(table, theirs, options):
            rel = folder + (name,)
            stat, there = row_stat(table[name]), dst.stat(rel)
            if in_the_way and rel in in_the_way:
                problems.append(f"{dest.label}: {show(rel)}: a link or special file is in the way (left alone)")
                blocked.append(rel)
                continue
            if there is None:
                actions.append(SyncAction(ActionKind.COPY, rel, stat.size if stat.is_file else 0, stat.is_dir))
            elif stat.is_dir != there.is_dir:
                if not options.delete:
                    problems.append(f"{dest.label}: {show(rel)}: a {'file' if there.is_file else 'folder'} is in the way (use --delete to replace it)")
                    blocked.append(rel)
                    continue
                actions.append(_delete(dst, rel, there))
                actions.append(SyncAction(ActionKind.COPY, rel, stat.size if stat.is_file else 0, stat.is_dir))
            elif stat.is_file:
                if stat.size != there.size:
                    actions.append(SyncAction(ActionKind.UPDATE, rel, stat.size))
                elif options.checksum:
                    to_hash.append((rel, stat.size))
                elif file_differs(stat, there, options.mtime_slack):
                    actions.append(SyncAction(ActionKind.UPDATE, rel, stat.size))
    if to_hash:
        same = await same_content(source, dest, to_hash)
        actions.extend(SyncAction(ActionKind.UPDATE, rel, size) for rel, size in to_hash if rel not in same)
    if options.delete:
        replaced = [a.rel for a in actions if a.kind is ActionKind.DELETE and a.is_dir]
        actions.extend(_extra(src, dst, replaced))
    return SyncPlan(sort_actions(actions), src, dst, problems=problems, excludes=_given(options),
                    ignore_globs=ignore.globs, notes=ignore.notes)


def _differing(mine: dict[bytes, Row], theirs: dict[bytes, Row] | None, options: SyncOptions) -> list[bytes]:
    """The names of one source folder that may need an action: not a folder or a file alike on both sides.

    Planning a big tree that is mostly in sync is mostly this test, so it is one
    tight loop over the two folders' tables (plain tuples, no call per entry),
    and a folder whose table equals the other side's is settled in one comparison.
    """
    if theirs is None:
        return list(mine)
    if mine == theirs and not options.checksum:
        return []  # every entry there, the same folder or file with the same size and time
    file, folder, slack, there = FILE, DIR, options.mtime_slack, theirs.get
    checksum = options.checksum
    out = []
    for name, a in mine.items():
        b = there(name)
        if b is not None:
            kind = a[0]
            if kind == folder:
                if b[0] == folder:
                    continue
            elif kind == file and b[0] == file and a[1] == b[1] and not checksum:
                if a[2] is None or b[2] is None or -slack <= a[2] - b[2] <= slack:
                    continue
        out.append(name)
    return out


def _delete(tree: Tree, rel: Rel, stat: Stat) -> SyncAction:
    contents = contents_of(tree, rel) if stat.is_dir else []
    size = stat.size if stat.is_file else sum(s.size for _, s in contents if s.is_file)
    return SyncAction(ActionKind.DELETE, rel, size, stat.is_dir, contents=contents, seen=stat)


def _extra(src: Tree, dst: Tree, replaced: list[Rel]) -> list[SyncAction]:
    """Entries only at the destination, as the fewest deletes (a folder, not each file in it).

    Folder by folder: the names the source folder lacks are one set difference.
    """
    out: list[SyncAction] = []
    deleted: set[Rel] = set()
    for folder in sorted(dst.folders):
        if deleted and any(folder[:depth] in deleted for depth in range(1, len(folder) + 1)):
            continue  # inside a folder deleted whole
        table = dst.folders[folder]
        mine = src.folders.get(folder)
        names = sorted(table.keys() - mine.keys()) if mine is not None else sorted(table)
        if not names or under(folder, src.incomplete):
            continue
        if src.ignored and any(folder[:depth] in src.ignored for depth in range(1, len(folder) + 1)):
            continue  # a source link (left alone) stands where this is
        for name in names:
            rel = folder + (name,)
            if src.has(rel) or rel in src.ignored or under(rel, replaced):
                continue
            stat = row_stat(table[name])
            out.append(_delete(dst, rel, stat))
            if stat.is_dir:
                deleted.add(rel)
    return out


def sort_actions(actions: list[SyncAction]) -> list[SyncAction]:
    """Path order, so a folder comes right before what goes into it."""
    return sorted(actions, key=lambda a: (a.dst or a.rel, a.kind is not ActionKind.DELETE))
