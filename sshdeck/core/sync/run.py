"""Running a plan: copies through the transfer engine, deletes through the endpoints.

Copies and updates go through `Transfer` (temporary name, fsync, atomic
rename, the source's mtime kept, so the next plan sees equality), folders
are made first, parents before children.  Deletes use the endpoint's
relative `unlink`/`rmdir` (no path can leave its root, a link is removed,
never followed); a file is deleted only if it still has the size and mtime
the plan saw, and a folder only after what the plan listed in it, deepest
first (a folder still holding something else stays, with a note).  A delete
that makes room for a copy (a file where a folder must go) runs first; the
rest run after the copies, so a failed copy never follows a lost file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable

from sshdeck.core.sync.tree import Tree, inert
from sshdeck.core.sync.plan import ActionKind, SyncAction, SyncPlan, file_differs, size_text
from sshdeck.core.transfer.conflicts import ConflictChoice
from sshdeck.core.transfer.endpoints import Endpoint, Rel
from sshdeck.core.transfer.engine import Transfer
from sshdeck.core.transfer.errors import describe
from sshdeck.core.transfer.model import ItemState, TransferOptions, TransferReport
from sshdeck.core.transfer.names import show
from sshdeck.core.transfer.progress import ProgressCallback

# How the copies of one direction run: given a title and `build(**engine callbacks) -> Transfer`,
# run it and return its report (None when it could not run).  The app runs it in its transfer queue.
Runner = Callable[[str, Callable[..., Transfer]], Awaitable["TransferReport | None"]]


@dataclass
class SyncResult:
    copied: int = 0
    updated: int = 0
    deleted: int = 0
    bytes_copied: int = 0
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    done: list[SyncAction] = field(default_factory=list)  # in the order they finished

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return f"{self.copied} copied, {self.updated} updated, {self.deleted} deleted, {size_text(self.bytes_copied)}"


async def run_plan(
    a: Endpoint,
    b: Endpoint,
    plan: SyncPlan,
    actions: Iterable[SyncAction] | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    runner: Runner | None = None,
) -> SyncResult:
    """Carry out `actions` (default: all of the plan's; conflicts are never run)."""

    async def direct(title: str, build: Callable[..., Transfer]) -> TransferReport | None:
        return await build(on_progress=on_progress).run()

    chosen = [x for x in (plan.actions if actions is None else actions) if x.kind is not ActionKind.CONFLICT]
    result = SyncResult()
    copies = [x for x in chosen if x.kind in (ActionKind.COPY, ActionKind.UPDATE)]
    copy_targets = {(x.to_a, x.dst or x.rel) for x in copies}
    deletes = [x for x in chosen if x.kind is ActionKind.DELETE]
    first = [x for x in deletes if (x.to_a, x.rel) in copy_targets]
    later = [x for x in deletes if (x.to_a, x.rel) not in copy_targets]
    await _delete_all(a, b, first, result)
    for to_a in (False, True):
        batch = [x for x in copies if x.to_a is to_a]
        if batch:
            source, dest = (b, a) if to_a else (a, b)
            tree = plan.a if to_a else plan.b
            await _copy_all(source, dest, batch, tree, result, runner or direct)
    await _delete_all(a, b, later, result)
    return result


async def _copy_all(
    source: Endpoint,
    dest: Endpoint,
    batch: list[SyncAction],
    existing: Tree,
    result: SyncResult,
    runner: Runner,
) -> None:
    made: set[Rel] = set()
    failed_dirs: set[Rel] = set()
    wanted = {x.dst or x.rel for x in batch if x.is_dir}
    for folder in sorted(wanted | {p for x in batch for p in _parents(x.dst or x.rel)}):
        if existing.has(folder) and folder not in wanted:
            continue
        if folder[:-1] in failed_dirs:
            failed_dirs.add(folder)
            continue
        try:
            await dest.make_dir(folder)
            made.add(folder)
        except Exception as exc:  # noqa: BLE001 - reported per folder
            failed_dirs.add(folder)
            result.failures.append(inert(f"{dest.label}: {show(folder)}: cannot create folder: {describe(exc)}"))
    for x in batch:
        if x.is_dir and (x.dst or x.rel) in made:
            result.copied += 1
            result.done.append(x)
    files = [x for x in batch if not x.is_dir and (x.dst or x.rel)[:-1] not in failed_dirs]
    if not files:
        return
    by_dst = {x.dst or x.rel: x for x in files}
    requests = [(x.rel, x.dst or x.rel) for x in files]
    options = TransferOptions(recursive=False, conflict=ConflictChoice.OVERWRITE)

    def build(**callbacks: Any) -> Transfer:
        callbacks.pop("on_conflict", None)  # the plan already decided: replace
        return Transfer(source, dest, requests, options, **callbacks)

    size = sum(x.size for x in files)
    title = f"Sync {len(files)} file{'s' if len(files) != 1 else ''} ({size_text(size)}) → {dest.label}"
    try:
        report = await runner(title, build)
    except Exception as exc:  # noqa: BLE001 - e.g. the destination folder vanished
        result.failures.append(inert(f"{dest.label}: {describe(exc)}"))
        return
    if report is None:
        result.failures.append(f"{dest.label}: the copies did not run")
        return
    _count(report, by_dst, result)


def _count(report: TransferReport, by_dst: dict[Rel, SyncAction], result: SyncResult) -> None:
    result.bytes_copied += report.bytes_copied
    result.notes.extend(inert(note) for note in report.notes)
    for item in report.items:
        action = by_dst.get(item.dst)
        if item.state is ItemState.DONE and action is not None:
            if action.kind is ActionKind.UPDATE:
                result.updated += 1
            else:
                result.copied += 1
            result.done.append(action)
        elif item.state is not ItemState.DONE:
            result.failures.append(inert(item.error or f"{item.name}: {item.state.value}"))


def _parents(rel: Rel) -> list[Rel]:
    return [rel[:i] for i in range(1, len(rel))]


async def _delete_all(a: Endpoint, b: Endpoint, deletes: list[SyncAction], result: SyncResult) -> None:
    for action in deletes:
        side = a if action.to_a else b
        try:
            note = await _delete(side, action)
        except Exception as exc:  # noqa: BLE001 - reported per action
            result.failures.append(inert(f"{side.label}: {show(action.rel)}: cannot delete: {describe(exc)}"))
            continue
        if note:
            result.notes.append(note)
        else:
            result.deleted += 1
            result.done.append(action)


async def _delete(side: Endpoint, action: SyncAction) -> str | None:
    """None when gone; a note when something was kept because it changed or holds more."""
    now = await side.lstat(action.rel)
    if now is None:
        return None
    seen = action.seen
    if not action.is_dir:
        if not now.is_file or (seen is not None and file_differs(now, seen, 0)):
            return f"{side.label}: {show(action.rel)}: changed since the plan (kept)"
        await side.unlink(action.rel)
        return None
    if not now.is_dir:
        return f"{side.label}: {show(action.rel)}: no longer a folder (kept)"
    kept = False
    for rel, stat in sorted(action.contents, key=lambda pair: len(pair[0]), reverse=True):
        try:
            found = await side.lstat(rel)
            if found is None:
                continue
            if stat.is_dir and found.is_dir:
                await side.rmdir(rel)
            elif stat.is_file and found.is_file and not file_differs(found, stat, 0):
                await side.unlink(rel)
            else:
                kept = True
        except Exception:  # noqa: BLE001 - a folder holding something unlisted stays
            kept = True
    try:
        await side.rmdir(action.rel)
    except Exception:  # noqa: BLE001
        kept = True
    return f"{side.label}: {show(action.rel)}/: kept, it holds entries the plan did not list" if kept else None
