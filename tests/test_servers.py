"""The test harness itself: both real servers accept sshdeck's client side."""

from __future__ import annotations

from pathlib import Path

import asyncssh


def connect_to_demo(server, key=None):
    """A client connection to the demo server: its own key unless `key` is given, no config, no agent."""
    return asyncssh.connect(
        server.host,
        server.port,
        username=server.username,
        client_keys=[key or server.client_key],
        known_hosts=server.known_hosts(),
        config=None,
        agent_path=None,
    )


async def test_demo_server_serves_its_folder_over_sftp(demo_server, demo_root: Path) -> None:
    async with connect_to_demo(demo_server) as conn:
        async with conn.start_sftp_client() as sftp:
            names = set(await sftp.listdir("/"))
    assert {"projects", "photos 2024", "empty folder", "disk-image.bin"} <= names


async def test_demo_server_refuses_other_keys(demo_server) -> None:
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    try:
        await connect_to_demo(demo_server, stranger)
    except asyncssh.PermissionDenied:
        return
    raise AssertionError("a key the demo did not make was accepted")


async def test_demo_shell_runs_in_the_demo_folder(demo_server, demo_root: Path) -> None:
    async with connect_to_demo(demo_server) as conn:
        result = await conn.run("pwd", term_type="xterm-256color", term_size=(80, 24))
    assert result.stdout.strip() == str(demo_root.resolve())
    assert result.exit_status == 0


async def test_openssh_server_lists_a_folder_over_sftp(openssh_server, tmp_path: Path) -> None:
    (tmp_path / "hello world.txt").write_text("hi")
    known_hosts = asyncssh.import_known_hosts(openssh_server.known_hosts_line())
    async with asyncssh.connect(
        openssh_server.host,
        openssh_server.port,
        username=openssh_server.username,
        client_keys=[str(openssh_server.client_key)],
        known_hosts=known_hosts,
        config=None,
        agent_path=None,
    ) as conn:
        async with conn.start_sftp_client() as sftp:
            names = await sftp.listdir(str(tmp_path))
    assert "hello world.txt" in names


def test_demo_sandbox_is_removed_only_when_sshdeck_made_it(tmp_path: Path) -> None:
    from sshdeck.core.ssh.demo import DemoSandbox

    made = DemoSandbox(None)
    assert (made.path / "photos 2024" / "été à Lyon.txt").exists()
    made.cleanup()
    assert not made.path.exists()

    mine = tmp_path / "my files"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine")
    given = DemoSandbox(mine)
    given.cleanup()
    assert (mine / "keep.txt").read_text() == "mine"
