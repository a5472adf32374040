"""Starting the child that lists the start folder (ui/prelist.py), as the very first thing the app does.

Imports nothing heavy (no asyncio, no asyncssh, no sshdeck.core.fs): every millisecond here
delays the child, whose listing the first full frame waits for.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys

# asyncssh first, so that asyncio loads without Python's TLS module (and shutil without bz2/lzma), as in a
# subcommand (core/ssh/quick_import.py): the child only speaks SSH, and its start delays the first frame.
_CHILD = (
    "from sshdeck.core.ssh.quick_import import import_asyncssh; import_asyncssh(without_tls=True); "
    "from sshdeck.ui.prelist_child import main; main()"
)
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
PIPE_SIZE = 1 << 20  # Linux's default most for an unprivileged process (/proc/sys/fs/pipe-max-size)


def spawn_for(target: str | None, demo: object, ssh_config: str | None = "~/.ssh/config") -> subprocess.Popen | None:
    """Start the child for the host named at start (not for the demo); None when none starts."""
    if not target or demo is not None or not sys.executable:
        return None
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
    try:
        process = subprocess.Popen(
            [sys.executable, "-P", "-c", _CHILD, target, ssh_config or ""],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, start_new_session=True,  # a Ctrl+C meant for the app is not the child's
        )
    except OSError:
        return None
    try:  # room for a few batches, so the child does not wait for the app's busy loop to read
        fcntl.fcntl(process.stdout.fileno(), F_SETPIPE_SZ, PIPE_SIZE)
    except OSError:
        pass
    return process
