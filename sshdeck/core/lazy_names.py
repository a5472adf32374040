"""A package's public names loaded from their modules on first use (PEP 562).

Used by `sshdeck.core.fs` and `sshdeck.core.transfer`, so importing one of their
modules does not load the whole package: `sshdeck cp` needs little before it
connects and loads the rest while the handshake waits on the server.
"""

from __future__ import annotations

import importlib
from typing import Callable


def lazy_names(
    package: str, homes: dict[str, tuple[str, ...]], namespace: dict[str, object]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The package's `__getattr__` and `__dir__`; `homes` maps a module to the names it holds."""
    home_of = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> object:
        module = home_of.get(name)
        if module is None:
            if not name.startswith("_"):  # a submodule not loaded yet (`fs.sftp_listing`)
                try:
                    return importlib.import_module(f"{package}.{name}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{package}.{name}":
                        raise
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *home_of})

    return __getattr__, __dir__
