"""A file reaches its final name only after its bytes were forced to disk (fsync before rename).

Downloads: os.fsync on the temporary file's descriptor happens before os.replace
onto the final name.  Uploads: the server receives fsync@openssh.com for the
temporary file before the posix-rename (recorded by an asyncssh SFTP server).
"""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh
import pytest

from sshdeck.core.transfer import LocalEndpoint, SftpEndpoint, Transfer, TransferOptions
from tests.core.fs_servers import crafted_server

DATA = os.urandom(3 * 1024 * 1024 + 17)


class RecordingServer(asyncssh.SFTPServer):
    """A chrooted SFTP server that notes each fsync and rename, in order."""

    events: list[tuple[str, str, str]] = []

    def __init__(self, chan, root: Path) -> None:
        super().__init__(chan, chroot=os.fsencode(root))

    def fsync(self, file_obj) -> None:
        RecordingServer.events.append(("fsync", os.fsdecode(os.path.basename(file_obj.name)), ""))
        os.fsync(file_obj.fileno())

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        RecordingServer.events.append(("rename", os.fsdecode(os.path.basename(oldpath)),
                                       os.fsdecode(os.path.basename(newpath))))
        super().posix_rename(oldpath, newpath)


@pytest.fixture
def recorded_events():
    RecordingServer.events = []
    return RecordingServer.events


async def test_upload_asks_the_server_to_fsync_the_temporary_file_before_renaming_it(
    tmp_path: Path, recorded_events
) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    (here / "f.bin").write_bytes(DATA)
    async with crafted_server(lambda chan: RecordingServer(chan, there)) as (_conn, sftp):
        report = await Transfer(LocalEndpoint(here), SftpEndpoint(sftp, "/"), [((b"f.bin",), (b"f.bin",))],
                                TransferOptions()).run()
    assert report.ok, [i.error for i in report.failed]
    assert (there / "f.bin").read_bytes() == DATA
    part = ".f.bin.sshdeck-part"
    assert ("fsync", part, "") in recorded_events
    assert ("rename", part, "f.bin") in recorded_events
    assert recorded_events.index(("fsync", part, "")) < recorded_events.index(("rename", part, "f.bin"))


async def test_download_fsyncs_the_temporary_file_before_renaming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    (there / "f.bin").write_bytes(DATA)
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        try:
            events.append(("fsync", os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))))
        except OSError:
            pass
        real_fsync(fd)

    def replace(src, dst, *args, **kwargs) -> None:
        events.append(("replace", os.fsdecode(os.path.basename(src))))
        real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    async with crafted_server(lambda chan: asyncssh.SFTPServer(chan, chroot=os.fsencode(there))) as (_conn, sftp):
        report = await Transfer(SftpEndpoint(sftp, "/"), LocalEndpoint(here), [((b"f.bin",), (b"f.bin",))],
                                TransferOptions()).run()
    assert report.ok, [i.error for i in report.failed]
    assert (here / "f.bin").read_bytes() == DATA
    part = ".f.bin.sshdeck-part"
    assert ("fsync", part) in events and ("replace", part) in events, events
    assert events.index(("fsync", part)) < events.index(("replace", part))
