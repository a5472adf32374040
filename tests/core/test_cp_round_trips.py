"""`sshdeck cp host:/plain/absolute/path` asks the server nothing to resolve its folder (a round trip saved)."""

from __future__ import annotations

import io
from pathlib import Path

import asyncssh
import pytest

from sshdeck.commands import cp
from tests.core.test_transfer_cp_command import explicit_connect, parse  # noqa: F401 - explicit_connect is a fixture


@pytest.fixture
def realpaths(monkeypatch) -> list[str]:
    asked: list[str] = []
    real = asyncssh.SFTPClient.realpath

    async def counted(self, path, *args, **kwargs):
        asked.append(path)
        return await real(self, path, *args, **kwargs)

    monkeypatch.setattr(asyncssh.SFTPClient, "realpath", counted)
    return asked


@pytest.mark.parametrize(("typed", "resolves"), [
    ("{root}/remote/f.txt", False),  # absolute and plain: taken as it is
    ("{root}/remote/../remote/f.txt", True),  # '..' is the server's to resolve
])
async def test_get_of_a_plain_absolute_path_sends_no_realpath(explicit_connect, realpaths,  # noqa: F811
                                                             tmp_path: Path, typed: str, resolves: bool) -> None:
    server = explicit_connect
    (tmp_path / "remote").mkdir()
    (tmp_path / "remote" / "f.txt").write_bytes(b"payload")
    (tmp_path / "here").mkdir()
    err = io.StringIO()
    source = f"{server.username}@{server.host}:" + typed.format(root=tmp_path)
    assert await cp.run_async(parse(source, str(tmp_path / "here")), stderr=err) == 0, err.getvalue()
    assert (tmp_path / "here" / "f.txt").read_bytes() == b"payload"
    assert bool(realpaths) == resolves
