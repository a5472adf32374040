"""What every `sshdeck` subcommand writes to the terminal goes through here.

`out` (stdout) and `err` (stderr) pass the text through `terminal_safe`, so a
server's words (a name, an SFTP error reason, a banner) that reached a message
cannot clear the screen, set the title or write the clipboard, whatever the
call site forgot.  Use them instead of bare `print` in commands.
"""

from __future__ import annotations

import sys
from typing import IO

from sshdeck.core.inert import terminal_safe

__all__ = ["err", "out", "write"]


def write(text: object, stream: IO[str], *, end: str = "\n", flush: bool = False) -> None:
    """`text` made terminal-safe, then `end` (sshdeck's own), to `stream`."""
    stream.write(terminal_safe(str(text)) + end)
    if flush:
        stream.flush()


def out(text: object = "", *, file: IO[str] | None = None, end: str = "\n", flush: bool = False) -> None:
    """A line of results on stdout (or `file`)."""
    write(text, file or sys.stdout, end=end, flush=flush)


def err(text: object = "", *, file: IO[str] | None = None, end: str = "\n", flush: bool = False) -> None:
    """A message on stderr (or `file`)."""
    write(text, file or sys.stderr, end=end, flush=flush)
