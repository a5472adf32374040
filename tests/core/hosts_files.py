"""A hosts.toml in a test's temporary folder, and the two ways the store tests touch it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sshdeck.core.hosts.profile_store import ProfileStore


@pytest.fixture
def hosts_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "hosts.toml"


def load(path: Path) -> ProfileStore:
    return ProfileStore.load(path, path.parent / "recent.toml")


def write(path: Path, text: str, mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
