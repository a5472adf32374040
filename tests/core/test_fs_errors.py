"""Failures come out as one clear line: permission denied, gone, name taken, refused, cut off."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import asyncssh
import pytest

from sshdeck.core.fs.errors import (
    ConnectionLostError,
    NameExistsError,
    NotFoundError,
    PermissionDeniedError,
    ServerRefusedError,
)
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.fs.sftp import SftpFS
from tests.core.fs_servers import crafted_server, refusing, sftp_client


def one_inert_line(message: str) -> bool:
    return "\n" not in message and "\x1b" not in message and "\r" not in message


async def every_change(fs, root: str) -> list[Exception]:
    """Try each changing operation once; collect what each raised."""
    attempts = [
        fs.mkdir(f"{root}/new folder"),
        fs.rename(f"{root}/file", f"{root}/renamed"),
        fs.remove(f"{root}/file"),
        fs.chmod(f"{root}/file", 0o600),
        fs.write_bytes_atomic(f"{root}/file", b"new"),
    ]
    raised = []
    for attempt in attempts:
        with pytest.raises(Exception) as caught:
            await attempt
        raised.append(caught.value)
    return raised


async def test_permission_denied_by_an_sftp_server_is_said_plainly(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"old")
    factory = refusing(tmp_path, lambda: asyncssh.SFTPPermissionDenied("Permission denied"))
    async with crafted_server(factory) as (_conn, sftp):
        fs = SftpFS(sftp, "refusing")
        for error in await every_change(fs, ""):
            assert isinstance(error, PermissionDeniedError), error
            assert str(error).endswith(": permission denied")
    assert (tmp_path / "file").read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["file"]  # no temporary file left behind


async def test_read_only_openssh_server_denies_changes(make_openssh_server, tmp_path: Path) -> None:
    server = make_openssh_server("ForceCommand internal-sftp -R")
    (tmp_path / "file").write_bytes(b"old")
    known_hosts = asyncssh.import_known_hosts(server.known_hosts_line())
    async with sftp_client(server.host, server.port, server.username, str(server.client_key), known_hosts) as (
        _conn,
        sftp,
    ):
        fs = SftpFS(sftp, "read-only")
        for error in await every_change(fs, str(tmp_path)):
            assert isinstance(error, PermissionDeniedError), error
        # Reading still works.
        assert await fs.read_bytes(str(tmp_path / "file"), 100) == b"old"
    assert (tmp_path / "file").read_bytes() == b"old"


async def test_server_reason_is_shown_escaped_on_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"old")
    factory = refusing(tmp_path, lambda: asyncssh.SFTPFailure("quota \x1b[31mexceeded\x1b[0m\nfor you"))
    async with crafted_server(factory) as (_conn, sftp):
        fs = SftpFS(sftp, "refusing")
        with pytest.raises(ServerRefusedError) as caught:
            await fs.chmod("/file", 0o600)
    message = str(caught.value)
    assert message == "/file: the server refused: quota \\x1b[31mexceeded\\x1b[0m\\nfor you"
    assert one_inert_line(message)


async def test_names_in_messages_are_escaped(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as caught:
        await LocalFS().stat(str(tmp_path / "evil\x1b]0;title\x07\nname"))
    assert one_inert_line(str(caught.value))
    assert "evil\\x1b]0;title\\x07\\nname: no such file or folder" in str(caught.value)


async def test_lost_connection_is_reported_as_such(demo_server) -> None:
    async with sftp_client(
        demo_server.host, demo_server.port, demo_server.username, demo_server.client_key, demo_server.known_hosts()
    ) as (conn, sftp):
        fs = SftpFS(sftp, "demo")
        assert await fs.exists("/projects")
        conn.close()
        await conn.wait_closed()
        with pytest.raises(ConnectionLostError, match="connection was lost"):
            async for _batch in fs.list("/projects"):
                pass
        with pytest.raises(ConnectionLostError):
            await fs.mkdir("/x")


async def test_rename_overwrite_is_refused_clearly_without_posix_rename(demo_server, demo_root: Path) -> None:
    (demo_root / "a").write_bytes(b"new")
    (demo_root / "b").write_bytes(b"old")
    async with sftp_client(
        demo_server.host, demo_server.port, demo_server.username, demo_server.client_key, demo_server.known_hosts()
    ) as (_conn, sftp):
        # asyncssh learns whether the server offers posix-rename@openssh.com
        # from its version packet; pretend it did not.
        sftp._handler._supports_posix_rename = False
        fs = SftpFS(sftp, "demo")
        assert not fs.can_replace
        with pytest.raises(NameExistsError, match="cannot replace a name in one step"):
            await fs.rename("/a", "/b", overwrite=True)
        assert (demo_root / "b").read_bytes() == b"old"
        # A free name still works, overwrite or not.
        await fs.rename("/a", "/c", overwrite=True)
        assert (demo_root / "c").read_bytes() == b"new"
        # The editor's save still replaces the file, by moving the old one aside.
        await fs.write_bytes_atomic("/b", b"saved")
    assert (demo_root / "b").read_bytes() == b"saved"
    assert not [name for name in os.listdir(demo_root) if "sshdeck" in name]


async def test_local_permission_denied_is_said_plainly(tmp_path: Path, monkeypatch) -> None:
    # Tests may run as root, which ignores permission bits: make the OS say no.
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "mkdir", denied)
    with pytest.raises(PermissionDeniedError) as caught:
        await LocalFS().mkdir(str(tmp_path / "new"))
    assert str(caught.value) == f"{tmp_path}/new: permission denied"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permission bits")
async def test_local_folder_without_permissions_cannot_be_listed(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o000)
    try:
        with pytest.raises(PermissionDeniedError):
            async for _batch in LocalFS().list(str(locked)):
                pass
    finally:
        locked.chmod(0o700)
