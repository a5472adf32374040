"""The app connected to a test server and uploading from its local pane: the set-up the transfer-connection tests share.

Two ways in, as a user takes them: an account with a password on the
in-process asyncssh server (a known host), and OpenSSH's sshd with a key
named in an ssh_config file (an unknown host, connected to once).
"""

from __future__ import annotations

import os
from pathlib import Path

from sshdeck.app import SshdeckApp
from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.trust import TrustStore
from sshdeck.ui.screens.auth_prompts import PasswordPrompt
from sshdeck.ui.screens.host_key_prompt import HostKeyPrompt
from sshdeck.ui.widgets.file_pane import FilePane
from tests.core.conftest import PASSWORD
from tests.ui.waiting import until


def pane(app, side: str) -> FilePane:
    screen = app.screen if not app.screen.is_modal else app.screen_stack[-2]
    return screen.query_one(f"#{side}", FilePane)


def file_entry(path: Path) -> Entry:
    return Entry(os.fsencode(path.name), EntryKind.FILE, path.stat().st_size)


def local_and_served(tmp_path: Path, files: dict[str, bytes]) -> tuple[Path, Path]:
    """(the local folder holding `files`, the empty folder the server serves)."""
    served = tmp_path / "served"
    served.mkdir()
    local = tmp_path / "local"
    local.mkdir()
    for name, data in files.items():
        (local / name).write_bytes(data)
    return local, served


def app_for_password_account(tmp_path: Path, server, local: Path) -> SshdeckApp:
    """The app in `local`, with the asyncssh server's host key already trusted."""
    trust = TrustStore(own_file=tmp_path / "kh", read_files=[])
    trust.own_file.write_text(server.known_hosts_line())
    return SshdeckApp(local_path=str(local), trust=trust, ssh_config=None)


async def log_in_with_password(pilot, app, server) -> FilePane:
    """Quick connect as `tester`, the password typed into its prompt; the right pane once it lists the server."""
    await until(pilot, lambda: pane(app, "left").is_idle, "the local pane")
    await pilot.press("ctrl+k", *f"tester@{server.host}:{server.port}", "enter")
    await until(pilot, lambda: isinstance(app.screen, PasswordPrompt), "the password prompt")
    await pilot.press(*PASSWORD, "enter")
    return await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.fs.label != "local" and p, "the listing")


def app_for_openssh(tmp_path: Path, server, local: Path) -> SshdeckApp:
    """The app in `local`, its ssh_config naming the sshd's client key; the host key not yet known."""
    config = tmp_path / "cfg"
    config.write_text(f"Host *\n  IdentityFile {server.client_key}\n")
    return SshdeckApp(local_path=str(local), trust=TrustStore(own_file=tmp_path / "kh", read_files=[]), ssh_config=str(config))


async def open_on_openssh(pilot, app, server, served: Path) -> FilePane:
    """Quick connect to an sftp:// URL of `served`, the host key accepted once; the right pane once it lists it."""
    await until(pilot, lambda: pane(app, "left").is_idle, "the local pane")
    await pilot.press("ctrl+k", *f"sftp://{server.username}@{server.host}:{server.port}/{served}", "enter")
    await until(pilot, lambda: isinstance(app.screen, HostKeyPrompt), "the host-key prompt")
    await pilot.click("#connect-once")
    return await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.path == str(served) and p, "the listing")


async def upload(pilot, app, path: Path, right: FilePane, done: list) -> None:
    """`path` sent from the left pane's folder to the right pane's; returns once its report is in `done`."""
    before = len(done)
    left = pane(app, "left")
    app.transfers.start(left.fs, left.path, [file_entry(path)], right.fs, right.path, on_done=done.append, confirm=False)
    await until(pilot, lambda: len(done) > before, f"the upload of {path.name}", tries=2000)
