"""`--limit RATE` for the subcommands that copy (`cp`, `sync`), with settings.toml's `[transfers]` as the default."""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Iterator

from sshdeck.commands import output

LIMIT_HELP = ("bandwidth limit in bytes per second, K, M or G meaning KiB, MiB, GiB (500K, 2M, 1.5M); "
              "0 or off: none (default: limit in settings.toml's [transfers])")


def add_limit_flag(parser: argparse.ArgumentParser, help: str = LIMIT_HELP) -> None:
    parser.add_argument("--limit", metavar="RATE", default=None, help=help)


@dataclass(frozen=True)
class Limits:
    """Bytes per second: `each` for one transfer, `total` for all of them at once (0 = none)."""

    each: int = 0
    total: int = 0

    @property
    def strictest(self) -> int:
        """One figure for a command whose whole run counts as one transfer (sync)."""
        return min((rate for rate in (self.each, self.total) if rate), default=0)

    @contextmanager
    def total_applied(self, rate: int | None = None) -> Iterator[None]:
        """The process-wide total bucket set to `rate` (default: `total`) for the duration."""
        from sshdeck.core.transfer.rate_limit import TOTAL

        before = TOTAL.rate
        TOTAL.set_rate(self.total if rate is None else rate)
        try:
            yield
        finally:
            TOTAL.set_rate(before)


def limits_from(args: argparse.Namespace, command: str, err: IO[str]) -> Limits | None:
    """settings.toml's [transfers], then `--limit` over its `limit`; None (after one line on `err`) for a bad RATE."""
    from sshdeck.core.settings import load_settings
    from sshdeck.core.transfer.rate_limit import RateError, parse_rate

    settings = load_settings()
    if settings.problem and "[transfers]" in settings.problem:
        output.err(f"sshdeck {command}: note: {settings.problem}", file=err)
    each = settings.transfer_limit
    if getattr(args, "limit", None) is not None:
        try:
            each = parse_rate(args.limit)
        except RateError as exc:
            output.err(f"sshdeck {command}: --limit: {exc}", file=err)
            return None
    return Limits(each, settings.total_limit)
