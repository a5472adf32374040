"""The start folder's name order as the child works it out batch by batch (ui/prelist_order.py).

It must be exactly the order a pane's own sort gives (`sort_entries(entries, "name")`),
whatever the names: case-only twins split over batches, hostile and non-UTF-8 names,
links to folders, and the duplicate names a broken server may send.
"""

from __future__ import annotations

import random

from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.fs.listing import sort_entries
from sshdeck.core.fs.names import display_name
from sshdeck.core.pane_model import PaneModel
from sshdeck.ui.prelist_order import NameOrder


def entry(name: bytes, kind: EntryKind = EntryKind.FILE, *, to_dir: bool = False, size: int = 0) -> Entry:
    return Entry(name, kind, size, 1.0, 0o644, "u", "g", None, to_dir, display_name(name))


def awkward_names() -> list[Entry]:
    names = [
        b"README", b"readme", b"ReadMe", b"b.txt", b"B.TXT", b"a", b"A", b".env", b".Env", b"..hidden",
        b"\x1b[31mred", b"\x1b]0;title\x07", b"caf\xc3\xa9", b"CAF\xc3\x89", b"caf\xe9", b"\xff\xfe",
        "Straße".encode(), "STRASSE".encode(), "ﬁle".encode(), "FILE".encode(), b"\xe2\x80\xae.exe", b"x" * 300,
        b"z", b"zz", b"Z",
    ]
    entries = [entry(name) for name in names]
    entries += [entry(b"Docs", EntryKind.DIR), entry(b"docs", EntryKind.DIR), entry(b"src", EntryKind.DIR)]
    entries += [entry(b"to-dir", EntryKind.LINK, to_dir=True), entry(b"To-Dir", EntryKind.LINK, to_dir=True),
                entry(b"to-file", EntryKind.LINK), entry(b"fifo", EntryKind.OTHER)]
    # A broken server may send one name twice: both kept, in the order they came.
    entries += [entry(b"twice", size=1), entry(b"twice", size=2)]
    return entries


def order_in_batches(entries: list[Entry], sizes: list[int]) -> NameOrder:
    order, start = NameOrder(), 0
    for size in sizes:
        order.add(entries[start : start + size])
        start += size
    order.add(entries[start:])
    return order


def test_the_child_order_is_the_panes_sort_for_awkward_names_in_any_batches() -> None:
    rng = random.Random(12)
    for _ in range(40):
        entries = awkward_names()
        rng.shuffle(entries)
        cuts = sorted(rng.sample(range(1, len(entries)), rng.randint(0, 6)))
        sizes = [b - a for a, b in zip([0, *cuts], cuts)]
        order = order_in_batches(entries, sizes)
        by_child = [entries[index] for index in order.order()]
        expected = sort_entries(entries, "name")
        assert [id(e) for e in by_child] == [id(e) for e in expected]  # the same objects, twins included
        assert order.hidden == 3  # .env, .Env, ..hidden
        assert order.count == len(entries)


def test_a_big_folder_in_the_child_order_matches_the_pane_sort() -> None:
    rng = random.Random(5)
    entries = [entry(f"entry-{index:05d}.{rng.choice(['txt', 'TXT', 'log'])}".encode()) for index in range(12_000)]
    entries += [entry(f"Dir-{index}".encode(), EntryKind.DIR) for index in range(300)]
    entries += [entry(b"ENTRY-00007.txt"), entry(b".profile")]
    rng.shuffle(entries)
    order = order_in_batches(entries, [1, 5000, 5000])
    assert [entries[index] for index in order.order()] == sort_entries(entries, "name")
    assert order.hidden == 1


def test_an_empty_folder_has_an_empty_order() -> None:
    order = NameOrder()
    order.add([])
    assert order.order() == [] and order.hidden == 0


def test_a_pane_sorted_by_name_shows_the_given_order_and_any_other_sort_sorts_itself() -> None:
    entries = awkward_names()
    random.Random(3).shuffle(entries)
    order = order_in_batches(entries, [7])
    by_name = ([entries[index] for index in order.order()], order.hidden)

    model = PaneModel("/srv")
    model.set_listing("/srv/x", entries, by_name=by_name)
    assert model.rows[1:] == [e for e in sort_entries(entries, "name") if not e.is_hidden]
    assert model.summary().hidden_files == 3
    model.set_sort("size")
    assert model.rows[1:] == [e for e in sort_entries(entries, "size") if not e.is_hidden]

    by_size = PaneModel("/srv")
    by_size.set_sort("size")
    by_size.set_listing("/srv/x", entries, by_name=by_name)  # not its order: sorted here
    assert by_size.rows[1:] == [e for e in sort_entries(entries, "size") if not e.is_hidden]
    backwards = PaneModel("/srv")
    backwards.set_sort("name", reverse=True)
    backwards.set_listing("/srv/x", entries, by_name=by_name)
    assert backwards.rows[1:] == [e for e in sort_entries(entries, "name", reverse=True) if not e.is_hidden]

