"""Drive `sshdeck --demo` headless and write SVG screenshots into screenshots/.

Run: python scripts/screenshots.py   (the README embeds screenshots/main-screen.svg)
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sshdeck.app import SshdeckApp  # noqa: E402
from sshdeck.core.ssh.demo import make_sample_tree  # noqa: E402
from sshdeck.core.ssh.remote_source import DemoSource  # noqa: E402
from sshdeck.ui.widgets.file_pane import FilePane  # noqa: E402

FIXED_TIME = 1_780_000_000
OUT = ROOT / "screenshots"


def freeze(root: Path) -> None:
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.utime(os.path.join(folder, name), (FIXED_TIME, FIXED_TIME))


async def wait_for_panes(pilot) -> None:
    for _ in range(300):
        await pilot.pause(0.02)
        panes = list(pilot.app.screen.query(FilePane))
        if len(panes) == 2 and all(p.is_idle for p in panes):
            await pilot.pause(0.2)
            return
    raise RuntimeError("the panes did not load")


async def shoot(theme: str, filename: str) -> None:
    with tempfile.TemporaryDirectory(dir=Path.home()) as scratch:
        local = Path.home() / "website"
        shutil.rmtree(local, ignore_errors=True)
        (local / "public" / "img").mkdir(parents=True)
        (local / "public" / "index.html").write_text("<h1>hi</h1>\n" * 40)
        (local / "deploy.sh").write_text("#!/bin/sh\nrsync -a public/ host:/srv/www/\n")
        (local / "backup-2026-11.tar.gz").write_bytes(b"\0" * 7_340_032)
        (local / "README.md").write_text("# website\n")
        remote = Path(scratch) / "remote"
        remote.mkdir()
        make_sample_tree(remote)
        freeze(local)
        freeze(remote)
        os.environ["TZ"] = "UTC"
        app = SshdeckApp(local_path=str(local), remote=DemoSource(remote), theme_name=theme)
        async with app.run_test(size=(120, 32)) as pilot:
            await wait_for_panes(pilot)
            await pilot.press("tab", "down", "down")
            await pilot.pause(0.2)
            OUT.mkdir(exist_ok=True)
            app.save_screenshot(filename=filename, path=str(OUT))
            print(f"wrote {OUT / filename}")


def copy_tested_screens() -> None:
    """Screens that need a real sshd come from their snapshot test, which starts one.

    The authorized_keys manager cannot be shown on the chrooted demo (its
    ~/.ssh is out of reach there), so tests/ui/test_snapshots.py renders it
    against OpenSSH's sshd with fixed keys; regenerate that snapshot, then run this.
    """
    source = ROOT / "tests" / "ui" / "__snapshots__" / "test_snapshots" / "test_authorized_keys_manager.svg"
    shutil.copy(source, OUT / "authorized-keys.svg")
    print(f"wrote {OUT / 'authorized-keys.svg'}")


async def main() -> None:
    # Screenshots must not show (or touch) the user's own hosts, settings or journal.
    home = Path(tempfile.mkdtemp(prefix="sshdeck-shots-"))
    os.environ["HOME"] = str(home)
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[variable] = str(home / variable.lower())
    await shoot("sshdeck-dark", "main-screen.svg")
    await shoot("sshdeck-light", "main-screen-light.svg")
    copy_tested_screens()


if __name__ == "__main__":
    asyncio.run(main())
