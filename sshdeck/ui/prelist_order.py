"""The start folder's name order, worked out by the child (ui/prelist_child.py) as its rows arrive.

A pane shows a new listing sorted: `sort_entries(entries, "name")` (folders
first, names case-insensitive, ties broken by the raw name).  At 100,000
entries that sort, and counting the dotfiles, took the app ~0.1 s after the
last row had arrived: on the way to the first full frame, while the child,
idle by then, had spent the listing waiting for sshd's replies.  So the
child does it: batch by batch while it waits (case-folding each name,
counting dotfiles, noting folders), and at the end one sort gives the order,
sent as indices into the rows in the order they were sent.  The pane uses it when it sorts by name, ascending (PaneModel's
`by_name`); any other order it sorts itself, as before.

The order is exactly `sort_entries`'s (tests/ui/test_prelist_order.py):
within folders and within files, by the case-folded display name, ties
(names differing only in case) by the raw name, equal raw names (a broken
server) in arrival order.  No Textual here (the child must start fast).
"""

from __future__ import annotations

from itertools import compress
from operator import attrgetter, itemgetter, not_

from sshdeck.core.fs.base import Entry, EntryKind

_by_kind = attrgetter("kind")
_by_display = attrgetter("display")
_by_name = attrgetter("name")
_first_byte = itemgetter(slice(0, 1))  # b"" for an empty name
_DIR = EntryKind.DIR
_LINK = EntryKind.LINK


class NameOrder:
    """`add` each batch as it is sent; `order()` at the end: indices of all rows, in the panes' name order.

    Per batch only C-speed passes (case-folding, the dotfile count, which rows are folders);
    the sort itself is one `sorted` per group at the end (~30 ms for 100,000 names), since
    sorting each batch as well cost the child more than it saved there.
    """

    def __init__(self) -> None:
        self.count = 0
        self.hidden = 0  # dotfiles among the rows
        self._folded: list[str] = []
        self._entries: list[Entry] = []
        self._folders: list[int] = []  # indices of the rows that sort as folders

    def add(self, batch: list[Entry]) -> None:
        start = self.count
        self.count += len(batch)
        self._entries += batch
        self._folded += map(str.casefold, map(_by_display, batch))
        self.hidden += list(map(_first_byte, map(_by_name, batch))).count(b".")
        kinds = list(map(_by_kind, batch))  # a list: `in` compares by identity first, a set hashes each member
        if _DIR in kinds or _LINK in kinds:
            is_folder = (entry.kind is _DIR or (entry.kind is _LINK and entry.target_is_dir) for entry in batch)
            self._folders += compress(range(start, start + len(batch)), is_folder)

    def order(self) -> list[int]:
        everything = range(self.count)
        if not self._folders:
            return self._sorted(everything)
        is_folder = [False] * self.count
        for index in self._folders:
            is_folder[index] = True
        return self._sorted(self._folders) + self._sorted(list(compress(everything, map(not_, is_folder))))

    def _sorted(self, indices: range | list[int]) -> list[int]:
        """`indices` ordered as `sort_entries` orders their rows within a group (folders, or files)."""
        folded = self._folded
        keys = folded if len(indices) == len(folded) else list(map(folded.__getitem__, indices))
        if len(set(keys)) != len(keys):  # names that differ only in case: the raw name decides
            names = map(_by_name, map(self._entries.__getitem__, indices))
            keys = list(zip(keys, names))
        # Stable: equal keys (one raw name sent twice, by a broken server) keep the order they came in.
        ranked = sorted(range(len(keys)), key=keys.__getitem__)
        return list(map(indices.__getitem__, ranked)) if not isinstance(indices, range) else ranked
