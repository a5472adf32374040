"""A hostile SFTP server as the sync source: unsafe names are refused and reported, and block deletes."""

from __future__ import annotations

import os
from pathlib import Path

from sshdeck.core.sync import SyncOptions, plan_sync, run_plan
from sshdeck.core.transfer import LocalEndpoint, SftpEndpoint
from tests.core.transfer_servers import HostileServer, HostileTree


class TraversalAndDuplicates(HostileTree):
    LISTING = {
        b"/evil": [
            (b"../escape.txt", "file", 4),
            (b"/tmp/absolute.txt", "file", 4),
            (b"sub\0nul", "file", 4),
            (b"", "file", 4),
            (b"dup.txt", "file", 3),
            (b"dup.txt", "file", 3),
            (b"ok.txt", "file", 4),
            (b"esc\x1b]0;pwned\x07.txt", "file", 4),
            (b"link", "link", 0),
        ],
    }
    DATA = {b"/evil/ok.txt": b"good", b"/evil/esc\x1b]0;pwned\x07.txt": b"bell"}


async def test_unsafe_names_are_reported_escaped_and_nothing_is_deleted_or_written_outside(tmp_path: Path) -> None:
    dest = tmp_path / "jail" / "dest"
    dest.mkdir(parents=True)
    (tmp_path / "jail" / "outside.txt").write_text("keep")
    (dest / "mine.txt").write_text("not on the server, but the server's listing was not trustworthy")
    async with HostileServer(TraversalAndDuplicates) as server:
        conn = await server.connect()
        try:
            source = SftpEndpoint(await conn.start_sftp_client(), b"/evil", label="hostile")
            plan = await plan_sync(source, LocalEndpoint(dest), SyncOptions(delete=True))
            result = await run_plan(source, LocalEndpoint(dest), plan)
        finally:
            conn.close()
            await conn.wait_closed()
    assert [a.line() for a in plan.actions] == ["copy esc\\x1b]0;pwned\\x07.txt", "copy ok.txt"]
    problems = " | ".join(plan.problems)
    assert "entry '../escape.txt' left alone: name contains '/'" in problems
    assert "entry 'dup.txt' left alone: listed more than once" in problems
    assert "left alone: empty name" in problems and "left alone: name contains a NUL byte" in problems
    assert all("\x1b" not in p and "\x07" not in p for p in plan.problems)
    assert result.ok and result.deleted == 0
    assert sorted(os.listdir(dest)) == ["esc\x1b]0;pwned\x07.txt", "mine.txt", "ok.txt"]
    assert sorted(os.listdir(tmp_path / "jail")) == ["dest", "outside.txt"]
    assert (tmp_path / "jail" / "outside.txt").read_text() == "keep"
