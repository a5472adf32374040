"""Quitting with transfers running (ask first), and SIGTERM/SIGHUP (stop cleanly, no question).

`QuitFlow.request` is the app's quit action (q, Ctrl+Q, the palette, and any
other key bound to "quit"): with nothing running it quits at once; otherwise
the QuitDialog asks whether to finish the transfers, pause them for the next
start (partial files kept, journal "interrupted"), or cancel them (partial
files deleted).  A SIGTERM or SIGHUP takes the pause path without asking and
then exits through Textual, which restores the terminal; the app's unmount
closes the demo (removing its sandbox).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING

from sshdeck.ui.screens.quit_dialog import CANCEL, FINISH, PAUSE, QuitDialog

if TYPE_CHECKING:
    from sshdeck.app import SshdeckApp

log = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
SIGNAL_GRACE = 10.0  # seconds to let transfers wind down after a signal before exiting anyway


class QuitFlow:
    def __init__(self, app: "SshdeckApp") -> None:
        self.app = app
        self.stopping = False

    async def request(self) -> None:
        running = self.app.transfers.running()
        if not running:
            self.app.exit()
            return
        if isinstance(self.app.screen, QuitDialog):
            return
        self.app.push_screen(QuitDialog([job.title for job in running]), self._answered)

    def _answered(self, answer: str | None) -> None:
        if answer in (FINISH, PAUSE, CANCEL):
            self.app.run_worker(self.quit(answer), group="quit", exit_on_error=False)

    async def quit(self, answer: str) -> None:
        transfers = self.app.transfers
        if answer == FINISH:
            self.app.notify("sshdeck quits when the transfers have finished (q again to change that)",
                            title="Quit", timeout=5, markup=False)
            await transfers.finish_all()
            if self.app.transfers.running():  # new ones were started meanwhile: ask again
                await self.request()
                return
        elif answer == PAUSE:
            await transfers.interrupt_all()
        else:
            await transfers.cancel_all()
        self.app.exit()

    # -- signals ------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            try:
                loop.add_signal_handler(signum, self.on_signal, signum)
            except (RuntimeError, ValueError, NotImplementedError):  # not the main thread (tests)
                return

    def on_signal(self, signum: int) -> None:
        if self.stopping:
            return
        self.stopping = True
        log.info("signal %s: pausing transfers and quitting", signal.Signals(signum).name)
        self.app.run_worker(self._stop(signum), group="quit", exit_on_error=False)

    async def _stop(self, signum: int) -> None:
        try:
            await asyncio.wait_for(self.app.transfers.interrupt_all(), SIGNAL_GRACE)
        except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - exiting matters more
            log.exception("pausing transfers after a signal failed")
        self.app.exit(return_code=128 + signum)
