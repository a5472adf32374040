"""Every file operation, the same on this machine, the demo server and OpenSSH's sshd."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import pytest_asyncio

from sshdeck.core.fs.base import EntryKind
from sshdeck.core.fs.errors import NameExistsError, NotFoundError
from tests.core.fs_servers import PLACES, Place, open_place

# Names that trip up shells, globbing, markup and encodings.
TRICKY_NAMES = [
    b"with space.txt",
    b"quote'single",
    b'quote"double',
    b"[bracket]",
    b"star*",
    b"question?",
    b"back\\slash",
    "\u00e9t\u00e9 \u00e0 Lyon.txt".encode(),
    "\u65e5\u672c\u8a9e".encode(),
    b"-leading-dash",
    b"invalid\xffutf8",
]

# Names a hostile peer could plant; operations must still reach them by raw bytes.
HOSTILE_NAMES = [
    b"[@click=app.quit]x",
    b"\x1b]0;evil\x07",
    b"\x1b[2J",
    b"new\nline",
    b"del\x7f",
    "\u202eexe.txt".encode(),
]


@pytest_asyncio.fixture(params=PLACES)
async def place(request, tmp_path: Path):
    async with open_place(request.param, tmp_path, request) as opened:
        yield opened


async def listing(place: Place, *names: str | bytes) -> dict[bytes, object]:
    entries = {}
    async for batch in place.fs.list(place.path(*names)):
        for entry in batch:
            entries[entry.name] = entry
    return entries


def write(path: bytes, data: bytes = b"x") -> None:
    with open(path, "wb") as handle:
        handle.write(data)


async def test_listing_keeps_raw_names_and_escapes_them_for_display(place: Place) -> None:
    for index, name in enumerate(TRICKY_NAMES):
        write(place.on_disk(name), b"x" * index)
    os.mkdir(place.on_disk(b"folder [1]"))
    entries = await listing(place)
    assert set(entries) == set(TRICKY_NAMES) | {b"folder [1]"}
    assert entries[b"invalid\xffutf8"].display == "invalid\\xffutf8"
    assert entries["\u65e5\u672c\u8a9e".encode()].display == "\u65e5\u672c\u8a9e"
    assert entries[b"back\\slash"].display == "back\\\\slash"
    assert entries[b"folder [1]"].kind is EntryKind.DIR
    for index, name in enumerate(TRICKY_NAMES):
        assert entries[name].kind is EntryKind.FILE
        assert entries[name].size == index


async def test_listing_an_empty_folder_yields_nothing(place: Place) -> None:
    assert await listing(place) == {}


async def test_listing_resolves_symlinks_without_following_them(place: Place) -> None:
    os.mkdir(place.on_disk(b"real dir"))
    write(place.on_disk(b"real dir", b"inside"))
    # Absolute targets: asyncssh's chrooted server cannot report relative ones.
    os.symlink(place.on_disk(b"real dir"), place.on_disk(b"link to dir"))
    os.symlink(place.on_disk(b"nowhere"), place.on_disk(b"dangling"))
    entries = await listing(place)
    link = entries[b"link to dir"]
    assert link.kind is EntryKind.LINK and link.target_is_dir and link.is_dir
    assert link.link_target == place.path("real dir")
    dangling = entries[b"dangling"]
    assert dangling.kind is EntryKind.LINK and not dangling.is_dir
    assert dangling.link_target == place.path("nowhere")


async def test_listing_a_vanished_folder_says_it_is_gone(place: Place) -> None:
    with pytest.raises(NotFoundError, match="no such file or folder"):
        await listing(place, "gone")


async def test_stat_follows_links_and_lstat_does_not(place: Place) -> None:
    write(place.on_disk(b"file [x].txt"), b"hello")
    os.chmod(place.on_disk(b"file [x].txt"), 0o640)
    os.symlink(place.on_disk(b"file [x].txt"), place.on_disk(b"link"))
    entry = await place.fs.stat(place.path(b"file [x].txt"))
    assert (entry.name, entry.kind, entry.size, entry.mode) == (b"file [x].txt", EntryKind.FILE, 5, 0o640)
    assert entry.mtime == pytest.approx(os.stat(place.on_disk(b"file [x].txt")).st_mtime, abs=1)
    assert (await place.fs.stat(place.path("link"))).kind is EntryKind.FILE
    link = await place.fs.lstat(place.path("link"))
    assert link.kind is EntryKind.LINK and link.link_target == place.path(b"file [x].txt")
    assert not link.target_is_dir
    with pytest.raises(NotFoundError):
        await place.fs.stat(place.path("missing"))


async def test_exists_sees_files_and_dangling_links(place: Place) -> None:
    os.symlink(b"nowhere", place.on_disk(b"dangling"))
    assert await place.fs.exists(place.path("dangling"))
    assert not await place.fs.exists(place.path("missing"))


async def test_realpath_resolves_dots(place: Place) -> None:
    os.mkdir(place.on_disk(b"sub"))
    assert await place.fs.realpath(place.path("sub", "..", "sub")) == place.path("sub")


@pytest.mark.parametrize("name", TRICKY_NAMES, ids=repr)
async def test_mkdir_creates_a_folder_with_a_tricky_name(place: Place, name: bytes) -> None:
    await place.fs.mkdir(place.path(name))
    assert os.path.isdir(place.on_disk(name))


async def test_mkdir_refuses_an_existing_name(place: Place) -> None:
    write(place.on_disk(b"taken"))
    with pytest.raises(NameExistsError, match="already exists"):
        await place.fs.mkdir(place.path("taken"))


async def test_mkdir_in_a_vanished_folder_says_it_is_gone(place: Place) -> None:
    with pytest.raises(NotFoundError):
        await place.fs.mkdir(place.path("gone", "child"))


@pytest.mark.parametrize("name", TRICKY_NAMES + HOSTILE_NAMES, ids=repr)
async def test_rename_reaches_names_by_their_raw_bytes(place: Place, name: bytes) -> None:
    write(place.on_disk(name), b"content")
    await place.fs.rename(place.path(name), place.path(name + b" renamed"))
    assert not os.path.lexists(place.on_disk(name))
    with open(place.on_disk(name + b" renamed"), "rb") as handle:
        assert handle.read() == b"content"


async def test_rename_refuses_to_overwrite_unless_asked(place: Place) -> None:
    write(place.on_disk(b"a"), b"new")
    write(place.on_disk(b"b"), b"old")
    with pytest.raises(NameExistsError, match="already exists"):
        await place.fs.rename(place.path("a"), place.path("b"))
    assert open(place.on_disk(b"b"), "rb").read() == b"old"
    assert place.fs.can_replace  # all three offer posix-rename (or are local)
    await place.fs.rename(place.path("a"), place.path("b"), overwrite=True)
    assert open(place.on_disk(b"b"), "rb").read() == b"new"
    assert not os.path.exists(place.on_disk(b"a"))


async def test_rename_does_not_replace_an_empty_folder_unasked(place: Place) -> None:
    os.mkdir(place.on_disk(b"src"))
    os.mkdir(place.on_disk(b"dst"))
    with pytest.raises(NameExistsError):
        await place.fs.rename(place.path("src"), place.path("dst"))
    assert os.path.isdir(place.on_disk(b"src"))


async def test_rename_of_a_vanished_file_says_it_is_gone(place: Place) -> None:
    with pytest.raises(NotFoundError, match="no such file or folder"):
        await place.fs.rename(place.path("gone"), place.path("there"))


@pytest.mark.parametrize("name", HOSTILE_NAMES + [b"invalid\xffutf8"], ids=repr)
async def test_remove_reaches_hostile_names_by_their_raw_bytes(place: Place, name: bytes) -> None:
    write(place.on_disk(name))
    os.mkdir(place.on_disk(name + b" dir"))
    write(place.on_disk(name + b" dir", name))
    assert await place.fs.remove(place.path(name)) == 1
    assert await place.fs.remove(place.path(name + b" dir")) == 2
    assert os.listdir(place.disk) == []


async def test_chmod_sets_permissions(place: Place) -> None:
    write(place.on_disk(b"script [1].sh"))
    await place.fs.chmod(place.path(b"script [1].sh"), 0o750)
    assert stat.S_IMODE(os.stat(place.on_disk(b"script [1].sh")).st_mode) == 0o750


async def test_chmod_of_a_vanished_file_says_it_is_gone(place: Place) -> None:
    with pytest.raises(NotFoundError):
        await place.fs.chmod(place.path("gone"), 0o600)


async def test_read_bytes_stops_at_the_limit(place: Place) -> None:
    write(place.on_disk("\u00e9t\u00e9.txt".encode()), b"0123456789" * 100_000)
    data = await place.fs.read_bytes(place.path("\u00e9t\u00e9.txt"), 65_537)
    assert data == (b"0123456789" * 100_000)[:65_537]
    assert await place.fs.read_bytes(place.path("\u00e9t\u00e9.txt"), 10**9) == b"0123456789" * 100_000


async def test_write_bytes_atomic_replaces_content_and_keeps_permissions(place: Place) -> None:
    write(place.on_disk(b"notes [draft].md"), b"old")
    os.chmod(place.on_disk(b"notes [draft].md"), 0o751)
    await place.fs.write_bytes_atomic(place.path(b"notes [draft].md"), b"new content")
    assert open(place.on_disk(b"notes [draft].md"), "rb").read() == b"new content"
    assert stat.S_IMODE(os.stat(place.on_disk(b"notes [draft].md")).st_mode) == 0o751
    assert os.listdir(place.disk) == [b"notes [draft].md".decode()]  # no temporary left behind


async def test_write_bytes_atomic_through_a_symlink_updates_its_target(place: Place) -> None:
    write(place.on_disk(b"real.txt"), b"old")
    os.symlink(place.on_disk(b"real.txt"), place.on_disk(b"link.txt"))
    await place.fs.write_bytes_atomic(place.path(b"link.txt"), b"new")
    assert os.path.islink(place.on_disk(b"link.txt"))
    assert open(place.on_disk(b"real.txt"), "rb").read() == b"new"


async def test_write_bytes_atomic_creates_a_new_file(place: Place) -> None:
    await place.fs.write_bytes_atomic(place.path(b"fresh"), b"data")
    assert open(place.on_disk(b"fresh"), "rb").read() == b"data"


async def test_write_bytes_atomic_into_a_vanished_folder_says_it_is_gone(place: Place) -> None:
    with pytest.raises(NotFoundError):
        await place.fs.write_bytes_atomic(place.path("gone", "file"), b"data")


async def test_streams_write_and_read_back(place: Place) -> None:
    async with place.fs.open_write(place.path(b"stream*.bin")) as stream:
        await stream.write(b"abc")
        await stream.write(b"def")
    async with place.fs.open_read(place.path(b"stream*.bin")) as stream:
        assert await stream.read(2) == b"ab"
        assert await stream.read() == b"cdef"
    with pytest.raises(NameExistsError):
        async with place.fs.open_write(place.path(b"stream*.bin"), exclusive=True):
            pass
    with pytest.raises(NotFoundError):
        async with place.fs.open_read(place.path("missing")):
            pass
