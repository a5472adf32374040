"""The app's bandwidth limits: each transfer's from settings.toml, the total from settings or the `L` prompt.

Like FileZilla's speed limit, the prompt acts on the transfers that are
running as well as on later ones: it sets the process-wide total bucket
(core/transfer/rate_limit.py) that every job's data path consults, so a
job copying now slows down (or speeds up) from its next block.  It lasts
until sshdeck quits; settings.toml's `[transfers] total_limit` is the value
at start.  The transfer panel's top border says which limit applies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sshdeck.core.transfer.rate_limit import TOTAL, RateError, format_rate, parse_rate, rate_text

if TYPE_CHECKING:
    from textual.app import App

    from sshdeck.core.settings import Settings
    from sshdeck.core.transfer import Transfer
    from sshdeck.ui.transfers import TransferController

PROMPT_TITLE = "Speed limit for all transfers (e.g. 2M, 500K, off)"


class SpeedLimits:
    """Held by the TransferController; the main screen's `L` and the palette call `prompt`."""

    def __init__(self, app: "App", transfers: "TransferController") -> None:
        self.app = app
        self.transfers = transfers
        self.each = 0  # bytes per second for each job (settings' limit), 0 = none

    def apply_settings(self, settings: "Settings") -> None:
        """At start: settings.toml's [transfers] limit for each job and total_limit for all of them."""
        self.each = settings.transfer_limit
        TOTAL.set_rate(settings.total_limit)

    def for_job(self, transfer: "Transfer") -> None:
        """A job being started gets the per-transfer limit unless its options set one."""
        if self.each and not transfer.limit.own.rate:
            transfer.limit.own.set_rate(self.each)

    @property
    def total(self) -> int:
        return TOTAL.rate

    def label(self) -> str:
        """"limit 2 MiB/s", "limit 1 MiB/s each", both, or "" when nothing limits the transfers."""
        parts = [format_rate(self.total)] if self.total else []
        if self.each:
            parts.append(f"{format_rate(self.each)} each")
        return "limit " + ", ".join(parts) if parts else ""

    def set_total(self, rate: int) -> None:
        """A new total limit, for the jobs running now and later ones."""
        TOTAL.set_rate(rate)
        panel = self.transfers.panel
        if panel is not None:
            panel.limit_changed()
        running = len(self.transfers.running())
        now = f"{format_rate(rate)} for all transfers" if rate else "off"
        tail = f" ({running} running)" if running else ""
        self.app.notify(f"Speed limit: {now}{tail}", title="Transfers", timeout=4, markup=False)

    def prompt(self) -> None:
        """Ask for the total limit ("2M", "off"); a bad value is refused in the prompt with the reason."""
        from sshdeck.ui.screens.text_prompt import TextPrompt

        def check(text: str) -> str | None:
            try:
                parse_rate(text)
            except RateError as exc:
                return str(exc)
            return None

        def answered(text: str | None) -> None:
            if text is not None:
                self.set_total(parse_rate(text))

        current = rate_text(self.total) if self.total else "off"
        self.app.push_screen(TextPrompt(PROMPT_TITLE, value=current, check=check), answered)
