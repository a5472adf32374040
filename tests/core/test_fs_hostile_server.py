"""A server that sends crafted names cannot crash the listing or reach the screen raw."""

from __future__ import annotations

import unicodedata

import pytest

from sshdeck.core.fs.sftp import SftpFS
from sshdeck.core.fs.sftp_listing import fast_path_available, list_with_scandir
from tests.core.fs_servers import CraftedListingServer, crafted_server

CRAFTED = [
    b".",
    b"..",
    b"../../etc/passwd",
    b"a/b",
    b"/etc",
    b"",
    b"nul\x00inside",
    b"[@click=app.quit]x",
    b"\x1b]0;evil\x07",
    b"\x1b[2J",
    b"new\nline",
    b"del\x7f",
    "\u202etxt.exe".encode(),
    b"\xff\xfe",
    b"dup",
    b"dup",
]

SHOWN = [
    b"[@click=app.quit]x",
    b"\x1b]0;evil\x07",
    b"\x1b[2J",
    b"new\nline",
    b"del\x7f",
    "\u202etxt.exe".encode(),
    b"\xff\xfe",
    b"dup",
    b"dup",
]


class Crafted(CraftedListingServer):
    names = CRAFTED


def inert(text: str) -> bool:
    return all(unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp", "Cs") for char in text)


async def collect(batches) -> list:
    entries = []
    async for batch in batches:
        entries.extend(batch)
    return entries


@pytest.mark.parametrize("sftp_version", [3, 6], ids=["v3-fast-path", "v6-scandir"])
async def test_crafted_names_are_listed_inert_and_impossible_ones_dropped(sftp_version: int) -> None:
    async with crafted_server(Crafted, sftp_version=sftp_version) as (_conn, sftp):
        assert fast_path_available(sftp) == (sftp_version == 3)
        entries = await collect(SftpFS(sftp, "crafted").list("/"))
    # '.', '..', empty names and names with '/' or NUL cannot exist: dropped.
    # Duplicates are kept: the pane shows what the server says.
    assert [entry.name for entry in entries] == SHOWN
    for entry in entries:
        assert inert(entry.display), entry.display
        assert entry.owner is None or inert(entry.owner)
    displays = [entry.display for entry in entries]
    assert "[@click=app.quit]x" in displays  # literal text; the widget never parses markup
    assert "\\x1b]0;evil\\x07" in displays


async def test_fast_and_plain_listings_agree_on_crafted_names() -> None:
    async with crafted_server(Crafted) as (_conn, sftp):
        fast = await collect(SftpFS(sftp, "crafted").list("/"))
        plain = await collect(list_with_scandir(sftp, "/"))
    assert [(e.name, e.kind, e.size, e.mtime, e.mode, e.uid) for e in fast] == [
        (e.name, e.kind, e.size, e.mtime, e.mode, e.uid) for e in plain
    ]


class HostileLongnames(CraftedListingServer):
    """Owner names are taken from the long name: make those hostile too."""

    names = [b"file"]

    def format_user(self, uid):
        return "\x1b[2Jroot"

    def format_group(self, gid):
        return "grp\u202e"


async def test_owner_and_group_from_the_server_are_inert() -> None:
    async with crafted_server(HostileLongnames) as (_conn, sftp):
        [entry] = await collect(SftpFS(sftp, "crafted").list("/"))
    assert entry.owner == "\\x1b[2Jroot"
    assert entry.group == "grp\\u202e"
