"""`sshdeck cp` end to end, with the connect step swapped for an explicit-key connection."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from sshdeck.commands import cp
from tests.core.transfer_servers import connect_openssh


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cp.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["cp", *argv])


@pytest.fixture
def explicit_connect(openssh_server, monkeypatch):
    async def connect(target, args, err):
        conn = await connect_openssh(openssh_server)

        async def reconnect():
            return await (await connect_openssh(openssh_server)).start_sftp_client()

        async def close():
            conn.close()

        return cp.Remote(await conn.start_sftp_client(), reconnect, close, "test")

    monkeypatch.setattr(cp, "CONNECT", connect)
    return openssh_server


async def test_cp_uploads_a_tree_and_downloads_it_back(explicit_connect, tmp_path: Path) -> None:
    server = explicit_connect
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "tree" / "sub" / "a b.txt").write_bytes(b"alpha")
    (tmp_path / "remote").mkdir()
    (tmp_path / "back").mkdir()
    err = io.StringIO()
    remote = f"{server.username}@{server.host}:{tmp_path / 'remote'}"
    assert await cp.run_async(parse("-r", str(tmp_path / "tree"), remote), stderr=err) == 0, err.getvalue()
    assert (tmp_path / "remote" / "tree" / "sub" / "a b.txt").read_bytes() == b"alpha"
    err = io.StringIO()
    assert await cp.run_async(parse("-r", f"{remote}/tree", str(tmp_path / "back")), stderr=err) == 0
    assert (tmp_path / "back" / "tree" / "sub" / "a b.txt").read_bytes() == b"alpha"
    assert "1 of 1 files copied" in err.getvalue()


async def test_cp_exits_nonzero_when_an_item_fails(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"new")
    (tmp_path / "dst").mkdir()
    (tmp_path / "dst" / "a.txt").write_bytes(b"old")
    err = io.StringIO()
    status = await cp.run_async(parse("--on-conflict=skip", str(tmp_path / "a.txt"), str(tmp_path / "dst")), stderr=err)
    assert status == 0 and (tmp_path / "dst" / "a.txt").read_bytes() == b"old"
    status = await cp.run_async(parse(str(tmp_path / "missing.txt"), str(tmp_path / "dst")), stderr=err)
    assert status == 1 and "FAILED" in err.getvalue() and "no such file" in err.getvalue()


async def test_cp_without_recursive_refuses_folders(tmp_path: Path) -> None:
    (tmp_path / "tree").mkdir()
    (tmp_path / "dst").mkdir()
    err = io.StringIO()
    status = await cp.run_async(parse(str(tmp_path / "tree"), str(tmp_path / "dst")), stderr=err)
    assert "is a folder (use -r)" in err.getvalue()
    assert status == 1
