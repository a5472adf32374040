"""Every folder listing stops at a limit (settings.toml [limits]), against real servers.

The endless server (listing_servers.py) answers READDIR forever; `sshdeck ls`
and `sshdeck cp -r` run as real subprocesses against it, in the hermetic
config dir, and must end with the limit's message instead of eating memory.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from sshdeck.core.fs.limits import DEFAULT_COPY_ENTRIES, DEFAULT_ENTRIES, DEFAULT_NAME_BYTES, ListingLimitError, ListingLimits
from sshdeck.core.fs.local import LocalFS
from sshdeck.core.fs.sftp import SftpFS
from sshdeck.core.fs.sftp_listing import BATCH, READ_AHEAD
from sshdeck.core.settings import load_settings, settings_path
from sshdeck.core.transfer import LocalEndpoint, SftpEndpoint, Transfer, TransferOptions
from tests.core.fs_servers import sftp_client
from tests.core.listing_servers import EndlessFolderServer, endless_server

SSHDECK = str(Path(sys.executable).with_name("sshdeck"))


def write_settings(text: str) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


async def collect(fs, path: str) -> tuple[list[bytes], ListingLimitError | None]:
    names: list[bytes] = []
    try:
        async for batch in fs.list(path):
            names.extend(entry.name for entry in batch)
    except ListingLimitError as exc:
        return names, exc
    return names, None


# -- settings ------------------------------------------------------------------------------


def test_limits_default_to_five_million_entries_a_gib_of_names_and_half_a_million_planned_copies() -> None:
    settings = load_settings()
    assert settings.limits == ListingLimits(5_000_000, 1 << 30, 500_000)
    assert settings.limits == ListingLimits(DEFAULT_ENTRIES, DEFAULT_NAME_BYTES, DEFAULT_COPY_ENTRIES)
    assert settings.problem is None


def test_limits_are_read_from_settings_toml() -> None:
    write_settings("[limits]\nlisting_entries = 1234\nlisting_name_bytes = 99999\ncopy_entries = 777\n")
    settings = load_settings()
    assert settings.limits == ListingLimits(entries=1234, name_bytes=99999, copy_entries=777) and settings.problem is None


@pytest.mark.parametrize(
    "text, problem",
    [
        ("[limits]\nlisting_entries = -5\n", "[limits] listing_entries must be a positive whole number; using the default"),
        ('[limits]\nlisting_entries = "lots"\n', "[limits] listing_entries must be a positive whole number; using the default"),
        ("[limits]\nlisting_entrys = 5\n", "[limits] has no setting 'listing_entrys' (known: listing_entries, listing_name_bytes, copy_entries)"),
        ("limits = 5\n", "[limits] must be a table like listing_entries = 5000000"),
    ],
)
def test_a_bad_limit_keeps_the_default_and_says_why_in_one_line(text: str, problem: str) -> None:
    write_settings(text)
    settings = load_settings()
    assert settings.limits == ListingLimits()
    assert settings.problem == f"{settings_path()}: {problem}"


# -- the local file system ------------------------------------------------------------------


@pytest.fixture
def folder_of_25(tmp_path: Path) -> Path:
    folder = tmp_path / "many"
    folder.mkdir()
    for index in range(25):
        (folder / f"file{index:02d}").write_text("x")
    return folder


async def test_local_listing_stops_at_the_entry_limit_with_what_it_got(folder_of_25: Path) -> None:
    names, error = await collect(LocalFS(limits=ListingLimits(entries=10)), str(folder_of_25))
    assert len(names) == 10 and len(set(names)) == 10
    assert str(error) == f"{folder_of_25}: stopped listing after 10 entries (limit listing_entries in settings.toml)"


async def test_local_listing_stops_at_the_name_bytes_limit(folder_of_25: Path) -> None:
    # Every name is 6 bytes: 50 bytes hold 8 names.
    names, error = await collect(LocalFS(limits=ListingLimits(name_bytes=50)), str(folder_of_25))
    assert len(names) == 8
    assert str(error) == (
        f"{folder_of_25}: stopped listing after 8 entries (limit listing_name_bytes in settings.toml)"
    )


async def test_local_listing_under_the_limit_is_complete(folder_of_25: Path) -> None:
    names, error = await collect(LocalFS(limits=ListingLimits(entries=25)), str(folder_of_25))
    assert error is None and len(names) == 25


async def test_the_pane_file_systems_follow_settings_toml(folder_of_25: Path) -> None:
    write_settings("[limits]\nlisting_entries = 7\n")
    names, error = await collect(LocalFS(), str(folder_of_25))
    assert len(names) == 7 and "stopped listing after 7 entries" in str(error)


# -- SFTP: the endless server ------------------------------------------------------------------


async def connect(server):
    import asyncssh

    key = asyncssh.read_private_key(str(server.client_key))
    known = asyncssh.import_known_hosts(server.known_hosts_line)
    return sftp_client("127.0.0.1", server.port, "tester", key, known)


async def test_sftp_listing_of_an_endless_folder_stops_and_closes_the_folder(tmp_path: Path) -> None:
    EndlessFolderServer.served = 0
    async with endless_server(tmp_path) as server:
        async with await connect(server) as (_conn, sftp):
            fs = SftpFS(sftp, "endless", limits=ListingLimits(entries=20_000))
            names, error = await collect(fs, "/endless")
            assert len(names) == 20_000 and names[0] == b"f00000000001" and names[-1] == b"f00000020000"
            assert str(error) == "/endless: stopped listing after 20,000 entries (limit listing_entries in settings.toml)"
            # The handle was closed: once the requests in flight are answered (the server
            # answers in order, so one round trip later) the server produces no more names.
            await sftp.listdir("/small")
            served = EndlessFolderServer.served
            # At most one batch past the limit, plus the requests that were in flight.
            assert served <= 20_000 + BATCH + (READ_AHEAD + 1) * 128
            await sftp.listdir("/small")
            assert EndlessFolderServer.served == served
            # The same session still lists normally.
            small, error = await collect(fs, "/small")
            assert small == [b"one.txt"] and error is None


async def test_sftp_listing_stops_at_the_name_bytes_limit(tmp_path: Path) -> None:
    async with endless_server(tmp_path) as server:
        async with await connect(server) as (_conn, sftp):
            # Names are 12 bytes: 120,000 bytes hold 10,000 of them.
            names, error = await collect(SftpFS(sftp, "endless", limits=ListingLimits(name_bytes=120_000)), "/endless")
            assert len(names) == 10_000
            assert str(error) == "/endless: stopped listing after 10,000 entries (limit listing_name_bytes in settings.toml)"


async def test_transfer_walker_refuses_an_endless_folder_and_copies_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    async with endless_server(tmp_path) as server:
        async with await connect(server) as (_conn, sftp):
            source = SftpEndpoint(sftp, b"/", limits=ListingLimits(entries=5000))
            transfer = Transfer(source, LocalEndpoint(dest), [((b"endless",), (b"endless",))], TransferOptions())
            report = await transfer.run()
    assert not report.ok
    assert [item.error for item in report.failed] == [
        "/endless: stopped listing after 5,000 entries (limit listing_entries in settings.toml)"
    ]
    assert [p for p in dest.rglob("*") if not p.is_dir()] == []


# -- the commands, as real subprocesses ------------------------------------------------------------


def command_env(tmp_path: Path, server) -> tuple[dict[str, str], Path]:
    """The hermetic HOME (conftest) with the server's key trusted, and an ssh_config for it."""
    known = Path(os.environ["HOME"]) / ".ssh" / "known_hosts"
    known.parent.mkdir(mode=0o700, exist_ok=True)
    known.write_text(server.known_hosts_line)
    return dict(os.environ), server.write_ssh_config(tmp_path / "ssh_config")


