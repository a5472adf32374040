"""The app against a server whose every word is an attack: nothing it sends reaches the screen raw.

Connect (login banner → notification), list hostile names, a failing download
(SFTP STATUS reason → transfer panel and notification); the rendered screen
and the log file are checked for ESC, CSI, OSC, C1, CR and BEL.
"""

from __future__ import annotations

from pathlib import Path

from textual.strip import Strip

from sshdeck.app import SshdeckApp
from sshdeck.core.logs import log_file, setup_logging
from sshdeck.core.trust import TrustStore
from sshdeck.ui.screens.copy_dialog import CopyDialog
from sshdeck.ui.screens.file_viewer import as_text
from sshdeck.ui.widgets.file_pane import FilePane
from sshdeck.ui.widgets.transfer_panel import TransferPanel
from tests.core.hostile_text_server import SHOWN, HostileTextServer
from tests.test_hostile_server_text import terminal_actions
from tests.ui.waiting import until


def screen_text(app) -> str:
    """Every character the compositor would draw now (toasts and modals included)."""
    strips: list[Strip] = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def test_hostile_server_text_is_drawn_escaped_everywhere(tmp_path: Path) -> None:
    setup_logging()
    local = tmp_path / "local"
    local.mkdir()
    async with HostileTextServer(tmp_path) as server:
        own = tmp_path / "known_hosts"
        own.write_text(f"[127.0.0.1]:{server.port} {server.host_key.export_public_key().decode()}")
        app = SshdeckApp(
            local_path=str(local), initial_target="evil:/evil", ssh_config=str(server.ssh_config),
            trust=TrustStore(own_file=own, read_files=[]),
        )
        async with app.run_test(size=(160, 50), notifications=True) as pilot:
            right = await until(
                pilot, lambda: not app.screen.is_modal and (p := app.screen.query_one("#right", FilePane)).is_idle
                and p.path == "/evil" and p, "the hostile listing",
            )
            shown = await until(pilot, lambda: (text := screen_text(app)) and "Welcome" in text and text, "the banner's toast")
            assert terminal_actions(shown.encode()) == []
            assert any("Welcome " + SHOWN in n.message for n in app._notifications)
            assert any(e.display.startswith("name" + SHOWN) for e in right.file_list.entries)

            right.file_list.focus()
            names = [e.name for e in right.file_list.entries]
            right.file_list.cursor = next(i for i, name in enumerate(names) if name.startswith(b"name\x1b"))
            await pilot.press("f5")
            dialog = await until(pilot, lambda: isinstance(app.screen, CopyDialog) and app.screen, "the copy dialog")
            assert "name" + SHOWN in str(dialog.query_one("#copy-question").content)
            assert terminal_actions(screen_text(app).encode()) == []
            await pilot.press("escape")
            await until(pilot, lambda: not app.screen.is_modal, "the dialog to close")
            right.file_list.cursor = names.index(b"refused.txt")
            await pilot.press("f5")
            await until(pilot, lambda: isinstance(app.screen, CopyDialog), "the copy dialog")
            await pilot.press("enter")
            panel = app.screen.query_one(TransferPanel)
            failures = await until(
                pilot, lambda: str(panel.query_one("#transfer-failures").content).strip(), "the failure in the panel"
            )
            assert "refused.txt: quota exceeded " + SHOWN in failures
            await pilot.pause()
            shown = screen_text(app)
            assert terminal_actions(shown.encode()) == [], shown
            assert "quota exceeded \\x1b[2J" in shown
    assert terminal_actions(log_file().read_bytes()) == []


async def test_every_notification_is_escaped_whoever_forgot(tmp_path: Path) -> None:
    app = SshdeckApp(local_path=str(tmp_path), ssh_config=None)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        app.notify("raw \x1b]52;c;cm0gLXJmIH4=\x07 reason\rover", title="\x9b2J title", markup=False)
        shown = await until(pilot, lambda: (text := screen_text(app)) and "reason" in text and text, "the toast")
        assert terminal_actions(shown.encode()) == []
        assert "raw \\x1b]52;c;" in shown and "\\u009b2J title" in shown


def test_the_file_viewer_shows_c1_and_bidi_controls_as_text() -> None:
    text = as_text("a\x1b[2J \x9b2J \x9d0;t\x9c \u202eexe\r\n".encode())
    assert text == "a^[[2J \\u009b2J \\u009d0;t\\u009c \\u202eexe^M\n"
