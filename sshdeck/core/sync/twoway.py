"""Two-way sync: changes on either side propagate, changes on both are conflicts.

Measured against the state of the last run (state.py): a path new or changed
on one side is copied to the other; changed on both sides (or different on a
first run) is a conflict, listed and never overwritten (with `keep_both`,
each side's version is copied to the other under `name (conflict 1).ext`
for the first folder's, `(conflict 2)` for the second's); deleted on one side
is deleted on the other only with `delete` and only when it is unchanged
there (changed, it is copied back; without `delete` it is left alone).  Nothing happens below a folder either side could not list whole.
"""

from __future__ import annotations

from sshdeck.core.sync.checksum import same_content
from sshdeck.core.sync.plan import (
    ActionKind,
    SyncAction,
    SyncOptions,
    SyncPlan,
    Tree,
    _given,
    contents_of,
    file_differs,
    scan_both,
    sort_actions,
    under,
)
from sshdeck.core.sync.state import Recorded, SyncState, recorded, save_state
from sshdeck.core.transfer.endpoints import Endpoint, Rel, Stat


def _unchanged(now: Stat, before: Recorded | None, slack: float) -> bool:
    if before is None or recorded(now)[0] != before[0]:
        return False
    return now.is_dir or not file_differs(now, Stat(now.kind, before[1], before[2]), slack)


def _alike(x: Stat, y: Stat, slack: float) -> bool:
    return (x.is_dir and y.is_dir) or (x.is_file and y.is_file and not file_differs(x, y, slack))


def conflict_name(rel: Rel, number: int) -> Rel:
    name = rel[-1]
    dot = name.rfind(b".")
    stem, ext = (name[:dot], name[dot:]) if dot > 0 else (name, b"")
    return rel[:-1] + (stem + b" (conflict %d)" % number + ext,)


async def plan_two_way(a: Endpoint, b: Endpoint, state: SyncState | None, options: SyncOptions | None = None) -> SyncPlan:
    options = options or SyncOptions()
    ta, tb, ignore = await scan_both(a, b, options, two_way=True)
    slack = options.mtime_slack
    known = state.entries if state else {}
    blocked = ta.incomplete | tb.incomplete
    actions: dict[Rel, list[SyncAction]] = {}
    to_hash: list[tuple[Rel, int]] = []
    problems = ta.problems + tb.problems
    for rel in sorted(set(ta.entries) | set(tb.entries)):
        if under(rel[:-1], blocked):
            continue
        if any(rel[:depth] in ta.ignored or rel[:depth] in tb.ignored for depth in range(1, len(rel) + 1)):
            continue  # a link (left alone) on one side stands where this is
        sa, sb = ta.entries.get(rel), tb.entries.get(rel)
        before = known.get(rel)
        if sa is not None and sb is not None:
            if _alike(sa, sb, slack):
                if options.checksum and sa.is_file and sa.size == sb.size:
                    to_hash.append((rel, sa.size))
                continue
            if sa.is_file and sb.is_file and sa.size == sb.size and options.checksum:
                to_hash.append((rel, sa.size))
                continue
            actions[rel] = _settle(rel, sa, sb, before, slack, ta, tb, options)
        elif sa is not None:
            action = _one_side(rel, sa, before[0] if before else None, to_a=False, slack=slack)
            if action.kind is not ActionKind.DELETE or options.delete:
                actions[rel] = [action]
        elif sb is not None:
            action = _one_side(rel, sb, before[1] if before else None, to_a=True, slack=slack)
            if action.kind is not ActionKind.DELETE or options.delete:
                actions[rel] = [action]
    if to_hash:
        same = await same_content(a, b, to_hash)
        for rel, _size in to_hash:
            if rel not in same:
                sa, sb = ta.entries[rel], tb.entries[rel]
                before = known.get(rel)
                # Same size and time, other bytes: only a recorded state can say who changed.
                actions[rel] = _settle(rel, sa, sb, before, slack, ta, tb, options)
    flat = _fold_folder_deletes(actions, ta, tb)
    return SyncPlan(sort_actions(flat), ta, tb, two_way=True, problems=problems, excludes=_given(options),
                    ignore_globs=ignore.globs, notes=ignore.notes)