async def run_command(*argv: str, env: dict[str, str], stdout: Path) -> tuple[int, str]:
    with stdout.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            SSHDECK, *argv, stdout=out, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL, env=env
        )
        _, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode, err.decode()


@pytest.mark.parametrize("limit", [30_000, 150_000])
async def test_ls_of_an_endless_folder_ends_with_the_limit_message(tmp_path: Path, limit: int) -> None:
    write_settings(f"[limits]\nlisting_entries = {limit}\n")
    async with endless_server(tmp_path) as server:
        env, config = command_env(tmp_path, server)
        code, err = await run_command("ls", "-F", str(config), "--batch", "endless-box:/endless", env=env, stdout=tmp_path / "out")
    assert code == 1
    assert err.splitlines()[-1] == f"sshdeck ls: /endless: stopped listing after {limit:,} entries (limit listing_entries in settings.toml)"
    # Past 100,000 names ls stops sorting and streams, and says so.
    streamed = "sshdeck ls: more than 100,000 entries: printed in the server's order"
    assert (streamed in err.splitlines()) == (limit > 100_000)
    # What came before the limit is printed, every name once.
    lines = (tmp_path / "out").read_text().splitlines()
    assert len(lines) == limit and lines[0] == "f00000000001" and lines[-1] == f"f{limit:011d}"


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


