"""sshdeck's log file.

Tracebacks go here without local variables (a password could be in scope),
and the screen only ever gets a short message that says where this file is.
Every record is written through `terminal_safe`: a server's words in a message
or a traceback cannot act on the terminal of whoever reads the log (`less -R`,
`tail -f`); newlines stay so tracebacks remain readable.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from sshdeck.core.inert import terminal_safe
from sshdeck.core.paths import ensure_private_dir, log_dir

LOG_NAME = "sshdeck.log"


class InertFormatter(logging.Formatter):
    """A formatter whose whole output (message, traceback) has its control characters escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().format(record))


def log_file() -> Path:
    return log_dir() / LOG_NAME


def setup_logging(level: int = logging.INFO) -> Path:
    """Send sshdeck's and asyncssh's records to the log file; return its path."""
    path = log_file()
    ensure_private_dir(path.parent)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    os.chmod(path, 0o600)
    handler.setFormatter(InertFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_sshdeck", False)]:
        root.removeHandler(old)
        old.close()
    handler._sshdeck = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # asyncssh logs every packet-level event at INFO; keep its warnings only.
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    return path
