"""The bare app the transfer UI tests drive (the panel and its controller over the demo server), and their helpers."""

from __future__ import annotations

import os
import time
from pathlib import Path

from textual.app import App, ComposeResult

from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.ssh.remote_source import DemoSource
from sshdeck.core.transfer import TransferOptions
from sshdeck.ui.themes import load_themes
from sshdeck.ui.transfers import TransferController
from sshdeck.ui.widgets.transfer_panel import TransferPanel

STYLES = Path(__file__).resolve().parents[2] / "sshdeck" / "ui" / "styles"


class TransferApp(App):
    """A bare app with the transfer panel, its controller and, when given, the demo server's files."""

    CSS_PATH = [STYLES / "app.tcss", STYLES / "transfers.tcss"]

    def __init__(self, demo_root: Path | None = None, options: TransferOptions | None = None) -> None:
        super().__init__()
        self.demo = DemoSource(demo_root) if demo_root is not None else None
        self.remote_fs = None
        self.controller = TransferController(self, options=options)
        for theme in load_themes().themes:
            self.register_theme(theme)
        self.theme = "sshdeck-dark"

    def compose(self) -> ComposeResult:
        yield TransferPanel(self.controller)

    async def on_mount(self) -> None:
        if self.demo is not None:
            self.remote_fs, _start = await self.demo.open()

    async def on_unmount(self) -> None:
        if self.demo is not None:
            await self.demo.close()


async def wait_for(pilot, check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def entry(path: Path) -> Entry:
    kind = EntryKind.DIR if path.is_dir() else EntryKind.FILE
    return Entry(os.fsencode(path.name), kind, 0 if path.is_dir() else path.stat().st_size)


def tree_bytes(root: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            out[os.path.relpath(os.path.join(folder, name), root)] = None
        for name in files:
            out[os.path.relpath(os.path.join(folder, name), root)] = Path(folder, name).read_bytes()
    return out


def make_tree(local: Path) -> None:
    (local / "site" / "assets").mkdir(parents=True)
    (local / "site" / "empty").mkdir()
    (local / "site" / "index.html").write_text("<h1>hi</h1>\n")
    (local / "site" / "assets" / "logo [1] 'q'.bin").write_bytes(os.urandom(300_000))
    (local / "site" / "assets" / "zero").write_bytes(b"")
    (local / "big.bin").write_bytes(os.urandom(2 * 1024 * 1024 + 7))
