"""settings.toml in the config folder: the theme and the user's key map."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field

import tomli_w

from sshdeck.core.paths import config_dir, write_private_file

log = logging.getLogger(__name__)

SETTINGS_NAME = "settings.toml"


@dataclass
class Settings:
    theme: str | None = None
    # binding id -> keys, as Textual's App.set_keymap takes them ("f5,ctrl+c").
    keymap: dict[str, str] = field(default_factory=dict)
    problem: str | None = None


def settings_path():
    return config_dir() / SETTINGS_NAME


def load_settings() -> Settings:
    """Read settings; a broken file gives defaults and a `problem` to show, never an error."""
    path = settings_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Settings(problem=f"{path}: {exc}; using defaults")
    settings = Settings()
    theme = data.get("theme")
    if isinstance(theme, str) and len(theme) <= 100:
        settings.theme = theme
    elif theme is not None:
        settings.problem = f"{path}: 'theme' must be a theme name"
    keymap = data.get("keymap", {})
    if isinstance(keymap, dict):
        settings.keymap = {k: v for k, v in keymap.items() if isinstance(k, str) and isinstance(v, str)}
    else:
        settings.problem = f"{path}: [keymap] must be a table of binding id = \"keys\""
    return settings


def save_settings(settings: Settings) -> None:
    data: dict[str, object] = {}
    if settings.theme:
        data["theme"] = settings.theme
    if settings.keymap:
        data["keymap"] = dict(settings.keymap)
    write_private_file(settings_path(), tomli_w.dumps(data).encode("utf-8"))