async def watch_peak(process, until_served: int) -> int:
    """The child's peak RSS once the server has handed out `until_served` names (work, not time)."""
    while EndlessFolderServer.served < until_served:
        assert process.returncode is None, "ended before the listing got that far"
        await asyncio.sleep(0.2)
    return peak_rss_kib(process.pid)


async def run_watched(argv: list[str], env: dict[str, str], stdout: Path, until_served: int) -> int:
    EndlessFolderServer.served = 0
    with stdout.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            SSHDECK, *argv, stdout=out, stderr=asyncio.subprocess.DEVNULL, stdin=asyncio.subprocess.DEVNULL, env=env
        )
        try:
            return await asyncio.wait_for(watch_peak(process, until_served), timeout=240)
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()


# Held as Python objects, 1.5 million entries take well over 300 MB; streaming keeps
# ls flat.  Counted in names served, so a slow machine only takes longer.
STREAMED = 1_500_000


async def test_ls_with_the_default_limit_streams_in_flat_memory(tmp_path: Path) -> None:
    async with endless_server(tmp_path) as server:
        env, config = command_env(tmp_path, server)
        peak = await run_watched(["ls", "-F", str(config), "--batch", "endless-box:/endless"], env, tmp_path / "out", STREAMED)
    assert peak < 200 * 1024, f"peak RSS {peak} KiB"
    # Names were printed as they came, not held back.
    with (tmp_path / "out").open("rb") as out:
        printed = sum(chunk.count(b"\n") for chunk in iter(lambda: out.read(1 << 20), b""))
    assert printed > STREAMED // 2


async def test_cp_r_from_an_endless_folder_stops_with_the_message_and_leaves_no_file(tmp_path: Path) -> None:
    write_settings("[limits]\nlisting_entries = 20000\n")
    dest = tmp_path / "dest"
    dest.mkdir()
    async with endless_server(tmp_path) as server:
        env, config = command_env(tmp_path, server)
        code, err = await run_command(
            "cp", "-r", "-F", str(config), "--batch", "endless-box:/endless", str(dest), env=env, stdout=tmp_path / "out"
        )
    assert code == 1
    assert "/endless: stopped listing after 20,000 entries (limit listing_entries in settings.toml)" in err
    assert "Traceback" not in err
    assert [p for p in dest.rglob("*") if not p.is_dir()] == []


