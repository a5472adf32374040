"""A pane's state without a screen: sort, filter, hidden files, selection, history."""

from __future__ import annotations

from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.pane_model import PARENT, PaneModel


def entry(name: str, kind: EntryKind = EntryKind.FILE, size: int = 0, mtime: float = 0.0) -> Entry:
    return Entry(name=name.encode(), kind=kind, size=size, mtime=mtime)


def sample() -> list[Entry]:
    return [
        entry("b.txt", size=30, mtime=3),
        entry("A.log", size=10, mtime=2),
        entry("src", EntryKind.DIR, mtime=1),
        entry(".env", size=5, mtime=4),
        entry("c.tar.gz", size=20, mtime=1),
        entry("Docs", EntryKind.DIR, mtime=5),
    ]


def shown(model: PaneModel) -> list[str]:
    return [e.display for e in model.rows]


def test_folders_first_then_names_case_insensitive_and_hidden_left_out() -> None:
    model = PaneModel("/srv")
    model.set_listing("/srv", sample())
    assert shown(model) == ["..", "Docs", "src", "A.log", "b.txt", "c.tar.gz"]
    model.toggle_hidden()
    assert ".env" in shown(model)


def test_the_root_has_no_parent_row() -> None:
    model = PaneModel("/")
    model.set_listing("/", sample())
    assert PARENT not in model.rows


def test_sort_by_size_time_and_extension_and_reverse_on_second_click() -> None:
    model = PaneModel("/")
    model.set_listing("/", sample())
    model.set_sort("size")
    assert shown(model) == ["Docs", "src", "A.log", "c.tar.gz", "b.txt"]
    model.set_sort("size")  # the same column again: reversed, folders still first
    assert shown(model) == ["src", "Docs", "b.txt", "c.tar.gz", "A.log"]
    model.set_sort("mtime", reverse=False)
    assert shown(model)[2:] == ["c.tar.gz", "A.log", "b.txt"]
    model.set_sort("ext", reverse=False)
    assert shown(model)[2:] == ["c.tar.gz", "A.log", "b.txt"]  # gz, log, txt


def test_filter_by_text_or_glob() -> None:
    model = PaneModel("/")
    model.set_listing("/", sample())
    model.set_filter("TXT")
    assert shown(model) == ["b.txt"]
    model.set_filter("*.t*")
    assert shown(model) == ["b.txt", "c.tar.gz"]
    assert model.summary().hidden_by_filter == 3
    model.set_filter("")
    assert len(shown(model)) == 5


def test_selection_by_key_pattern_all_and_invert() -> None:
    model = PaneModel("/")
    model.set_listing("/", sample())
    rows = model.rows
    model.toggle(rows[3])  # b.txt
    assert model.selected == {b"b.txt"}
    assert model.select_pattern("*.log") == 1
    assert model.selected == {b"b.txt", b"A.log"}
    model.select_pattern("*.txt", select=False)
    assert model.selected == {b"A.log"}
    model.invert_selection()
    assert model.selected == {b"Docs", b"src", b"b.txt", b"c.tar.gz"}
    model.select_all()
    assert len(model.selected) == 5  # .env stays hidden, so unselected
    summary = model.summary()
    assert summary.selected == 5 and summary.selected_bytes == 60


def test_operations_target_the_selection_else_the_cursor_never_the_parent_row() -> None:
    model = PaneModel("/srv")
    model.set_listing("/srv", sample())
    assert model.targets(PARENT) == []
    assert [e.display for e in model.targets(model.rows[1])] == ["Docs"]
    model.select_pattern("*.txt")
    assert [e.display for e in model.targets(model.rows[1])] == ["b.txt"]


def test_refresh_keeps_the_selection_of_names_still_there_and_a_new_folder_clears_it() -> None:
    model = PaneModel("/")
    model.set_listing("/", sample())
    model.select_pattern("*")
    model.set_listing("/", [entry("b.txt"), entry("new")])
    assert model.selected == {b"b.txt"}
    model.set_listing("/other", [entry("b.txt")])
    assert model.selected == set()


def test_back_and_forward_history() -> None:
    model = PaneModel("/")
    model.set_listing("/", [])
    model.set_listing("/a", [])
    model.set_listing("/a/b", [])
    assert model.back() == "/a"
    model.went_back()
    model.set_listing("/a", [], remember=False)
    assert model.forward() == "/a/b"
    model.went_forward()
    model.set_listing("/a/b", [], remember=False)
    assert model.path == "/a/b" and model.back() == "/a" and model.forward() is None


def test_a_folder_of_dotfiles_says_how_many_are_hidden() -> None:
    model = PaneModel("/home/alice")
    model.set_listing("/home/alice", [entry(".bashrc"), entry(".profile"), entry(".ssh", EntryKind.DIR)])
    assert model.summary().text() == "0 folders, 0 files · 3 hidden (. shows)"
    model.toggle_hidden()
    assert "hidden" not in model.summary().text()


def test_the_status_counts_links_to_folders_as_folders_and_hidden_and_filtered_entries_apart() -> None:
    model = PaneModel("/")
    model.set_listing("/srv", [
        Entry(b"site", EntryKind.DIR),
        Entry(b"current", EntryKind.LINK, link_target="releases/7", target_is_dir=True),
        Entry(b"latest.log", EntryKind.LINK, link_target="logs/today.log"),
        Entry(b".git", EntryKind.DIR),
        Entry(b".env", EntryKind.FILE, size=10),
        Entry(b"index.php", EntryKind.FILE, size=20),
        Entry(b"notes.txt", EntryKind.FILE, size=30),
    ])
    summary = model.summary()
    assert (summary.folders, summary.files, summary.hidden_files, summary.hidden_by_filter) == (2, 3, 2, 0)
    model.set_filter("*.php")
    summary = model.summary()
    assert (summary.folders, summary.files, summary.hidden_files, summary.hidden_by_filter) == (0, 1, 2, 4)
    model.toggle_hidden()
    model.set_filter("")
    model.toggle(next(e for e in model.rows if e.name == b".env"))
    summary = model.summary()
    assert (summary.folders, summary.files, summary.hidden_files, summary.selected, summary.selected_bytes) == (3, 4, 0, 1, 10)
