"""Every folder sshdeck creates for itself is 0700, parents included, whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sshdeck.core import paths
from sshdeck.core.hosts.recent_connections import recent_path
from sshdeck.core.logs import setup_logging
from sshdeck.core.settings import Settings, save_settings
from sshdeck.core.transfer import Journal


@pytest.fixture
def fresh_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG folders that do not exist yet, under one root, and a permissive umask."""
    root = tmp_path / "fresh"
    root.mkdir(mode=0o700)
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "share"),
                     ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(var, str(root / sub / "deeper"))
    old = os.umask(0o022)
    yield root
    os.umask(old)


def modes_under(root: Path) -> dict[str, str]:
    return {str(folder.relative_to(root)): oct(stat.S_IMODE(folder.stat().st_mode))
            for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]}


def test_each_sshdeck_folder_and_its_new_parents_are_private(fresh_xdg: Path) -> None:
    for folder in paths.all_dirs():
        paths.ensure_private_dir(folder)
    modes = modes_under(fresh_xdg)
    assert {name: mode for name, mode in modes.items() if mode != "0o700"} == {}
    for folder in paths.all_dirs():
        assert str(folder.relative_to(fresh_xdg)) in modes


def test_folders_made_by_logging_settings_and_the_journal_are_private(fresh_xdg: Path) -> None:
    import logging

    setup_logging()
    save_settings(Settings())
    Journal().close()
    paths.write_private_file(recent_path(), b"[]")
    for handler in list(logging.getLogger().handlers):  # the log file handler points into fresh_xdg
        if getattr(handler, "baseFilename", "").startswith(str(fresh_xdg)):
            logging.getLogger().removeHandler(handler)
            handler.close()
    modes = modes_under(fresh_xdg)
    assert {name: mode for name, mode in modes.items() if mode != "0o700"} == {}
    # The state folder (the log's parent) was the one that used to come out 0755.
    assert paths.log_dir().parent.relative_to(fresh_xdg)
    assert modes[str(paths.log_dir().parent.relative_to(fresh_xdg))] == "0o700"


def test_an_existing_sshdeck_folder_with_open_permissions_is_tightened(fresh_xdg: Path) -> None:
    folder = paths.data_dir()
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    paths.ensure_private_dir(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
