"""What a subcommand pays before it connects: no helper processes, no garbage collections over its modules."""

from __future__ import annotations

import ctypes
import ctypes.util
import subprocess
import sys

import pytest

from sshdeck.core.ssh.quick_import import _from_cache, _read_cache


def test_importing_asyncssh_starts_no_process() -> None:
    code = (
        "import subprocess\n"
        "started = []\n"
        "original = subprocess.Popen.__init__\n"
        "def spy(self, args, *rest, **kw):\n"
        "    started.append(args)\n"
        "    original(self, args, *rest, **kw)\n"
        "subprocess.Popen.__init__ = spy\n"
        "from sshdeck.core.ssh.quick_import import import_asyncssh\n"
        "import_asyncssh()\n"
        "import asyncssh\n"
        "print(started)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"  # `ldconfig -p` ran once per library name asyncssh probes (3 processes)


@pytest.mark.skipif(_read_cache() is None, reason="no glibc linker cache on this system")
@pytest.mark.parametrize("name", ["c", "m", "z", "nettle"])
def test_the_linker_cache_gives_the_names_ldconfig_gives(name: str) -> None:
    expected = ctypes.util._findSoname_ldconfig(name)  # type: ignore[attr-defined]
    found = _from_cache(_read_cache(), name)
    assert found == expected
    if found is not None:
        ctypes.CDLL(found)


def test_a_library_that_is_not_installed_is_not_found() -> None:
    cache = _read_cache() or b""
    assert _from_cache(cache, "sshdeck-no-such-library") is None


def test_a_subcommand_freezes_its_start_up_objects_and_collects_less_often() -> None:
    code = (
        "import gc\n"
        "from sshdeck import cli\n"
        "try:\n"
        "    cli.main(['ls', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(gc.get_freeze_count() > 10_000, gc.isenabled(), gc.get_threshold()[0] >= cli.COMMAND_GC_THRESHOLD)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split()[-3:] == ["True", "True", "True"]


def test_asyncssh_loads_without_its_x509_support_and_sshdeck_still_connects_through_it() -> None:
    code = (
        "import sys\n"
        "from sshdeck.core.ssh.quick_import import import_asyncssh\n"
        "import_asyncssh()\n"
        "import asyncssh.public_key\n"
        "print(asyncssh.public_key._x509_available, 'cryptography.x509' in sys.modules,"
        " 'asyncssh.crypto.x509' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "False"]  # and nothing is left behind that would break a later import
