"""Copying and moving files and trees between two endpoints, safely and fast.

The UI and `sshdeck cp` use this face only:

* `LocalEndpoint(folder)` / `SftpEndpoint(sftp, folder, reconnect=...)`: the two sides;
* `Transfer(source, dest, [(src_rel, dst_rel), ...], TransferOptions(...), journal=...,
  on_progress=..., on_conflict=...)`, then `await transfer.run()` -> `TransferReport`;
  `pause()`, `unpause()`, `cancel(item_id=None)`, `await retry(item_ids=None)`;
* `Journal()`: `unfinished()` after a restart, `Transfer.resume_job(record, ...)`,
  `discard_job(journal, record, dest)` to drop a job and its temporary files.
"""

from sshdeck.core.transfer.conflicts import Conflict, ConflictCallback, ConflictChoice, ConflictDecision
from sshdeck.core.transfer.endpoints import Endpoint, Rel, Stat
from sshdeck.core.transfer.engine import Transfer
from sshdeck.core.transfer.errors import ConnectionLostError, SourceChangedError, TransferError
from sshdeck.core.transfer.journal import JobRecord, Journal, Place
from sshdeck.core.transfer.local import LocalEndpoint
from sshdeck.core.transfer.model import ItemState, TransferItem, TransferOptions, TransferReport
from sshdeck.core.transfer.names import NameRules, UnsafeNameError, check_name, name_problem
from sshdeck.core.transfer.progress import ItemProgress, TransferProgress
from sshdeck.core.transfer.reconcile import discard_job, find_parts
from sshdeck.core.transfer.sftp import SftpEndpoint

__all__ = [
    "Conflict",
    "ConflictCallback",
    "ConflictChoice",
    "ConflictDecision",
    "ConnectionLostError",
    "Endpoint",
    "ItemProgress",
    "ItemState",
    "JobRecord",
    "Journal",
    "Place",
    "LocalEndpoint",
    "NameRules",
    "Rel",
    "SftpEndpoint",
    "SourceChangedError",
    "Stat",
    "Transfer",
    "TransferError",
    "TransferItem",
    "TransferOptions",
    "TransferProgress",
    "TransferReport",
    "UnsafeNameError",
    "check_name",
    "discard_job",
    "find_parts",
    "name_problem",
]
