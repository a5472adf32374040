"""F4's core: the private edited copy, the conflict check, verified uploads and the save-watch loop,
against the demo server and OpenSSH's sshd (real SFTP over loopback)."""

from __future__ import annotations

import asyncio
import os
import stat
import time
from pathlib import Path

import asyncssh
import pytest
import pytest_asyncio

from sshdeck.core.edit import EditSession, EditWatcher, SyncResult, edits_dir
from sshdeck.core.edit.session import beside_name
from sshdeck.core.fs.base import FileSystemError
from sshdeck.core.fs.sftp import SftpFS
from tests.core.fs_servers import crafted_server, open_place


@pytest_asyncio.fixture(params=["demo", "openssh"])
async def place(request, tmp_path: Path):
    async with open_place(request.param, tmp_path, request) as opened:
        (opened.disk / "notes.txt").write_text("v0\n")
        yield opened


def bump_mtime(path: Path) -> None:
    """Move a file's time clearly away from what the session saw (SFTP times are whole seconds)."""
    st = path.stat()
    os.utime(path, (st.st_atime, st.st_mtime - 100))


async def test_edited_copy_lives_in_a_private_folder_until_its_content_is_on_the_server(place) -> None:
    session = await EditSession.fetch(place.fs, place.path("notes.txt"))
    assert session.local_path.parent.parent == edits_dir()
    assert stat.S_IMODE(edits_dir().stat().st_mode) == 0o700
    assert stat.S_IMODE(session.local_path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(session.local_path.stat().st_mode) == 0o600
    assert await session.sync() is SyncResult.UNCHANGED
    session.local_path.write_text("mine\n")
    assert await session.sync() is SyncResult.UPLOADED
    assert (place.disk / "notes.txt").read_text() == "mine\n"
    assert session.uploads == 1
    assert session.local_path.exists()  # removing it is the caller's decision
    session.discard()
    assert not session.local_path.parent.exists()


async def test_file_changed_on_the_server_is_a_conflict_and_nothing_is_uploaded(place) -> None:
    session = await EditSession.fetch(place.fs, place.path("notes.txt"))
    (place.disk / "notes.txt").write_text("someone else's longer text\n")
    session.local_path.write_text("mine\n")
    assert await session.sync() is SyncResult.CONFLICT
    assert (place.disk / "notes.txt").read_text() == "someone else's longer text\n"
    assert session.local_path.read_text() == "mine\n"


async def test_a_new_time_on_the_same_bytes_is_not_a_conflict(place) -> None:
    session = await EditSession.fetch(place.fs, place.path("notes.txt"))
    bump_mtime(place.disk / "notes.txt")
    session.local_path.write_text("mine\n")
    assert await session.sync() is SyncResult.UPLOADED
    assert (place.disk / "notes.txt").read_text() == "mine\n"


async def test_save_beside_takes_a_new_name_and_never_replaces_one(place) -> None:
    session = await EditSession.fetch(place.fs, place.path("notes.txt"))
    session.local_path.write_text("mine\n")
    when = time.mktime((2026, 11, 29, 3, 10, 0, 0, 0, -1))
    taken = beside_name("notes.txt", when)
    assert taken == "notes (edited 2026-11-29 0310).txt"
    (place.disk / taken).write_text("an earlier save\n")
    target = await session.save_beside(when)
    assert target == place.path("notes (edited 2026-11-29 0310) 2.txt")
    assert (place.disk / "notes (edited 2026-11-29 0310) 2.txt").read_text() == "mine\n"
    assert (place.disk / taken).read_text() == "an earlier save\n"
    assert (place.disk / "notes.txt").read_text() == "v0\n"
    assert not [p for p in place.disk.iterdir() if p.name.endswith(".tmp")]


async def test_failed_upload_keeps_the_edited_copy(place) -> None:
    (place.disk / "sub").mkdir()
    (place.disk / "sub" / "a.txt").write_text("v0\n")
    session = await EditSession.fetch(place.fs, place.path("sub", "a.txt"))
    session.local_path.write_text("precious\n")
    (place.disk / "sub" / "a.txt").unlink()
    (place.disk / "sub").rmdir()  # the folder is gone: nowhere to upload
    with pytest.raises(FileSystemError):
        await session.upload()
    assert session.local_path.read_text() == "precious\n"


async def test_watcher_uploads_each_save_and_stops_at_a_conflict(place) -> None:
    session = await EditSession.fetch(place.fs, place.path("notes.txt"))
    watcher = EditWatcher(session, lambda event: None)
    assert await watcher.check() is None  # nothing saved yet
    for n in range(1, 4):
        session.local_path.write_text(f"save {n}\n" + "x" * n)
        assert await watcher.check() is None  # just saved: maybe still being written
        event = await watcher.check()
        assert event is not None and event.result is SyncResult.UPLOADED
        assert (place.disk / "notes.txt").read_text() == f"save {n}\n" + "x" * n
    assert session.uploads == 3
    assert await watcher.check() is None  # no new save, no upload
    session.local_path.write_text("save 3\n" + "x" * 3 + "more")
    stopping = EditWatcher(session, lambda event: None)
    stopping.stop()
    assert await stopping.run() is None  # stopped, after uploading the last save
    assert (place.disk / "notes.txt").read_text().endswith("more")

    reported = []
    (place.disk / "notes.txt").write_text("someone else\n")
    session.local_path.write_text("save 4\n")
    stopped = await asyncio.wait_for(EditWatcher(session, reported.append, interval=0.01).run(), 60)
    assert stopped is not None and stopped.result is SyncResult.CONFLICT
    assert reported == [stopped]
    assert (place.disk / "notes.txt").read_text() == "someone else\n"
    assert session.uploads == 4


class LosingServer(asyncssh.SFTPServer):
    """Says every write succeeded but stores one byte less: a lying (or full) server."""

    def write(self, file_obj, offset, data):
        return super().write(file_obj, offset, data[:-1])


async def test_an_upload_the_server_did_not_store_is_caught_and_the_copy_kept(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "notes.txt").write_text("v0\n")
    async with crafted_server(lambda chan: LosingServer(chan, chroot=str(served))) as (_conn, sftp):
        session = await EditSession.fetch(SftpFS(sftp, "lossy"), "/notes.txt")
        session.local_path.write_text("every byte matters\n")
        with pytest.raises(FileSystemError, match="does not hold what was uploaded"):
            await session.sync()
        with pytest.raises(FileSystemError, match="does not match"):
            await session.save_beside()
    assert session.local_path.read_text() == "every byte matters\n"
    assert session.uploads == 0
    assert sorted(p.name for p in served.iterdir()) == ["notes.txt"]  # no broken copy left beside it
