"""What shell-tab tests in the app set up alike: the app on the demo host, a shell tab opened with Ctrl+O, a direct connection."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import AsyncIterator

import asyncssh
from textual.pilot import Pilot

from sshdeck.app import SshdeckApp
from sshdeck.core.ssh.remote_source import DemoSource
from sshdeck.ui.widgets.file_pane import FilePane
from sshdeck.ui.widgets.shell_tab import ShellTab
from tests.ui.waiting import until


def screen_text(tab: ShellTab) -> str:
    """What the tab's terminal shows now (no scrollback)."""
    return "\n".join(tab.view.terminal.display())


@contextlib.asynccontextmanager
async def demo_app(tmp_path: Path, demo_root: Path) -> AsyncIterator[tuple[SshdeckApp, Pilot, FilePane]]:
    """The app with the demo host listed in the right pane, which has the focus: (app, pilot, that pane)."""
    app = SshdeckApp(local_path=str(tmp_path), remote=DemoSource(demo_root))
    async with app.run_test(size=(120, 36)) as pilot:
        right = await until(pilot, lambda: (p := app.screen.query_one("#right", FilePane)).is_idle and p, "demo")
        right.file_list.focus()
        yield app, pilot, right


async def first_shell_tab(app: SshdeckApp, pilot: Pilot, what: str = "a shell tab") -> ShellTab:
    """The first shell tab, once there is one."""
    return await until(pilot, lambda: app.screen.query(ShellTab).first(None), what)


async def shell_at_its_prompt(app: SshdeckApp, pilot: Pilot) -> ShellTab:
    """Ctrl+O, and the shell tab it opens once its prompt shows."""
    await pilot.press("ctrl+o")
    tab = await first_shell_tab(app, pilot)
    await until(pilot, lambda: screen_text(tab).rstrip().endswith(("$", "#")), "the prompt")
    return tab


def connect_to_demo(demo_server):  # noqa: ANN201 -- asyncssh's connect context
    """A plain asyncssh connection to the demo server (`async with`)."""
    return asyncssh.connect(
        demo_server.host, port=demo_server.port, username=demo_server.username,
        client_keys=[demo_server.client_key], known_hosts=demo_server.known_hosts(),
    )
