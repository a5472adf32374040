"""Comparing two folder listings by name: what exists on one side only, or differs."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sshdeck.core.fs.base import Entry

# Servers round mtimes to whole seconds (SFTPv3) and some file systems to two.
MTIME_SLACK = 2.0


class Difference(enum.Enum):
    ONLY_HERE = "only on this side"
    NEWER_HERE = "newer on this side"
    SIZE_DIFFERS = "size differs"


@dataclass
class Comparison:
    left: dict[bytes, Difference]
    right: dict[bytes, Difference]

    def summary(self) -> str:
        def count(side: dict[bytes, Difference], kind: Difference) -> int:
            return sum(1 for value in side.values() if value is kind)

        parts = []
        only = count(self.left, Difference.ONLY_HERE), count(self.right, Difference.ONLY_HERE)
        if any(only):
            parts.append(f"{only[0]} only left, {only[1]} only right")
        newer = count(self.left, Difference.NEWER_HERE) + count(self.right, Difference.NEWER_HERE)
        if newer:
            parts.append(f"{newer} newer on one side")
        sizes = count(self.left, Difference.SIZE_DIFFERS)
        if sizes:
            parts.append(f"{sizes} differ in size")
        return "; ".join(parts) if parts else "the folders hold the same names, sizes and times"


def compare_listings(left: list[Entry], right: list[Entry]) -> Comparison:
    """Mark entries missing on the other side, newer than their twin, or of another size.

    Folders are compared by name only (their sizes and times say nothing).
    """
    by_name_left = {entry.name: entry for entry in left}
    by_name_right = {entry.name: entry for entry in right}
    result = Comparison({}, {})
    for name, entry in by_name_left.items():
        twin = by_name_right.get(name)
        if twin is None:
            result.left[name] = Difference.ONLY_HERE
        elif not entry.is_dir and not twin.is_dir:
            if entry.size != twin.size:
                result.left[name] = result.right[name] = Difference.SIZE_DIFFERS
            elif entry.mtime is not None and twin.mtime is not None:
                if entry.mtime > twin.mtime + MTIME_SLACK:
                    result.left[name] = Difference.NEWER_HERE
                elif twin.mtime > entry.mtime + MTIME_SLACK:
                    result.right[name] = Difference.NEWER_HERE
    for name in by_name_right:
        if name not in by_name_left:
            result.right[name] = Difference.ONLY_HERE
    return result
