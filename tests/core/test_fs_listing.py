"""Listing big folders in batches, and sorting them the way the panes show them."""

from __future__ import annotations

import asyncio
import os
import pwd
from pathlib import Path

import pytest
import pytest_asyncio

from sshdeck.core.fs import sftp_listing
from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.fs.listing import sort_entries
from sshdeck.core.fs.sftp_listing import list_with_scandir
from tests.core.fs_servers import PLACES, Place, open_place


@pytest_asyncio.fixture(params=PLACES)
async def place(request, tmp_path: Path):
    async with open_place(request.param, tmp_path, request) as opened:
        yield opened


@pytest_asyncio.fixture(params=[kind for kind in PLACES if kind != "local"])
async def remote_place(request, tmp_path: Path):
    async with open_place(request.param, tmp_path, request) as opened:
        yield opened


def fill(folder: Path, count: int) -> set[bytes]:
    names = set()
    for index in range(count):
        name = f"entry {index:05d}.txt".encode()
        os.close(os.open(bytes(folder) + b"/" + name, os.O_CREAT | os.O_WRONLY, 0o644))
        names.add(name)
    return names


async def test_a_big_folder_arrives_in_batches_with_every_name_once(place: Place) -> None:
    expected = fill(place.disk, 1200)
    batches = []
    async for batch in place.fs.list(place.root):
        batches.append(batch)
    names = [entry.name for batch in batches for entry in batch]
    assert len(names) == len(expected) and set(names) == expected
    if place.kind != "local":
        # The first server reply is handed over alone, so the pane can paint early.
        assert len(batches) >= 2 and len(batches[0]) < 200


async def test_remote_listing_matches_asyncssh_scandir(remote_place: Place) -> None:
    place = remote_place
    fill(place.disk, 300)
    os.mkdir(place.disk / "sub folder")
    os.symlink(place.disk / "sub folder", place.disk / "link")
    fast, plain = [], []
    async for batch in place.fs.list(place.root):
        fast.extend(batch)
    async for batch in list_with_scandir(place.fs.sftp, place.root):
        plain.extend(batch)

    def facts(entries: list[Entry]) -> list[tuple]:
        return sorted(
            (e.name, e.kind, e.size, e.mtime, e.mode, e.uid, e.gid, e.link_target, e.target_is_dir) for e in entries
        )

    assert facts(fast) == facts(plain)


async def test_owner_and_group_are_named(place: Place) -> None:
    (place.disk / "mine").write_bytes(b"")
    # Over SFTP v3 the names come from the `ls -l` style long name.
    [entry] = [e async for batch in place.fs.list(place.root) for e in batch]
    expected = pwd.getpwuid(os.getuid()).pw_name
    assert entry.owner == expected
    assert entry.uid == os.getuid()


async def test_leaving_a_listing_early_frees_the_session(place: Place) -> None:
    fill(place.disk, 600)
    for _ in range(3):
        async for _batch in place.fs.list(place.root):
            break
    task = asyncio.ensure_future(_drain(place))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The session still answers, with the whole folder.
    assert len(await _drain(place)) == 600


async def _drain(place: Place) -> list[Entry]:
    entries = []
    async for batch in place.fs.list(place.root):
        entries.extend(batch)
    return entries


async def test_many_symlinks_are_resolved_in_flight(remote_place: Place, monkeypatch) -> None:
    place = remote_place
    monkeypatch.setattr(sftp_listing, "LINKS_IN_FLIGHT", 8)
    os.mkdir(place.disk / "target")
    for index in range(40):
        os.symlink(place.disk / "target", place.disk / f"link {index}")
    entries = await _drain(place)
    assert len(entries) == 41
    assert all(e.is_dir for e in entries)


def _count_readdirs(monkeypatch) -> dict[str, int]:
    """Counts READDIR requests sent and NAME replies parsed.

    Every request gets one reply, so once the listing is over, requests minus
    NAME replies is how many were still out when the end (EOF) came: the depth.
    """
    seen = {"sent": 0, "names": 0}
    send, parse = sftp_listing._request, sftp_listing.parse_names

    def counting_send(handler, pkttype, *args):
        seen["sent"] += pkttype == sftp_listing._FXP_READDIR
        return send(handler, pkttype, *args)

    def counting_parse(*args):
        seen["names"] += 1
        return parse(*args)

    monkeypatch.setattr(sftp_listing, "_request", counting_send)
    monkeypatch.setattr(sftp_listing, "parse_names", counting_parse)
    return seen


async def test_a_small_folder_costs_no_more_requests_than_the_first_read_ahead(remote_place: Place, monkeypatch) -> None:
    fill(remote_place.disk, 30)  # one reply's worth
    seen = _count_readdirs(monkeypatch)
    assert len(await _drain(remote_place)) == 30
    # A walk of thousands of small folders pays no more than before the depth could grow.
    assert seen["sent"] - seen["names"] == sftp_listing.FIRST_READ_AHEAD


async def test_a_big_folder_asks_further_ahead_up_to_the_cap(remote_place: Place, monkeypatch) -> None:
    fill(remote_place.disk, 6000)
    seen = _count_readdirs(monkeypatch)
    assert len(await _drain(remote_place)) == 6000
    assert seen["names"] > sftp_listing.READ_AHEAD  # enough replies for the depth to reach its cap (+1 a reply)
    assert seen["sent"] - seen["names"] == sftp_listing.READ_AHEAD


# -- sorting --------------------------------------------------------------------


def entry(name: bytes, kind: EntryKind = EntryKind.FILE, **fields) -> Entry:
    return Entry(name=name, kind=kind, **fields)


def names(entries: list[Entry]) -> list[bytes]:
    return [e.name for e in entries]


def test_sorting_puts_folders_first_then_names_without_regard_to_case() -> None:
    items = [
        entry(b"b.txt"),
        entry(b"A.txt"),
        entry(b"zoo", EntryKind.DIR),
        entry(b"Alpha", EntryKind.DIR),
        entry(b"link", EntryKind.LINK, target_is_dir=True),
        entry(b"c", EntryKind.LINK),
    ]
    assert names(sort_entries(items)) == [b"Alpha", b"link", b"zoo", b"A.txt", b"b.txt", b"c"]


def test_names_equal_but_for_case_keep_a_fixed_order() -> None:
    items = [entry(b"readme"), entry(b"README"), entry(b"ReadMe")]
    assert names(sort_entries(items)) == [b"README", b"ReadMe", b"readme"]
    assert names(sort_entries(reversed(items))) == [b"README", b"ReadMe", b"readme"]
    assert names(sort_entries(items, reverse=True)) == [b"readme", b"ReadMe", b"README"]


def test_sorting_by_size_time_and_extension() -> None:
    items = [
        entry(b"big.txt", size=300, mtime=1.0),
        entry(b"small.py", size=10, mtime=3.0),
        entry(b"mid.TXT", size=20, mtime=None),
        entry(b"noext", size=20, mtime=2.0),
        entry(b".hidden", size=20, mtime=2.0),
    ]
    assert names(sort_entries(items, "size")) == [b"small.py", b".hidden", b"mid.TXT", b"noext", b"big.txt"]
    assert names(sort_entries(items, "mtime")) == [b"mid.TXT", b"big.txt", b".hidden", b"noext", b"small.py"]
    assert names(sort_entries(items, "ext")) == [b".hidden", b"noext", b"small.py", b"big.txt", b"mid.TXT"]
    assert names(sort_entries(items, "size", reverse=True))[0] == b"big.txt"
