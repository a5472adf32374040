"""Which editor and which diff program F4 runs (the user's own, from the environment)."""

from __future__ import annotations

import os
import shlex
import shutil

from sshdeck.core.fs.base import FileSystemError


def editor_command() -> list[str]:
    """$VISUAL, else $EDITOR, else the first of a few common editors that exists."""
    for variable in ("VISUAL", "EDITOR"):
        value = os.environ.get(variable, "").strip()
        if value:
            return shlex.split(value)
    for candidate in ("nano", "vim", "vi"):
        found = shutil.which(candidate)
        if found:
            return [found]
    raise FileSystemError("no editor found: set $VISUAL or $EDITOR")


def diff_command(theirs: str, mine: str) -> list[str] | None:
    """$DIFFTOOL on the two files, else `diff -u` through a pager; None when neither exists."""
    tool = os.environ.get("DIFFTOOL", "").strip()
    if tool:
        words = shlex.split(tool)
        if words and shutil.which(words[0]):
            return [*words, theirs, mine]
    if shutil.which("diff") is None:
        return None
    pager = os.environ.get("PAGER", "").strip() or ("less" if shutil.which("less") else "")
    if not pager:
        # No pager: show the diff and wait for Enter, so it is not wiped at once.
        script = 'diff -u -- "$1" "$2"; printf "\\nPress Enter to go back to sshdeck "; read _'
        return ["sh", "-c", script, "sh", theirs, mine]
    return ["sh", "-c", f'diff -u -- "$1" "$2" | {pager}', "sh", theirs, mine]
