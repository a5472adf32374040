"""Quitting with transfers running (ask first), and SIGTERM/SIGHUP (stop cleanly, no question).

`QuitFlow.request` is the app's quit action (q, Ctrl+Q, the palette, and any
other key bound to "quit"): with nothing running it quits at once; otherwise
the QuitDialog asks whether to finish the transfers, pause them for the next
start (partial files kept, journal "interrupted"), or cancel them (partial
files deleted).  A SIGTERM or SIGHUP takes the pause path without asking and
then exits through Textual, which restores the terminal; the app's unmount
closes the demo (removing its sandbox).  When the signal comes because the
terminal has gone (a closed window), the driver is told first, so nothing
waits on output to a dead terminal (ui/terminal_driver.py).  If the exit
cannot happen (a busy loop, a shutdown that hangs), ui/stop_watchdog.py ends
the process anyway.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING, Callable

from sshdeck.core.transfer import discard_job
from sshdeck.ui import stop_watchdog
from sshdeck.ui.screens.quit_dialog import CANCEL, FINISH, PAUSE, QuitDialog

if TYPE_CHECKING:
    from sshdeck.app import SshdeckApp
    from sshdeck.ui.transfers import TransferController

log = logging.getLogger(__name__)
SIGNAL_GRACE = 10.0  # seconds to let transfers wind down after a signal before exiting anyway
WATCHDOG_SLACK = 5.0  # then this long for the exit itself, before the watchdog ends the process


class QuitFlow:
    def __init__(self, app: "SshdeckApp") -> None:
        self.app = app
        self.stopping = False
        self._uninstall_signals: Callable[[], None] | None = None

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
            await finish_all(transfers)
            if transfers.running():  # new ones were started meanwhile: ask again
                await self.request()
                return
        elif answer == PAUSE:
            await interrupt_all(transfers)
        else:
            await cancel_all(transfers)
        self.app.exit()

    # -- signals ------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        """SIGTERM/SIGHUP: pause transfers and exit through the loop; a watchdog ends a process that cannot."""
        loop = asyncio.get_running_loop()

        def graceful(signum: int) -> None:
            self.check_terminal()
            try:
                loop.call_soon_threadsafe(self.on_signal, signum)
            except RuntimeError:  # the loop is closed: the watchdog ends the process
                pass

        self._uninstall_signals = stop_watchdog.install(graceful, SIGNAL_GRACE + WATCHDOG_SLACK)

    def check_terminal(self) -> None:
        """On a stop signal, from its handler: a terminal that has gone (closed window) is not written to again.

        Otherwise the exit would wait on output to a dead terminal (ui/terminal_driver.py).
        """
        driver = getattr(self.app, "_driver", None)  # Textual keeps the running driver there
        check = getattr(driver, "check_terminal", None)
        if check is not None:
            check()

    def uninstall_signal_handlers(self) -> None:
        if self._uninstall_signals is not None:
            self._uninstall_signals()
            self._uninstall_signals = None

    def on_signal(self, signum: int) -> None:
        if self.stopping:
            return
        self.stopping = True
        log.info("signal %s: pausing transfers and quitting", signal.Signals(signum).name)
        self.app.run_worker(self._stop(signum), group="quit", exit_on_error=False)

    def on_terminal_gone(self) -> None:
        """The terminal went away with no signal to say so (yet): stop as its SIGHUP would have."""
        if self.stopping:
            return
        self.stopping = True
        log.info("the terminal has gone: pausing transfers and quitting")
        if self.app.exit_grace is not None:  # the `sshdeck` command's own process (not a test's)
            stop_watchdog.arm(signal.SIGHUP, SIGNAL_GRACE + WATCHDOG_SLACK)
        self.app.run_worker(self._stop(signal.SIGHUP), group="quit", exit_on_error=False)

    async def _stop(self, signum: int) -> None:
        try:
            await asyncio.wait_for(interrupt_all(self.app.transfers), SIGNAL_GRACE)
        except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - exiting matters more
            log.exception("pausing transfers after a signal failed")
        self.app.exit(return_code=128 + signum)


# -- what each answer does to the running jobs ------------------------------------------------


async def finish_all(transfers: "TransferController") -> None:
    """Wait until every running job has ended (a paused one is continued: it could not finish otherwise)."""
    for job in transfers.running():
        if job.transfer.paused:
            transfers.toggle_pause(job.key)
    for job in transfers.running():
        await job.ended.wait()


async def interrupt_all(transfers: "TransferController") -> None:
    """Stop every job now for a resume at the next start: partial files kept, journal says interrupted."""
    jobs = transfers.running()
    for job in jobs:
        job.interrupting = True
        job.transfer.interrupt()
    for job in jobs:
        await job.ended.wait()
    if transfers.journal is not None:
        transfers.journal.flush()


async def cancel_all(transfers: "TransferController") -> None:
    """Cancel every job and delete its partial files; the journal forgets them."""
    jobs = transfers.running()
    for job in jobs:
        transfers.cancel(job.key)
    for job in jobs:
        await job.ended.wait()
    journal = transfers.journal
    for job in jobs:
        record = journal.job(job.transfer.job_id) if journal is not None and job.transfer.job_id else None
        if record is None:
            continue
        try:
            await discard_job(journal, record, job.transfer.dest)
        except Exception as exc:  # noqa: BLE001 - quitting goes on; the job stays listed for next time
            log.info("removing the partial files of %s failed: %r", job.title, exc)
            journal.finish_job(record.id, "failed")
