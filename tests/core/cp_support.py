"""`sshdeck cp` in-process against sshd: its arguments parsed as the command does, its connection made directly."""

from __future__ import annotations

import argparse

import pytest

from sshdeck.commands import cp
from tests.core.transfer_servers import connect_openssh


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cp.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["cp", *argv])


@pytest.fixture
def explicit_connect(openssh_server, monkeypatch):
    async def connect(target, args, err, trust=None):
        conn = await connect_openssh(openssh_server)

        async def reconnect():
            return await (await connect_openssh(openssh_server)).start_sftp_client()

        async def close():
            conn.close()

        return cp.Remote(await conn.start_sftp_client(), reconnect, close, "test")

    monkeypatch.setattr(cp, "CONNECT", connect)
    return openssh_server
