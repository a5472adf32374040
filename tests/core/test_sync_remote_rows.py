"""A sync lists remote folders with its own lean parser (core/sync/remote_rows.py): the same tree as the endpoint's listing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sshdeck.core.fs.limits import ListingLimits
from sshdeck.core.sync import remote_rows, scan_tree
from sshdeck.core.sync.tree import Excludes, Tree
from sshdeck.core.transfer import SftpEndpoint
from tests.core.test_sync_local_scan import make_tree
from tests.core.test_sync_plan import remote  # noqa: F401 - fixture
from tests.core.test_sync_hostile_server import TraversalAndDuplicates
from tests.core.transfer_servers import HostileServer


async def both_ways(endpoint_for, monkeypatch: pytest.MonkeyPatch, excludes: Excludes | None = None) -> tuple[Tree, Tree]:
    lean = await scan_tree(await endpoint_for(), excludes)
    with monkeypatch.context() as patch:
        patch.setattr(remote_rows, "lean_listing", lambda endpoint: False)
        plain = await scan_tree(await endpoint_for(), excludes)
    return lean, plain


def same(one: Tree, two: Tree) -> None:
    assert one.entries == two.entries
    assert (one.ignored, one.incomplete, one.problems, one.count) == (two.ignored, two.incomplete, two.problems, two.count)


async def test_lean_remote_listing_gives_the_endpoints_tree_on_sshd(remote, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    root = tmp_path / "tree"
    make_tree(root, tmp_path / "outside")
    lean, plain = await both_ways(lambda: remote.endpoint(root), monkeypatch, Excludes(["*.log"]))
    assert remote_rows.lean_listing(await remote.endpoint(root))
    same(lean, plain)
    assert (b"b", b"out") in lean.ignored and (b"a", b"deep", b"deeper", b"z.bin") in lean.entries
    assert (b"a", b"deep", b"debug.log") not in lean.entries


async def test_lean_remote_listing_keeps_the_listing_limit(remote, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    root = tmp_path / "tree"
    make_tree(root, tmp_path / "outside")
    lean, plain = await both_ways(lambda: remote.endpoint(root, limits=ListingLimits(entries=3)), monkeypatch)
    same(lean, plain)
    assert lean.incomplete == {()} and "stopped listing after 3 entries" in lean.problems[0]


async def test_lean_remote_listing_reports_a_hostile_servers_names_like_the_endpoint(monkeypatch) -> None:
    async with HostileServer(TraversalAndDuplicates) as server:
        conn = await server.connect()
        try:
            sftp = await conn.start_sftp_client()

            async def endpoint() -> SftpEndpoint:
                return SftpEndpoint(sftp, b"/evil", label="hostile")

            assert remote_rows.lean_listing(await endpoint())
            lean, plain = await both_ways(endpoint, monkeypatch)
        finally:
            conn.close()
            await conn.wait_closed()
    same(lean, plain)
    assert sorted(lean.entries) == [(b"esc\x1b]0;pwned\x07.txt",), (b"ok.txt",)]
    assert lean.incomplete == {()} and len(lean.problems) == 6 and lean.ignored == {(b"link",)}
