"""Copying and moving files and trees between two endpoints, safely and fast.

The UI and `sshdeck cp` use this face only:

* `LocalEndpoint(folder)` / `SftpEndpoint(sftp, folder, reconnect=...)`: the two sides;
* `Transfer(source, dest, [(src_rel, dst_rel), ...], TransferOptions(...), journal=...,
  on_progress=..., on_conflict=...)`, then `await transfer.run()` -> `TransferReport`;
  `pause()`, `unpause()`, `cancel(item_id=None)`, `await retry(item_ids=None)`;
* `Journal()`: `unfinished()` after a restart, `Transfer.resume_job(record, ...)`,
  `discard_job(journal, record, dest)` to drop a job and its temporary files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sshdeck.core.lazy_names import lazy_names

# Each name is loaded from its module on first use (PEP 562), so importing one piece
# (`sshdeck.core.transfer.rate_limit` for `--limit`) does not load the whole engine:
# `sshdeck cp` loads the engine while its connection's handshake waits on the server.
_HOMES = {
    "conflicts": ("Conflict", "ConflictCallback", "ConflictChoice", "ConflictDecision"),
    "endpoints": ("Endpoint", "Rel", "Stat"),
    "engine": ("Transfer",),
    "errors": ("ConnectionLostError", "SourceChangedError", "TransferError"),
    "journal": ("JobRecord", "Journal", "Place"),
    "local": ("LocalEndpoint",),
    "model": ("ItemState", "TransferItem", "TransferOptions", "TransferReport"),
    "names": ("NameRules", "UnsafeNameError", "check_name", "name_problem"),
    "progress": ("ItemProgress", "TransferProgress"),
    "reconcile": ("discard_job", "find_parts"),
    "sftp": ("SftpEndpoint",),
}
__getattr__, __dir__ = lazy_names(__name__, _HOMES, globals())

if TYPE_CHECKING:
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
