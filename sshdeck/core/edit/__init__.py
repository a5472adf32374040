"""Editing a remote file with the user's own editor, without ever losing the edit.

`session`: the private copy and how it reaches the server (conflict check,
verified atomic upload, save-beside); `watch`: upload on every save;
`tools`: which editor and diff program to run.
"""

from sshdeck.core.edit.session import EDIT_LIMIT, EditSession, SyncResult, edits_dir
from sshdeck.core.edit.tools import diff_command, editor_command
from sshdeck.core.edit.watch import EditWatcher

__all__ = ["EDIT_LIMIT", "EditSession", "EditWatcher", "SyncResult", "diff_command", "edits_dir", "editor_command"]
