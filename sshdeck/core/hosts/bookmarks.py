"""Bookmarked folders per location (this computer, or a saved host), in bookmarks.toml."""

from __future__ import annotations

import logging
import tomllib

import tomli_w

from sshdeck.core.paths import config_dir, write_private_file

log = logging.getLogger(__name__)

MAX_PER_LOCATION = 50


def bookmarks_path():
    return config_dir() / "bookmarks.toml"


class Bookmarks:
    """location key -> folder paths; a file that cannot be read is left alone and not overwritten."""

    def __init__(self) -> None:
        self.places: dict[str, list[str]] = {}
        self.problem: str | None = None

    @classmethod
    def load(cls) -> "Bookmarks":
        marks = cls()
        path = bookmarks_path()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return marks
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            marks.problem = f"{path}: {exc}; bookmarks are read-only until it is fixed"
            return marks
        places = data.get("places", {})
        if isinstance(places, dict):
            for key, folders in places.items():
                if isinstance(key, str) and isinstance(folders, list):
                    marks.places[key] = [f for f in folders if isinstance(f, str)][:MAX_PER_LOCATION]
        return marks

    def folders(self, location: str) -> list[str]:
        return list(self.places.get(location, []))

    def add(self, location: str, folder: str) -> bool:
        """Bookmark `folder`; False when it was there already."""
        folders = self.places.setdefault(location, [])
        if folder in folders:
            return False
        folders.append(folder)
        del folders[:-MAX_PER_LOCATION]
        return True

    def remove(self, location: str, folder: str) -> None:
        folders = self.places.get(location, [])
        if folder in folders:
            folders.remove(folder)

    def save(self) -> None:
        if self.problem:
            raise OSError(self.problem)
        data = {"places": {key: folders for key, folders in self.places.items() if folders}}
        write_private_file(bookmarks_path(), tomli_w.dumps(data).encode("utf-8"))
