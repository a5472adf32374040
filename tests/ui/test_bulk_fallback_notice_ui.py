"""In the app: when a host refuses the transfers' own connection, one notice says the shell's connection is shared, and why."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

from tests.core.conftest import PASSWORD, make_asyncssh_server  # noqa: F401  (a fixture)
from tests.core.test_bulk_fallback_notice import refuse_new_logins
from tests.ui.uploads_app import (
    app_for_openssh, app_for_password_account, local_and_served, log_in_with_password, open_on_openssh, upload,
)

NOTICE = "share the shell's connection"


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications if NOTICE in str(n.message)]


async def test_a_host_refusing_the_transfer_connection_is_said_once_per_session_with_its_reason_escaped(
    tmp_path: Path, make_asyncssh_server, monkeypatch
) -> None:
    local, served = local_and_served(tmp_path, {"one.bin": os.urandom(512 * 1024), "two.bin": os.urandom(1000)})
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=served)
    app = app_for_password_account(tmp_path, server, local)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        right = await log_in_with_password(pilot, app, server)
        first = server.connections
        refuse_new_logins(server, monkeypatch)
        done: list = []
        for name in ("one.bin", "two.bin"):
            await upload(pilot, app, local / name, right, done)
            assert len(done) == ("one.bin", "two.bin").index(name) + 1
            assert done[-1] is not None and not done[-1].failed
        assert server.connections == first + 2  # each transfer tried its own connection, and was refused
        (shown,) = notices(app)  # said once, not once per transfer
        assert shown.startswith(f"Transfers to {right.fs.label} share the shell's connection: ")
        assert "too many logins" in shown and "\\x1b]0;owned\\x07" in shown and "\x1b" not in shown
        (connection,) = app.connections.open.values()
        assert connection.session.connection_count == 1 and not connection.bulk.is_open
    assert (served / "one.bin").read_bytes() == (local / "one.bin").read_bytes()


def restart_with(server, line: str) -> None:
    """sshd reads its config again (SIGHUP), with `line` last; connections already open stay."""
    listening = server.log.read_text().count("Server listening")
    server.config.write_text(server.config.read_text() + line + "\n")
    server._process.send_signal(signal.SIGHUP)
    for _ in range(400):
        if server.log.read_text().count("Server listening") > listening:
            return
        time.sleep(0.025)
    raise AssertionError("sshd did not restart")


async def test_sshd_past_maxstartups_gets_the_uploads_on_the_shared_connection_and_one_notice(
    tmp_path: Path, make_openssh_server
) -> None:
    server = make_openssh_server()
    local, served = local_and_served(tmp_path, {"one.bin": os.urandom(256 * 1024), "two.bin": b"two\n"})
    app = app_for_openssh(tmp_path, server, local)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        right = await open_on_openssh(pilot, app, server, served)
        # From now on one login waiting to authenticate is all sshd takes (our own connection is already in),
        # and someone else's sits there: every new connection is dropped.
        restart_with(server, "MaxStartups 1")
        with socket.create_connection((server.host, server.port)) as waiting:
            assert waiting.recv(4) == b"SSH-"
            done: list = []
            for count, name in enumerate(("one.bin", "two.bin"), 1):
                await upload(pilot, app, local / name, right, done)
                assert len(done) == count
                assert done[-1] is not None and not done[-1].failed
            assert server.log.read_text().count("past MaxStartups") == 2
        (shown,) = notices(app)
        assert shown.startswith(f"Transfers to {right.fs.label} share the shell's connection: ")
        (connection,) = app.connections.open.values()
        assert connection.session.connection_count == 1 and connection.bulk.opened == 0
    assert (served / "one.bin").read_bytes() == (local / "one.bin").read_bytes()
    assert (served / "two.bin").read_text() == "two\n"