def _one_side(rel: Rel, stat: Stat, before: Recorded | None, *, to_a: bool, slack: float) -> SyncAction:
    """On one side only: new there (copy over), or deleted on the other side (delete here if unchanged).

    Deletes are planned only with `delete`; without it the file stays where it is and
    keeps its record, so it is not mistaken for a new file next time either.
    """
    if before is not None and _unchanged(stat, before, slack):
        return SyncAction(ActionKind.DELETE, rel, stat.size if stat.is_file else 0, stat.is_dir, to_a=not to_a, seen=stat)
    return SyncAction(ActionKind.COPY, rel, stat.size if stat.is_file else 0, stat.is_dir, to_a=to_a)


def _settle(
    rel: Rel, sa: Stat, sb: Stat, before, slack: float, ta: Tree, tb: Tree, options: SyncOptions
) -> list[SyncAction]:
    if sa.is_file and sb.is_file and before is not None:
        changed_a = not _unchanged(sa, before[0], slack)
        changed_b = not _unchanged(sb, before[1], slack)
        if changed_a and not changed_b:
            return [SyncAction(ActionKind.UPDATE, rel, sa.size)]
        if changed_b and not changed_a:
            return [SyncAction(ActionKind.UPDATE, rel, sb.size, to_a=True)]
    if not (sa.is_file and sb.is_file):
        reason = "a file on one side, a folder on the other"
    else:
        reason = "changed on both sides" if before is not None else "differs, and no earlier sync says which is newer"
    out = [SyncAction(ActionKind.CONFLICT, rel, max(sa.size, sb.size), reason=reason)]
    if options.keep_both and sa.is_file and sb.is_file:
        one, two = conflict_name(rel, 1), conflict_name(rel, 2)
        if one not in tb.entries:
            out.append(SyncAction(ActionKind.COPY, rel, sa.size, dst=one))
        if two not in ta.entries:
            out.append(SyncAction(ActionKind.COPY, rel, sb.size, to_a=True, dst=two))
    return out


def _fold_folder_deletes(actions: dict[Rel, list[SyncAction]], ta: Tree, tb: Tree) -> list[SyncAction]:
    """A folder deleted on one side goes as one delete, unless something in it is new: then it is re-created."""
    absorbed: list[Rel] = []
    for rel in sorted(actions):
        if absorbed and under(rel, absorbed[-1:]) and rel != absorbed[-1]:
            del actions[rel]
            continue
        (action,) = actions[rel][:1]
        if action.kind is not ActionKind.DELETE or not action.is_dir:
            continue
        inside = [x for r, xs in actions.items() if len(r) > len(rel) and r[: len(rel)] == rel for x in xs]
        if any(x.kind is not ActionKind.DELETE for x in inside):
            actions[rel] = [SyncAction(ActionKind.COPY, rel, 0, True, to_a=not action.to_a)]
            continue
        tree = ta if action.to_a else tb
        action.contents = contents_of(tree, rel)
        action.size = sum(s.size for _, s in action.contents if s.is_file)
        absorbed.append(rel)
    return [x for xs in actions.values() for x in xs]


async def record_state(a: Endpoint, b: Endpoint, options: SyncOptions, previous: SyncState | None = None) -> SyncState:
    """List both sides again after a run and save what they hold alike (the next run's reference).

    A path still different on both sides (a conflict) keeps its previous record,
    so the next run still knows both sides changed.
    """
    ta, tb, _ = await scan_both(a, b, options, two_way=True)
    state = SyncState(a.describe(), b.describe())
    before = previous.entries if previous else {}
    for rel, sa in ta.entries.items():
        sb = tb.entries.get(rel)
        if sb is not None and _alike(sa, sb, options.mtime_slack):
            state.entries[rel] = (recorded(sa), recorded(sb))
        elif rel in before and (sb is not None or _unchanged(sa, before[rel][0], options.mtime_slack)):
            state.entries[rel] = before[rel]
    for rel, sb in tb.entries.items():
        if rel not in ta.entries and rel in before and _unchanged(sb, before[rel][1], options.mtime_slack):
            state.entries[rel] = before[rel]
    save_state(state)
    return state
