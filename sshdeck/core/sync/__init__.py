"""Folder synchronisation with a preview: plan first, then run the plan.

* `scan_tree(endpoint, excludes)` -> `Tree`: both sides are walked concurrently
  with the transfer endpoints' capped listing (names checked, links never followed;
  a big local tree in a child process, local_scan.py), one table of rows per folder;
* `plan_sync(source, dest, SyncOptions(...))` -> `SyncPlan` (one-way: make `dest`
  like `source`); `plan_two_way(a, b, state, options)` for two-way;
* `run_plan(a, b, plan)` -> `SyncResult`: copies through the transfer engine
  (atomic commit, mtime kept), deletes through the endpoints' relative unlink/rmdir.
"""

from sshdeck.core.sync.plan import ActionKind, SyncAction, SyncOptions, SyncPlan, plan_sync
from sshdeck.core.sync.run import SyncResult, run_plan
from sshdeck.core.sync.state import SyncState, load_state, save_state
from sshdeck.core.sync.tree import Tree, scan_tree
from sshdeck.core.sync.twoway import plan_two_way, record_state

__all__ = [
    "ActionKind",
    "SyncAction",
    "SyncOptions",
    "SyncPlan",
    "SyncResult",
    "SyncState",
    "Tree",
    "load_state",
    "plan_two_way",
    "record_state",
    "save_state",
    "plan_sync",
    "run_plan",
    "scan_tree",
]
