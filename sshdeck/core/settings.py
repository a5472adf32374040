"""settings.toml in the config folder: the theme, the user's key map, the listing limits and the bandwidth limits."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field

import tomli_w

from sshdeck.core.fs.limits import ListingLimits
from sshdeck.core.paths import config_dir, write_private_file

log = logging.getLogger(__name__)

SETTINGS_NAME = "settings.toml"


@dataclass
class Settings:
    theme: str | None = None
    # binding id -> keys, as Textual's App.set_keymap takes them ("f5,ctrl+c").
    keymap: dict[str, str] = field(default_factory=dict)
    # [limits]: how much of one folder a listing takes in (core/fs/limits.py).
    limits: ListingLimits = field(default_factory=ListingLimits)
    # [transfers]: bandwidth limits in bytes per second, 0 = none (core/transfer/rate_limit.py).
    transfer_limit: int = 0  # limit: each transfer
    total_limit: int = 0  # total_limit: all transfers at once
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
    limits, problem = _limits(data.get("limits", {}))
    settings.limits = limits
    if problem:
        settings.problem = f"{path}: {problem}"
    problem = _transfers(data["transfers"], settings) if "transfers" in data else None
    if problem:
        settings.problem = f"{path}: {problem}"
    return settings


_RATE_KEYS = {"limit": "transfer_limit", "total_limit": "total_limit"}


def _transfers(table: object, settings: Settings) -> str | None:
    """The [transfers] table: rates like "2M" or "off"; a bad value keeps no limit and is reported."""
    from sshdeck.core.transfer.rate_limit import RateError, parse_rate  # here: only a file with [transfers] needs it

    if not isinstance(table, dict):
        return '[transfers] must be a table like limit = "2M"'
    problem = None
    for key, value in table.items():
        field_name = _RATE_KEYS.get(key)
        if field_name is None:
            problem = f"[transfers] has no setting {key!r} (known: {', '.join(_RATE_KEYS)})"
            continue
        try:
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise RateError('must be a rate like "2M"')
            setattr(settings, field_name, parse_rate(str(value)))
        except RateError as exc:
            problem = f"[transfers] {key}: {exc}; no limit"
    return problem


_LIMIT_KEYS = {"listing_entries": "entries", "listing_name_bytes": "name_bytes", "copy_entries": "copy_entries"}


def _limits(table: object) -> tuple[ListingLimits, str | None]:
    """The [limits] table: positive whole numbers; a bad value keeps its default and is reported."""
    if not isinstance(table, dict):
        return ListingLimits(), "[limits] must be a table like listing_entries = 5000000"
    values: dict[str, int] = {}
    problem = None
    for key, value in table.items():
        field_name = _LIMIT_KEYS.get(key)
        if field_name is None:
            problem = f"[limits] has no setting {key!r} (known: {', '.join(_LIMIT_KEYS)})"
        elif isinstance(value, int) and not isinstance(value, bool) and value > 0:
            values[field_name] = value
        else:
            problem = f"[limits] {key} must be a positive whole number; using the default"
    return ListingLimits(**values), problem


def save_settings(settings: Settings) -> None:
    data: dict[str, object] = {}
    if settings.theme:
        data["theme"] = settings.theme
    if settings.keymap:
        data["keymap"] = dict(settings.keymap)
    if settings.limits != ListingLimits():
        data["limits"] = {
            key: getattr(settings.limits, name)
            for key, name in _LIMIT_KEYS.items()
            if getattr(settings.limits, name) != getattr(ListingLimits(), name)
        }
    from sshdeck.core.transfer.rate_limit import rate_text

    rates = {key: rate_text(getattr(settings, name)) for key, name in _RATE_KEYS.items() if getattr(settings, name)}
    if rates:
        data["transfers"] = rates
    write_private_file(settings_path(), tomli_w.dumps(data).encode("utf-8"))
