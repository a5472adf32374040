"""Importing asyncssh without its slowest probe, for commands whose whole run is a few hundred ms.

asyncssh looks for optional C libraries (liboqs for post-quantum key
exchange, nettle for UMAC) with `ctypes.util.find_library`, which on Linux
runs `ldconfig -p` and, for a library that is not there, gcc and ld as well:
about 30 ms per missing name, paid by every `sshdeck cp`.  While asyncssh is
imported, `find_library` answers from the dynamic linker's cache alone,
which is where an installed library is found anyway: read from
/etc/ld.so.cache in-process (a name found there is kept only when the
dynamic linker really loads it), or, when that file cannot be read, from one
`ldconfig -p` per name as before.  Three `ldconfig` processes (oqs, liboqs,
nettle) were ~10-30 ms of every start on a busy machine.

asyncssh's X.509 support is left out too (`asyncssh.crypto.x509`, which
loads `cryptography.x509`: ~8-15 ms).  asyncssh treats it as optional and
runs without it when it is missing; sshdeck never uses it (OpenSSH has no
X.509 keys, and the connection options set `x509_trusted_certs=None`).
"""

from __future__ import annotations

import ctypes
import re
import sys

LD_SO_CACHE = "/etc/ld.so.cache"


# Optional asyncssh modules sshdeck does not use: made to fail their import while asyncssh loads.
LEFT_OUT = ("asyncssh.crypto.x509",)


# Left out too for a subcommand (`without_tls`): Python's TLS module, which asyncio loads when it can
# and runs without (its `ssl` is then None); SSH never uses it.  ~5-8 ms of every command's start.
# And bz2/lzma, which shutil (loaded by ctypes.util) loads only to offer .tar.bz2/.tar.xz archives
# (shutil.make_archive, which no command uses): ~2 ms.  A later `import bz2` still works.
LEFT_OUT_FOR_COMMANDS = ("ssl", "bz2", "lzma")


def import_asyncssh(*, without_tls: bool = False) -> None:
    """asyncssh, loaded without the probes and modules above; `without_tls` (a subcommand's process,
    where asyncio is first loaded here): asyncio without TLS support for the rest of the process."""
    if "asyncssh" in sys.modules:
        return
    left_out = LEFT_OUT + (LEFT_OUT_FOR_COMMANDS if without_tls and "asyncio" not in sys.modules else ())
    for name in left_out:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # `import` of a None entry raises ImportError
    try:
        _import_asyncssh()
    finally:
        for name in left_out:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


def _import_asyncssh() -> None:
    if not sys.platform.startswith("linux"):
        import asyncssh  # noqa: F401
        return
    import ctypes.util  # here, inside the window of LEFT_OUT: it loads shutil (asyncssh needs it anyway)

    fallback = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if fallback is None:
        import asyncssh  # noqa: F401
        return
    cache = _read_cache()
    original = ctypes.util.find_library
    ctypes.util.find_library = (  # type: ignore[assignment]
        (lambda name: _from_cache(cache, name)) if cache is not None else (lambda name: fallback(name))
    )
    try:
        import asyncssh  # noqa: F401
    finally:
        ctypes.util.find_library = original


def _read_cache() -> bytes | None:
    try:
        with open(LD_SO_CACHE, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    return data if b"ld.so" in data[:32] else None


def _from_cache(cache: bytes, name: str) -> str | None:
    """The soname `ldconfig -p` would give for lib`name`, when the dynamic linker can load it.

    The cache's string table holds full paths (`/lib/x86_64-linux-gnu/libnettle.so.8`);
    a library of another ABI (a 32-bit one on a 64-bit system) fails to load and is passed over.
    """
    pattern = rb"/(lib" + re.escape(name.encode("utf-8", "surrogateescape")) + rb"\.so(?:\.[0-9]+)*)\0"
    found = dict.fromkeys(match.group(1).decode("utf-8", "surrogateescape") for match in re.finditer(pattern, cache))
    # Like `ldconfig -p`: the runtime names (libnettle.so.8) first, the newest first; a bare .so last.
    for candidate in sorted(found, key=_version, reverse=True):
        try:
            ctypes.CDLL(candidate)
        except OSError:
            continue
        return candidate
    return None


def _version(soname: str) -> tuple[int, ...]:
    return tuple(int(part) for part in soname.partition(".so")[2].split(".") if part)
