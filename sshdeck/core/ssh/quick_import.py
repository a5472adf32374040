"""Importing asyncssh without its slowest probe, for commands whose whole run is a few hundred ms.

asyncssh looks for optional C libraries (liboqs for post-quantum key
exchange, nettle for UMAC) with `ctypes.util.find_library`, which on Linux
runs `ldconfig -p` and, for a library that is not there, gcc and ld as well:
about 30 ms per missing name, paid by every `sshdeck cp`.  While asyncssh is
imported, `find_library` answers from the dynamic linker's cache alone,
which is where an installed library is found anyway.
"""

from __future__ import annotations

import ctypes.util
import sys


def import_asyncssh() -> None:
    if "asyncssh" in sys.modules or not sys.platform.startswith("linux"):
        return
    lookup = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if lookup is None:
        import asyncssh  # noqa: F401
        return
    original = ctypes.util.find_library
    ctypes.util.find_library = lambda name: lookup(name)  # type: ignore[assignment]
    try:
        import asyncssh  # noqa: F401
    finally:
        ctypes.util.find_library = original
