"""Shipped and user themes: TOML files turned into Textual `Theme` objects.

Shipped themes come from the top-level themes/ folder (installed inside the
package as sshdeck/themes); user themes are *.toml files in the data
folder's themes/.  A broken user theme is reported and skipped, never fatal.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

from sshdeck.core.paths import user_themes_dir

DEFAULT_THEME = "sshdeck-dark"
COLOUR_KEYS = (
    "primary", "secondary", "accent", "foreground", "background",
    "surface", "panel", "success", "warning", "error", "boost",
)
MAX_THEME_BYTES = 64 * 1024


@dataclass
class ThemeLoad:
    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def shipped_themes_dir() -> Path:
    """themes/ inside the installed package, or beside it in a source checkout."""
    packaged = Path(str(resources.files("sshdeck"))) / "themes"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "themes"


def theme_from_toml(text: str, origin: str) -> Theme:
    """Build a Theme from a TOML text; raise ValueError with a clear reason."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{origin}: not valid TOML ({exc})") from None
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 60:
        raise ValueError(f"{origin}: 'name' must be a short text")
    unknown = set(data) - set(COLOUR_KEYS) - {"name", "dark", "variables", "luminosity_spread", "text_alpha"}
    if unknown:
        raise ValueError(f"{origin}: unknown setting(s) {', '.join(sorted(unknown))}")
    if "primary" not in data:
        raise ValueError(f"{origin}: 'primary' colour is required")
    kwargs: dict[str, object] = {"name": name.strip()}
    for key in COLOUR_KEYS:
        if key in data:
            value = data[key]
            if not isinstance(value, str):
                raise ValueError(f"{origin}: '{key}' must be a colour like \"#1E2630\"")
            try:
                Color.parse(value)
            except ColorParseError:
                raise ValueError(f"{origin}: '{key}' = {value!r} is not a colour") from None
            kwargs[key] = value
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ValueError(f"{origin}: 'dark' must be true or false")
    kwargs["dark"] = dark
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
    ):
        raise ValueError(f"{origin}: [variables] must map names to text values")
    kwargs["variables"] = dict(variables)
    return Theme(**kwargs)  # type: ignore[arg-type]


def _load_folder(folder: Path, result: ThemeLoad) -> None:
    try:
        files = sorted(folder.glob("*.toml"))
    except OSError as exc:
        result.problems.append(f"{folder}: {exc.strerror or exc}")
        return
    for path in files:
        try:
            if path.stat().st_size > MAX_THEME_BYTES:
                raise ValueError(f"{path}: larger than {MAX_THEME_BYTES // 1024} KiB")
            result.themes.append(theme_from_toml(path.read_text(encoding="utf-8"), str(path)))
        except (OSError, UnicodeDecodeError) as exc:
            result.problems.append(f"{path}: cannot be read ({exc})")
        except ValueError as exc:
            result.problems.append(str(exc))


def load_themes() -> ThemeLoad:
    """Shipped themes first, then the user's; a user theme may not replace a shipped one."""
    result = ThemeLoad()
    _load_folder(shipped_themes_dir(), result)
    shipped = {theme.name for theme in result.themes}
    user = ThemeLoad()
    folder = user_themes_dir()
    if folder.is_dir():
        _load_folder(folder, user)
    for theme in user.themes:
        if theme.name in shipped:
            result.problems.append(f"user theme '{theme.name}' has the name of a shipped theme; skipped")
        else:
            result.themes.append(theme)
    result.problems.extend(user.problems)
    return result
