"""Many small files over several SFTP channels (lanes), and folders created a level at a time."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

import sshdeck.core.transfer.engine as engine
from sshdeck.core.transfer import Journal, LocalEndpoint, SftpEndpoint, Transfer, TransferOptions
from sshdeck.core.transfer.conflicts import ConflictChoice, ConflictDecision
from sshdeck.core.transfer.lanes import LANES_FROM, Lane
from tests.core.test_transfer_ranges import Channels
from tests.core.transfer_servers import CuttingProxy, HostileServer, HostileTree, Remote, connect_openssh

COUNT = LANES_FROM + 36  # enough small files for the engine to open lanes


def small_tree(root: Path, count: int = COUNT) -> dict[str, bytes]:
    """`count` files of 1-5 KiB under root/tree, some in sub-folders; returns relative path -> bytes."""
    files = {}
    for index in range(count):
        rel = f"f{index:04d}" if index % 3 else f"sub{index % 4}/g{index:04d}"
        data = os.urandom(1024 + index * 37 % 4096)
        path = root / "tree" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[rel] = data
    return files


def arrived(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def spy_on_copies(monkeypatch) -> list[object]:
    """Record, for each file copied, the endpoint pair it went through."""
    used: list[object] = []
    real = engine.copy_file

    async def watched(transfer, item, attempt):
        used.append((id(transfer.source), id(transfer.dest)))
        return await real(transfer, item, attempt)

    monkeypatch.setattr(engine, "copy_file", watched)
    return used


async def endpoints(remote: Remote, channels: Channels, here: Path, there: Path, direction: str):
    remote_end = SftpEndpoint(await remote.sftp(), os.fsencode(str(there)), reconnect=remote.sftp, channels=channels)
    local_end = LocalEndpoint(here)
    return (remote_end, local_end) if direction == "download" else (local_end, remote_end)


@pytest.mark.parametrize("direction", ["download", "upload"])
async def test_many_small_files_go_over_several_channels_and_arrive_identical(openssh_server, tmp_path: Path,
                                                                              direction: str, monkeypatch) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    files = small_tree(there if direction == "download" else here)
    used = spy_on_copies(monkeypatch)
    remote = Remote(lambda: connect_openssh(openssh_server))
    channels = Channels(remote)
    try:
        source, dest = await endpoints(remote, channels, here, there, direction)
        report = await Transfer(source, dest, [((b"tree",), (b"out",))], TransferOptions(file_channels=3)).run()
    finally:
        await remote.close()
    assert report.ok, [i.error for i in report.failed]
    assert channels.opened == 2  # two lanes besides the main channel
    assert len(set(used)) == 3  # and files really went over all three
    out = (here if direction == "download" else there) / "out"
    assert arrived(out) == files
    assert not [p for p in out.rglob("*.sshdeck-part")]


async def test_few_small_files_open_no_extra_channel(openssh_server, tmp_path: Path) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    files = small_tree(there, LANES_FROM - 1)
    remote = Remote(lambda: connect_openssh(openssh_server))
    channels = Channels(remote)
    try:
        source, dest = await endpoints(remote, channels, here, there, "download")
        report = await Transfer(source, dest, [((b"tree",), (b"tree",))]).run()
    finally:
        await remote.close()
    assert report.ok and channels.opened == 0
    assert arrived(here / "tree") == files


async def test_server_allowing_two_sessions_still_copies_every_small_file(make_openssh_server, tmp_path: Path) -> None:
    server = make_openssh_server("MaxSessions 2")
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    files = small_tree(here)
    remote = Remote(lambda: connect_openssh(server))
    channels = Channels(remote)
    try:
        source, dest = await endpoints(remote, channels, here, there, "upload")
        # A shell holds one of the two sessions, the transfer's own SFTP channel the other.
        shell = await remote.conns[-1].create_process("sleep 60")
        report = await Transfer(source, dest, [((b"tree",), (b"tree",))], TransferOptions(file_channels=4)).run()
        shell.close()
    finally:
        await remote.close()
    assert report.ok, [i.error for i in report.failed]
    assert channels.refused == 1 and channels.opened == 0  # one refusal ends the attempts
    assert arrived(there / "tree") == files


@pytest.mark.parametrize("direction", ["download", "upload"])
async def test_cut_connection_while_lanes_copy_reconnects_and_finishes_every_file(openssh_server, tmp_path: Path,
                                                                                  direction: str) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    files = small_tree(there if direction == "download" else here, 3 * LANES_FROM)
    proxy = await CuttingProxy(openssh_server.host, openssh_server.port, cut_after=300 * 1024,
                               upstream=direction == "upload").start()
    remote = Remote(lambda: connect_openssh(openssh_server, proxy.port))
    channels = Channels(remote)
    journal = Journal()
    try:
        source, dest = await endpoints(remote, channels, here, there, direction)
        options = TransferOptions(file_channels=3, backoff_initial=0.05)
        report = await Transfer(source, dest, [((b"tree",), (b"tree",))], options, journal=journal).run()
    finally:
        await remote.close()
        await proxy.close()
    assert proxy.cuts == 1
    assert channels.opened >= 2  # lanes were open on the first connection
    assert report.ok, [i.error for i in report.failed]
    out = (here if direction == "download" else there) / "tree"
    assert arrived(out) == files
    assert not [p for p in out.rglob("*.sshdeck-part")]
    assert journal.unfinished() == []


async def test_conflict_answer_for_all_given_on_a_lane_holds_for_every_lane(openssh_server, tmp_path: Path) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    files = small_tree(here)
    for rel in files:  # every file already exists at the destination
        (there / "tree" / rel).parent.mkdir(parents=True, exist_ok=True)
        (there / "tree" / rel).write_bytes(b"old")
    asked = []

    remote = Remote(lambda: connect_openssh(openssh_server))
    channels = Channels(remote)

    async def on_conflict(conflict):
        asked.append(conflict.name)
        for _ in range(1000):  # the question stays open until the lanes are up (their workers wait on it)
            if channels.opened == 2:
                break
            await asyncio.sleep(0.01)
        return ConflictDecision(ConflictChoice.SKIP, apply_to_all=True)

    try:
        source, dest = await endpoints(remote, channels, here, there, "upload")
        transfer = Transfer(source, dest, [((b"tree",), (b"tree",))], TransferOptions(file_channels=3),
                            on_conflict=on_conflict)
        report = await transfer.run()
    finally:
        await remote.close()
    assert channels.opened == 2
    assert len(asked) == 1
    assert len(report.skipped) == len(files)
    assert set(arrived(there / "tree").values()) == {b"old"}


class ManyNamesSomeHostile(HostileTree):
    """Enough files for lanes, with names that try to leave the destination among them."""

    LISTING = {
        b"/evil": [(b"f%03d" % n, "file", 4) for n in range(COUNT)]
        + [(b"../escape.txt", "file", 4), (b"a/../../x.txt", "file", 4), (b"/tmp/abs.txt", "file", 4)]
    }
    DATA = {b"/evil/f%03d" % n: b"good" for n in range(COUNT)}


async def test_hostile_server_over_lanes_cannot_write_outside_the_destination(tmp_path: Path) -> None:
    jail = tmp_path / "jail"
    dest = jail / "dest"
    dest.mkdir(parents=True)
    opened = []
    async with HostileServer(ManyNamesSomeHostile) as server:
        conn = await server.connect()

        async def channel():
            opened.append(1)
            return await conn.start_sftp_client()

        try:
            source = SftpEndpoint(await conn.start_sftp_client(), b"/", channels=channel)
            report = await Transfer(source, LocalEndpoint(dest), [((b"evil",), (b"evil",))],
                                    TransferOptions(file_channels=3)).run()
        finally:
            conn.close()
            await conn.wait_closed()
    assert len(opened) == 2
    assert {p.name for p in tmp_path.iterdir()} == {"jail"}
    assert {p.name for p in jail.iterdir()} == {"dest"}
    assert sorted(p.name for p in (dest / "evil").iterdir()) == [f"f{n:03d}" for n in range(COUNT)]
    assert len(report.failed) == 3


async def test_folders_of_one_level_are_requested_together(openssh_server, tmp_path: Path, monkeypatch) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    for a in range(6):
        for b in range(5):
            (here / "top" / f"a{a}" / f"b{b}").mkdir(parents=True)
            (here / "top" / f"a{a}" / f"b{b}" / "file").write_bytes(b"x%d%d" % (a, b))
    there.mkdir()
    in_flight, most = 0, 0
    real = SftpEndpoint.make_dir

    async def counted(self, rel):
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            return await real(self, rel)
        finally:
            in_flight -= 1

    monkeypatch.setattr(SftpEndpoint, "make_dir", counted)
    remote = Remote(lambda: connect_openssh(openssh_server))
    try:
        dest = await remote.endpoint(there)
        report = await Transfer(LocalEndpoint(here), dest, [((b"top",), (b"top",))]).run()
    finally:
        await remote.close()
    assert report.ok, [i.error for i in report.failed]
    assert most == 30  # the 30 folders of the deepest level went out at once
    assert arrived(there / "top") == arrived(here / "top")


async def test_a_failed_folder_fails_its_children_and_files_only(tmp_path: Path) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    for name in ("good", "bad"):
        (here / "top" / name / "inner").mkdir(parents=True)
        (here / "top" / name / "inner" / "file").write_bytes(name.encode())
    (there / "top").mkdir(parents=True)
    (there / "top" / "bad").write_bytes(b"a file where a folder should go")
    report = await Transfer(LocalEndpoint(here), LocalEndpoint(there), [((b"top",), (b"top",))]).run()
    failed = {item.name: item.error for item in report.failed}
    assert set(failed) == {"top/bad", "top/bad/inner", "top/bad/inner/file"}
    assert "not a folder" in failed["top/bad"]
    assert "parent folder failed" in failed["top/bad/inner"]
    assert (there / "top" / "good" / "inner" / "file").read_bytes() == b"good"
    assert (there / "top" / "bad").read_bytes() == b"a file where a folder should go"


def test_an_answer_given_through_a_lane_is_the_whole_transfers() -> None:
    transfer = Transfer(LocalEndpoint("/"), LocalEndpoint("/"), [])
    lane = Lane(transfer, "source over another channel", "dest over another channel", 0)
    lane.sticky_choice = ConflictChoice.SKIP
    assert transfer.sticky_choice is ConflictChoice.SKIP
    assert lane.options is transfer.options and lane.source != transfer.source


def test_lanes_default_matches_the_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "Many small files (64 or more) are spread over up to 4 SFTP channels" in readme
    assert TransferOptions().file_channels == 4 and LANES_FROM == 64


async def test_an_uploaded_file_is_finished_in_one_round_trip(openssh_server, tmp_path: Path, monkeypatch) -> None:
    """setstat, fsync and close of the partial go out together; the rename only after all three answered."""
    import asyncssh.sftp as sftp_protocol

    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    (here / "one.txt").write_bytes(b"payload")
    sent: list[tuple[object, int]] = []
    real = sftp_protocol.SFTPClientHandler._send_request

    def watched(self, pkttype, args, waiter):
        sent.append((pkttype, len(self._requests)))  # requests still unanswered when this one goes out
        return real(self, pkttype, args, waiter)

    monkeypatch.setattr(sftp_protocol.SFTPClientHandler, "_send_request", watched)
    remote = Remote(lambda: connect_openssh(openssh_server))
    try:
        dest = await remote.endpoint(there)
        sent.clear()
        report = await Transfer(LocalEndpoint(here), dest, [((b"one.txt",), (b"one.txt",))]).run()
    finally:
        await remote.close()
    assert report.ok, [i.error for i in report.failed]
    assert (there / "one.txt").read_bytes() == b"payload"
    kinds = [kind for kind, _ in sent]
    close = kinds.index(sftp_protocol.FXP_CLOSE)
    assert kinds[close - 2:close] == [sftp_protocol.FXP_FSETSTAT, b"fsync@openssh.com"]
    assert sent[close][1] == 2  # setstat and fsync still on the way when close was sent
    rename = kinds.index(b"posix-rename@openssh.com")
    assert rename > close and sent[rename][1] == 0  # the commit waited for all three