async def test_ls_on_a_shell_only_host_says_so(tmp_path: Path) -> None:
    async with endless_server(tmp_path, sftp=False) as server:
        env, config = command_env(tmp_path, server)
        code, err = await run_command("ls", "-F", str(config), "--batch", "endless-box:/", env=env, stdout=tmp_path / "out")
    assert code == 1
    assert err.strip() == "sshdeck ls: This host offers no file access (shell only)"
    assert (tmp_path / "out").read_text() == ""


async def test_a_copy_plan_of_many_folders_stops_at_the_entry_limit_and_is_refused_whole(tmp_path: Path) -> None:
    from sshdeck.core.transfer.walker import WalkOptions, walk

    tree = tmp_path / "tree"
    for folder in ("a", "b", "c"):
        (tree / folder).mkdir(parents=True)
        for index in range(5):
            (tree / folder / f"f{index}").write_text("x")
    # Each folder alone is under the per-folder limit; the plan as a whole is not.
    source = LocalEndpoint(tmp_path, limits=ListingLimits(entries=6))
    plan = await walk(source, [((b"tree",), (b"tree",))], WalkOptions(max_entries=10))
    assert [(item.kind, item.error) for item in plan] == [
        ("error", f"{tree}/b: stopped planning the copy after 10 entries (limit copy_entries in settings.toml); nothing was copied")
    ]
    # With room for all 19 entries (tree, 3 folders, 15 files) the same tree is planned in full.
    plan = await walk(source, [((b"tree",), (b"tree",))], WalkOptions(max_entries=19))
    assert len(plan) == 19 and not any(item.kind == "error" for item in plan)
    assert [item.id for item in plan] == list(range(19))


async def test_copy_entries_in_settings_toml_caps_the_plan_of_a_transfer(tmp_path: Path) -> None:
    tree = tmp_path / "src" / "tree"
    for folder in ("a", "b"):
        (tree / folder).mkdir(parents=True)
        for index in range(4):
            (tree / folder / f"f{index}").write_text("x")
    dest = tmp_path / "dest"
    dest.mkdir()
    write_settings("[limits]\ncopy_entries = 8\n")  # tree, a, 4 files, b: the 8th fits, b's files do not
    transfer = Transfer(LocalEndpoint(tmp_path / "src"), LocalEndpoint(dest), [((b"tree",), (b"tree",))], TransferOptions())
    report = await transfer.run()
    assert [item.error for item in report.failed] == [
        f"{tree}/b: stopped planning the copy after 8 entries (limit copy_entries in settings.toml); nothing was copied"
    ]
    assert list(dest.rglob("*")) == []


async def test_a_local_folder_past_the_limit_is_refused_by_the_copy_walk(folder_of_25: Path) -> None:
    from sshdeck.core.transfer.walker import WalkOptions, walk

    source = LocalEndpoint(folder_of_25.parent, limits=ListingLimits(entries=10))
    plan = await walk(source, [((b"many",), (b"many",))], WalkOptions())
    assert [(item.kind, item.error) for item in plan[1:]] == [
        ("error", f"{folder_of_25}: stopped listing after 10 entries (limit listing_entries in settings.toml)")
    ]


async def test_deleting_an_endless_remote_folder_stops_at_the_limit(tmp_path: Path) -> None:
    async with endless_server(tmp_path) as server:
        async with await connect(server) as (_conn, sftp):
            fs = SftpFS(sftp, "endless", limits=ListingLimits(entries=3000))
            with pytest.raises(ListingLimitError) as caught:
                await fs.remove("/endless")
    assert str(caught.value) == "/endless: stopped listing after 3,000 entries (limit listing_entries in settings.toml)"


async def test_deleting_a_local_folder_past_the_limit_removes_nothing_and_says_why(folder_of_25: Path) -> None:
    with pytest.raises(ListingLimitError) as caught:
        await LocalFS(limits=ListingLimits(entries=10)).remove(str(folder_of_25))
    assert str(caught.value) == f"{folder_of_25}: stopped listing after 10 entries (limit listing_entries in settings.toml)"
    assert len(list(folder_of_25.iterdir())) == 25
