"""Column layout by priority: the name keeps most of the row, other columns drop out as the pane narrows."""

from __future__ import annotations

import time

import pytest

from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.fs.listing import format_short_mtime
from sshdeck.ui.widgets.file_list import Columns


def entry(name: str) -> Entry:
    return Entry(
        name=name.encode(), display=name, kind=EntryKind.FILE, size=1234, mtime=time.time() - 3600, mode=0o644,
        owner="alice", group="staff",
    )


@pytest.mark.parametrize("width", [20, 30, 40, 60, 80, 100, 120, 200])
def test_the_name_keeps_sixty_percent_of_the_row_or_forty_cells(width):
    columns = Columns(width)
    assert columns.name >= min(40, int((width - 2) * 0.6))
    assert len(columns.row(entry("README.txt"), False)) == width
    assert len(columns.header("name", False)) == width


def test_columns_drop_owner_then_mode_then_date_then_size_as_the_pane_narrows():
    seen = []
    for width in range(200, 10, -1):
        c = Columns(width)
        seen.append((c.show_owner, c.show_perms, c.time_width, c.show_size))
    # Once a column is gone it stays gone as the pane narrows further.
    owner = [s[0] for s in seen]
    perms = [s[1] for s in seen]
    size = [s[3] for s in seen]
    assert owner == sorted(owner, reverse=True) and perms == sorted(perms, reverse=True)
    assert size == sorted(size, reverse=True)
    # The owner goes before the mode, the mode before the date, the date before the size.
    first_without = lambda flags: flags.index(False) if False in flags else len(flags)
    dates = [s[2] > 0 for s in seen]
    assert first_without(owner) <= first_without(perms) <= first_without(dates) <= first_without(size)
    # The long date turns short before it goes.
    assert 12 in [s[2] for s in seen]


def test_an_eighty_column_pane_half_shows_whole_names_and_a_short_date():
    columns = Columns(38)  # one pane of an 80-column screen, less borders and scrollbar
    row = columns.row(entry("README.txt"), False)
    assert "README.txt" in row and "~" not in row
    assert columns.show_size


def test_a_forty_column_pane_still_shows_the_name():
    assert "report-2025.pdf" in Columns(40).row(entry("report-2025.pdf"), False)


def test_short_dates_read_like_ls():
    now = time.mktime((2026, 11, 29, 12, 0, 0, 0, 0, -1))
    recent = time.mktime((2026, 11, 29, 1, 0, 0, 0, 0, -1))
    old = time.mktime((2025, 1, 2, 1, 0, 0, 0, 0, -1))
    assert format_short_mtime(recent, now) == "Nov 29 01:00"
    assert format_short_mtime(old, now) == "2025-01-02"


def test_a_header_click_sorts_by_the_column_under_it():
    columns = Columns(100)
    assert columns.key_at(3) == "name"
    assert columns.key_at(2 + columns.name + 2) == "size"
    assert columns.key_at(2 + columns.name + 1 + 7 + 3) == "mtime"


def test_a_long_path_keeps_its_end():
    from sshdeck.ui.widgets.file_pane import tail_fit

    assert tail_fit("/home/alice/projects/site/assets", 13) == "…/site/assets"
    assert tail_fit("/short", 14) == "/short"
