"""The app with $VISUAL set to a script, and the helpers the F4 tests share to drive it and look at the result."""

from __future__ import annotations

import sys
from pathlib import Path

import asyncssh

from sshdeck.app import SshdeckApp
from sshdeck.core.edit import edits_dir
from sshdeck.core.ssh.remote_source import DirectSftpSource
from sshdeck.ui.widgets.file_pane import FilePane
from tests.ui.waiting import both_panes_idle


def script(tmp_path: Path, name: str, text: str, **fields: str) -> str:
    path = tmp_path / name
    path.write_text(text.format(python=sys.executable, **fields))
    path.chmod(0o755)
    return str(path)


def make_app(tmp_path: Path, remote) -> SshdeckApp:
    local = tmp_path / "local"
    local.mkdir(exist_ok=True)
    return SshdeckApp(local_path=str(local), remote=remote)


async def open_editor_on(pilot, app: SshdeckApp, name: str) -> FilePane:
    _left, right = await both_panes_idle(pilot, app)
    right.file_list.focus()
    right.file_list.cursor = [e.display for e in right.file_list.entries].index(name)
    await pilot.pause()
    await pilot.press("f4")
    return right


def kept_copies() -> list[Path]:
    folder = edits_dir()
    return sorted(p for p in folder.glob("*/*") if p.is_file()) if folder.exists() else []


def messages(app: SshdeckApp) -> list[str]:
    return [n.message for n in app._notifications]


def openssh_source(openssh_server, served: Path) -> DirectSftpSource:
    """The fixture's sshd, showing the folder `served`."""
    return DirectSftpSource(
        host=openssh_server.host,
        port=openssh_server.port,
        username=openssh_server.username,
        client_keys=[str(openssh_server.client_key)],
        known_hosts=asyncssh.import_known_hosts(openssh_server.known_hosts_line()),
        path=str(served),
    )
