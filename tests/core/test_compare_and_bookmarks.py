"""Folder comparison and per-location bookmarks, without a screen."""

from __future__ import annotations

from sshdeck.core.hosts.bookmarks import Bookmarks, bookmarks_path
from sshdeck.core.compare import Difference, compare_listings
from sshdeck.core.fs.base import Entry, EntryKind


def f(name: str, size: int = 1, mtime: float = 100.0, kind: EntryKind = EntryKind.FILE) -> Entry:
    return Entry(name=name.encode(), kind=kind, size=size, mtime=mtime)


def test_compare_marks_one_sided_newer_and_resized_entries() -> None:
    left = [f("same"), f("only-left"), f("newer", mtime=500), f("bigger", size=9), f("dir", kind=EntryKind.DIR, mtime=1)]
    right = [f("same", mtime=101), f("only-right"), f("newer"), f("bigger"), f("dir", kind=EntryKind.DIR, mtime=999)]
    result = compare_listings(left, right)
    assert result.left == {
        b"only-left": Difference.ONLY_HERE,
        b"newer": Difference.NEWER_HERE,
        b"bigger": Difference.SIZE_DIFFERS,
    }
    assert result.right == {b"only-right": Difference.ONLY_HERE, b"bigger": Difference.SIZE_DIFFERS}
    assert "1 only left, 1 only right" in result.summary()


def test_identical_folders_say_so() -> None:
    assert compare_listings([f("a")], [f("a")]).summary() == "the folders hold the same names, sizes and times"


def test_bookmarks_round_trip_and_a_broken_file_is_never_overwritten() -> None:
    marks = Bookmarks.load()
    assert marks.add("local", "/srv/www") and not marks.add("local", "/srv/www")
    marks.add("host-1", "/upload-vpn")
    marks.save()
    again = Bookmarks.load()
    assert again.folders("local") == ["/srv/www"] and again.folders("host-1") == ["/upload-vpn"]
    assert oct(bookmarks_path().stat().st_mode & 0o777) == "0o600"
    bookmarks_path().write_text("places = [")
    broken = Bookmarks.load()
    assert broken.problem and "bookmarks.toml" in broken.problem
    broken.add("local", "/x")
    try:
        broken.save()
    except OSError:
        pass
    assert bookmarks_path().read_text() == "places = ["
