"""What to do when the destination already has a file of that name."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Awaitable, Callable

from sshdeck.core.transfer.endpoints import Rel, Stat


class ConflictChoice(enum.Enum):
    """The answers the overwrite dialog and `--on-conflict` offer."""

    OVERWRITE = "overwrite"
    RESUME = "resume"  # append the rest of the source to the existing file
    SKIP = "skip"
    RENAME = "rename"  # keep both: "name (1).ext"
    NEWER = "newer"  # overwrite when the source is newer, else skip
    SIZE = "size"  # overwrite when the sizes differ, else skip
    CANCEL = "cancel"  # stop the whole transfer


@dataclass(frozen=True)
class Conflict:
    """A question for the UI: the item and both sides' facts."""

    item_id: int
    name: str  # printable relative path at the destination
    source: Stat
    existing: Stat


@dataclass(frozen=True)
class ConflictDecision:
    choice: ConflictChoice
    apply_to_all: bool = False


ConflictCallback = Callable[[Conflict], Awaitable[ConflictDecision]]


def resolve(choice: ConflictChoice, source: Stat, existing: Stat) -> ConflictChoice:
    """Turn the conditional choices into OVERWRITE or SKIP for this pair of files."""
    if choice is ConflictChoice.NEWER:
        newer = (source.mtime or 0) > (existing.mtime or 0) + 1  # SFTP keeps whole seconds
        return ConflictChoice.OVERWRITE if newer else ConflictChoice.SKIP
    if choice is ConflictChoice.SIZE:
        return ConflictChoice.OVERWRITE if source.size != existing.size else ConflictChoice.SKIP
    return choice


def numbered(final: Rel, number: int) -> Rel:
    """`report.pdf` -> `report (1).pdf`; a leading dot is not an extension."""
    name = final[-1]
    dot = name.rfind(b".")
    stem, ext = (name[:dot], name[dot:]) if dot > 0 else (name, b"")
    return final[:-1] + (stem + b" (%d)" % number + ext,)
