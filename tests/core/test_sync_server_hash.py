"""`--checksum` hashes on the server when the account may run commands; otherwise it reads the files.

Against OpenSSH's sshd (a real shell with GNU coreutils), an SFTP-only sshd,
and asyncssh servers whose command channel misbehaves.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import asyncssh
import pytest

from sshdeck.core.sync import SyncOptions, plan_sync, run_plan
from sshdeck.core.sync.server_hash import parse_records, probe
from sshdeck.core.transfer import LocalEndpoint, SftpEndpoint
from tests.core.conftest import AsyncsshServer
from tests.core.test_sync_plan import lines, make_tree
from tests.core.transfer_servers import connect_openssh

AWKWARD = ["plain.txt", "two  spaces.txt", "new\nline.txt", "back\\slash.txt", "-dash.txt", "quote'\"$(x).txt",
           "star *x.txt", "evil\x1b[2J.txt"]


class CountingEndpoint(SftpEndpoint):
    """A real SFTP endpoint that counts the files it opens for reading."""

    reads = 0

    async def open_read(self, rel, checked=False):
        CountingEndpoint.reads += 1
        return await super().open_read(rel, checked)


@pytest.fixture
async def conn(openssh_server):
    connection = await connect_openssh(openssh_server)
    yield connection
    connection.close()


async def test_server_hashes_awkward_names_exactly_as_read_here(conn, tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    for n, name in enumerate(AWKWARD):
        (folder / name).write_bytes(b"content %d" % n)
    (folder / os.fsdecode(b"latin1-\xe9.txt")).write_bytes(b"latin-1 name")
    hasher = await probe(conn.create_process)
    assert hasher is not None and hasher.algorithm == "sha256"
    paths = [os.fsencode(folder / name) for name in os.listdir(folder)] + [os.fsencode(folder / "missing.txt")]
    digests = await hasher.digests(paths)
    assert set(digests) == set(paths[:-1])
    for path, digest in digests.items():
        assert digest == hashlib.sha256(Path(os.fsdecode(path)).read_bytes()).digest()


async def test_checksum_sync_reads_no_remote_file_when_the_server_hashes(conn, tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    make_tree(src)
    dst.mkdir()
    source = LocalEndpoint(src)
    dest = CountingEndpoint(await conn.start_sftp_client(), os.fsencode(dst), commands=conn.create_process)
    await run_plan(source, dest, await plan_sync(source, dest))
    target = dst / "sub" / "deeper" / "z.bin"
    stat = target.stat()
    data = bytearray(target.read_bytes())
    data[1000] ^= 0xFF
    target.write_bytes(bytes(data))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    CountingEndpoint.reads = 0
    plan = await plan_sync(source, dest, SyncOptions(checksum=True))
    assert lines(plan) == ["update sub/deeper/z.bin"]
    assert CountingEndpoint.reads == 0  # every remote file was hashed by sha256sum on the server
    await run_plan(source, dest, plan)
    assert target.read_bytes() == (src / "sub" / "deeper" / "z.bin").read_bytes()
    assert (await plan_sync(source, dest, SyncOptions(checksum=True))).actions == []


async def test_sftp_only_account_falls_back_to_reading_the_files(make_openssh_server, tmp_path: Path) -> None:
    server = make_openssh_server("ForceCommand internal-sftp")
    connection = await connect_openssh(server)
    try:
        assert await probe(connection.create_process) is None
        src, dst = tmp_path / "src", tmp_path / "dst"
        make_tree(src)
        dst.mkdir()
        source = LocalEndpoint(src)
        dest = CountingEndpoint(await connection.start_sftp_client(), os.fsencode(dst), commands=connection.create_process)
        await run_plan(source, dest, await plan_sync(source, dest))
        (dst / "top.txt").write_bytes(b"TOP")
        os.utime(dst / "top.txt", ns=(0, (src / "top.txt").stat().st_mtime_ns))
        CountingEndpoint.reads = 0
        plan = await plan_sync(source, dest, SyncOptions(checksum=True))
        assert lines(plan) == ["update top.txt"]
        assert CountingEndpoint.reads >= 1
    finally:
        connection.close()


class FloodingServer(AsyncsshServer):
    """Any command prints without end."""

    @staticmethod
    def _process(process: asyncssh.SSHServerProcess) -> None:
        async def flood() -> None:
            try:
                while True:
                    process.stdout.write(b"0" * 65536)
                    await process.stdout.drain()
            except (asyncssh.Error, OSError, ConnectionError):
                pass

        process.channel.set_encoding(None)
        asyncio.ensure_future(flood())


async def test_a_server_that_floods_its_command_output_gets_no_server_hashing(tmp_path: Path) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    server = await FloodingServer(authorized_keys=key.export_public_key().decode()).start()
    try:
        conn = await asyncssh.connect(server.host, server.port, username=server.username, client_keys=[key],
                                      known_hosts=None, config=None, agent_path=None)
        try:
            assert await probe(conn.create_process) is None
        finally:
            conn.close()
    finally:
        await server.close()


def test_records_are_matched_to_the_paths_asked_for_and_anything_else_is_dropped() -> None:
    digest = hashlib.sha256(b"x").hexdigest().encode()
    output = (b"Welcome to the server\n" + digest + b"  /a/b\0"  # a greeting glued before the first record
              + b"not hex " * 8 + b"  /c\0"  # a digest that is not hex
              + digest + b" */x  /y\0"  # binary-mode separator, a name holding two spaces
              + digest + b"  /not/asked\0" + b"junk\0")
    found = parse_records(output, [b"/a/b", b"/c", b"/x  /y", b"/missing"], 64)
    assert found == {b"/a/b": bytes.fromhex(digest.decode()), b"/x  /y": bytes.fromhex(digest.decode())}
