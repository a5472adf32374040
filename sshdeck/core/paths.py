"""Where sshdeck keeps its files, and how it writes private ones.

Locations come from platformdirs and are resolved on every call, so tests
(and users) can move them with HOME and the XDG variables.  Private files
live in 0700 folders, are written 0600, and reach their final name only
through an atomic rename after an fsync: a crash leaves the old file intact.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import platformdirs

APP_NAME = "sshdeck"


def config_dir() -> Path:
    """Settings, host profiles and sshdeck's own known_hosts."""
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    """User themes and the transfer journal."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    """The log file."""
    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def cache_dir() -> Path:
    """Nothing long-lived: whatever can be rebuilt."""
    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


def user_themes_dir() -> Path:
    return data_dir() / "themes"


def all_dirs() -> list[Path]:
    """Every folder sshdeck may create for itself (each made 0700 by `ensure_private_dir`)."""
    return [config_dir(), data_dir(), log_dir(), cache_dir(), user_themes_dir()]


def ensure_private_dir(path: Path) -> Path:
    """Create `path` and any missing parents, each 0700, and make sure the leaf is 0700.

    `mkdir(parents=True, mode=…)` applies the mode to the leaf only (and the
    umask to the rest): on Linux the log folder's parent `~/.local/state/sshdeck`
    came out 0755.  Every folder created here is chmod-ed after creation, so the
    umask cannot widen it either.
    """
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass  # another sshdeck process made it meanwhile
        folder.chmod(0o700)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def write_private_file(path: Path, data: bytes) -> None:
    """Atomically replace `path` with `data`, mode 0600, in a 0700 folder.

    The bytes go to a temporary file beside the target, are fsynced, and only
    then renamed onto the final name; the folder is fsynced after the rename.
    """
    folder = ensure_private_dir(path.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
