"""sshdeck's log file.

Tracebacks go here without local variables (a password could be in scope),
and the screen only ever gets a short message that says where this file is.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from sshdeck.core.paths import ensure_private_dir, log_dir

LOG_NAME = "sshdeck.log"


def log_file() -> Path:
    return log_dir() / LOG_NAME


def setup_logging(level: int = logging.INFO) -> Path:
    """Send sshdeck's and asyncssh's records to the log file; return its path."""
    path = log_file()
    ensure_private_dir(path.parent)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    os.chmod(path, 0o600)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
