"""In the app: when a host refuses the transfers' own connection, one notice says the shell's connection is shared, and why."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

from sshdeck.app import SshdeckApp
from sshdeck.core.trust import TrustStore
from sshdeck.ui.screens.auth_prompts import PasswordPrompt
from sshdeck.ui.screens.host_key_prompt import HostKeyPrompt
from tests.core.conftest import PASSWORD, make_asyncssh_server  # noqa: F401  (a fixture)
from tests.core.test_bulk_fallback_notice import refuse_new_logins
from tests.ui.test_bulk_transfers import file_entry, pane
from tests.ui.waiting import until

NOTICE = "share the shell's connection"


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications if NOTICE in str(n.message)]


async def test_a_host_refusing_the_transfer_connection_is_said_once_per_session_with_its_reason_escaped(
    tmp_path: Path, make_asyncssh_server, monkeypatch
) -> None:
    served = tmp_path / "served"
    served.mkdir()
    local = tmp_path / "local"
    local.mkdir()
    (local / "one.bin").write_bytes(os.urandom(512 * 1024))
    (local / "two.bin").write_bytes(os.urandom(1000))
    server = await make_asyncssh_server(password=PASSWORD, sftp_root=served)
    trust = TrustStore(own_file=tmp_path / "kh", read_files=[])
    trust.own_file.write_text(server.known_hosts_line())
    app = SshdeckApp(local_path=str(local), trust=trust, ssh_config=None)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await until(pilot, lambda: pane(app, "left").is_idle, "the local pane")
        await pilot.press("ctrl+k", *f"tester@{server.host}:{server.port}", "enter")
        await until(pilot, lambda: isinstance(app.screen, PasswordPrompt), "the password prompt")
        await pilot.press(*PASSWORD, "enter")
        right = await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.fs.label != "local" and p, "the listing")
        first = server.connections
        refuse_new_logins(server, monkeypatch)
        left, done = pane(app, "left"), []
        for name in ("one.bin", "two.bin"):
            app.transfers.start(left.fs, left.path, [file_entry(local / name)], right.fs, right.path,
                                on_done=done.append, confirm=False)
            await until(pilot, lambda: len(done) == ("one.bin", "two.bin").index(name) + 1, f"the upload of {name}",
                        tries=2000)
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
    served = tmp_path / "served"
    served.mkdir()
    local = tmp_path / "local"
    local.mkdir()
    (local / "one.bin").write_bytes(os.urandom(256 * 1024))
    (local / "two.bin").write_bytes(b"two\n")
    config = tmp_path / "cfg"
    config.write_text(f"Host *\n  IdentityFile {server.client_key}\n")
    app = SshdeckApp(local_path=str(local), trust=TrustStore(own_file=tmp_path / "kh", read_files=[]), ssh_config=str(config))
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await until(pilot, lambda: pane(app, "left").is_idle, "the local pane")
        await pilot.press("ctrl+k", *f"sftp://{server.username}@{server.host}:{server.port}/{served}", "enter")
        await until(pilot, lambda: isinstance(app.screen, HostKeyPrompt), "the host-key prompt")
        await pilot.click("#connect-once")
        right = await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.path == str(served) and p, "the listing")
        # From now on one login waiting to authenticate is all sshd takes (our own connection is already in),
        # and someone else's sits there: every new connection is dropped.
        restart_with(server, "MaxStartups 1")
        with socket.create_connection((server.host, server.port)) as waiting:
            assert waiting.recv(4) == b"SSH-"
            left, done = pane(app, "left"), []
            for count, name in enumerate(("one.bin", "two.bin"), 1):
                app.transfers.start(left.fs, left.path, [file_entry(local / name)], right.fs, right.path,
                                    on_done=done.append, confirm=False)
                await until(pilot, lambda: len(done) == count, f"the upload of {name}", tries=2000)
                assert done[-1] is not None and not done[-1].failed
            assert server.log.read_text().count("past MaxStartups") == 2
        (shown,) = notices(app)
        assert shown.startswith(f"Transfers to {right.fs.label} share the shell's connection: ")
        (connection,) = app.connections.open.values()
        assert connection.session.connection_count == 1 and connection.bulk.opened == 0
    assert (served / "one.bin").read_bytes() == (local / "one.bin").read_bytes()
    assert (served / "two.bin").read_text() == "two\n"
