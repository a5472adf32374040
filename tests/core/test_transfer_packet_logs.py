"""A transfer does not format a log line per SSH packet that no log keeps (coalesce.quiet_request_logs)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import asyncssh

from sshdeck.core.transfer import LocalEndpoint, Transfer
from tests.core.transfer_servers import Remote, connect_openssh


async def test_download_formats_no_per_packet_log_lines_while_debug_is_off(openssh_server, tmp_path: Path,
                                                                            monkeypatch) -> None:
    formatted: list[int] = []
    real = asyncssh.packet.SSHPacketLogger._log_packet

    def counted(self, msg, pkttype, *args, **kwargs):
        formatted.append(pkttype)
        return real(self, msg, pkttype, *args, **kwargs)

    monkeypatch.setattr(asyncssh.packet.SSHPacketLogger, "_log_packet", counted)
    assert not logging.getLogger("asyncssh").isEnabledFor(logging.DEBUG)
    there, here = tmp_path / "there", tmp_path / "here"
    there.mkdir()
    here.mkdir()
    data = os.urandom(4 * 1024 * 1024)  # over a hundred 32 KiB data packets
    (there / "f.bin").write_bytes(data)
    remote = Remote(lambda: connect_openssh(openssh_server))
    try:
        source = await remote.endpoint(there)
        formatted.clear()  # the login's packets were logged before the endpoint existed
        report = await Transfer(source, LocalEndpoint(here), [((b"f.bin",), (b"f.bin",))]).run()
    finally:
        await remote.close()
    assert report.ok, [i.error for i in report.failed]
    assert (here / "f.bin").read_bytes() == data
    assert formatted == []  # before: one call per packet, each naming its type and counting its bytes
