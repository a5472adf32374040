"""F4 on a remote file: run the user's editor, upload every save, ask on conflicts, never lose the edit.

The logic (private copy, conflict check, verified upload, watch loop) is in
`sshdeck.core.edit`; this controller only runs programs in the terminal and
asks the user.  Editors that return at once (a GUI editor without --wait)
leave a *detached watch* running: it uploads each save until the user stops it
(`W`, or "Stop watching" in the palette) or the app quits.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import time
from pathlib import Path
from typing import Callable

from textual.app import App, SuspendNotSupported

from sshdeck.core.edit import EditSession, EditWatcher, SyncResult, diff_command, editor_command
from sshdeck.core.edit.watch import WatchEvent
from sshdeck.core.fs.base import FileSystem, FileSystemError
from sshdeck.core.fs.names import display_path
from sshdeck.ui.screens.edit_conflict import EditConflictDialog
from sshdeck.ui.screens.location_picker import ListPicker

log = logging.getLogger(__name__)

# An editor that returns this fast without saving anything was probably a GUI
# editor that forked (`code` without --wait): keep watching instead of stopping.
DETACH_SECONDS = 2.0


def remote_edits(app: App) -> "RemoteEdits":
    """The app's one controller (made on first use, so the app needs no wiring)."""
    found = getattr(app, "_sshdeck_remote_edits", None)
    if found is None:
        found = RemoteEdits(app)
        setattr(app, "_sshdeck_remote_edits", found)
    return found


class RemoteEdits:
    def __init__(self, app: App) -> None:
        self.app = app
        self.watching: dict[str, EditSession] = {}  # shown name -> session, for detached watches
        self.watchers: dict[str, EditWatcher] = {}
        self.kept: list[tuple[Path, str]] = []  # (copy, why) for the note printed after the app quits
        self.editor_runs = 0

    # -- running programs in the terminal ----------------------------------------------

    async def run_in_terminal(self, argv: list[str]) -> int:
        """Hand the terminal to `argv` (the app is suspended, but its loop keeps watching files)."""
        try:
            # batch_update: no repaint while the program owns the screen.
            with self.app.batch_update(), self.app.suspend():
                result = await asyncio.to_thread(subprocess.run, argv)
        except SuspendNotSupported:
            # Headless (tests): nothing to hand the terminal over to.
            result = await asyncio.to_thread(subprocess.run, argv)
        except OSError as exc:
            raise FileSystemError(f"cannot start {argv[0]}: {exc.strerror or exc}") from None
        if result.returncode != 0:
            log.info("%s exited with %s", argv[0], result.returncode)
        return result.returncode

    # -- F4 ----------------------------------------------------------------------------

    async def edit(self, fs: FileSystem, path: str) -> None:
        """The whole F4 on a remote file; returns when it is settled or handed to a detached watch."""
        command = editor_command()
        session = await EditSession.fetch(fs, path)
        shown = display_path(path)
        settled = False
        try:
            while True:
                started = time.monotonic()
                await self._edit_once(command, session)
                quick = time.monotonic() - started < DETACH_SECONDS
                if quick and session.uploads == 0 and not session.changed_locally():
                    self._detach(session, shown)
                    settled = True
                    return
                outcome = await self.settle(session, shown)
                if outcome != "edit":
                    settled = True
                    return
        finally:
            if not settled:
                self._keep(session, f"Not uploaded: {shown}")

    async def _edit_once(self, command: list[str], session: EditSession) -> None:
        """Run the editor while uploading every save (a conflict stops uploads until it ends)."""
        watcher = EditWatcher(session, lambda event: None)
        task = asyncio.create_task(watcher.run())
        try:
            self.editor_runs += 1
            await self.run_in_terminal([*command, str(session.local_path)])
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def settle(self, session: EditSession, shown: str) -> str:
        """Upload the last save, or ask; 'done', 'kept' (copy left in the private folder) or 'edit'."""
        while True:
            try:
                result = await session.sync()
            except FileSystemError as exc:
                self._keep(session, f"Not uploaded: {exc}")
                return "kept"
            if result is not SyncResult.CONFLICT:
                self._done(session, shown)
                return "done"
            can_diff = diff_command("a", "b") is not None
            answer = await self.app.push_screen_wait(EditConflictDialog(shown, can_diff))
            try:
                if answer == "overwrite":
                    await session.upload()
                    self._done(session, shown)
                    return "done"
                if answer == "beside":
                    target = await session.save_beside()
                    session.discard()
                    self.app.notify(f"Saved your version as {display_path(target)}; the server's file was kept",
                                    timeout=8, markup=False)
                    return "done"
                if answer == "diff":
                    await self._diff(session)
                    continue
            except FileSystemError as exc:
                self._keep(session, f"Not uploaded: {exc}")
                return "kept"
            if answer == "edit":
                return "edit"
            self._keep(session, f"Not uploaded: {shown} changed on the server")
            return "kept"

    async def _diff(self, session: EditSession) -> None:
        theirs = await session.server_copy()
        try:
            command = diff_command(str(theirs), str(session.local_path))
            if command is not None:
                await self.run_in_terminal(command)
        finally:
            theirs.unlink(missing_ok=True)

    def _done(self, session: EditSession, shown: str) -> None:
        session.discard()
        if session.uploads:
            saves = "1 save" if session.uploads == 1 else f"{session.uploads} saves"
            self.app.notify(f"Uploaded {shown} ({saves})", timeout=3, markup=False)
        else:
            self.app.notify("No changes; nothing uploaded", timeout=3)

    def _keep(self, session: EditSession, why: str) -> None:
        where = display_path(str(session.local_path))
        if not session.local_path.exists():  # the user deleted it: nothing left to keep
            self.app.notify(f"{why}. The edited copy {where} was deleted", title="Edit",
                            severity="warning", timeout=10, markup=False)
            return
        self.kept.append((session.local_path, why))
        log.warning("%s; the edited copy is kept at %s", why, where)
        self.app.notify(f"{why}. Your edited copy is kept at {where}", title="Edit",
                        severity="warning", timeout=30, markup=False)

    # -- detached watches --------------------------------------------------------------

    def _detach(self, session: EditSession, shown: str) -> None:
        key = shown
        while key in self.watching:
            key += "'"
        self.watching[key] = session
        self.app.run_worker(self._watch(key, session, shown), group="edit-watch", name=key, exit_on_error=False)
        self.app.notify(f"The editor returned at once: uploading each save of {shown} until you stop it "
                        "(W, or Stop watching in the palette)", timeout=8, markup=False)

    async def _watch(self, key: str, session: EditSession, shown: str) -> None:
        settled = False
        try:
            while True:
                watcher = EditWatcher(session, lambda e: self._uploaded(e, shown))
                self.watchers[key] = watcher
                event = await watcher.run()
                if event is None:  # stopped by the user; the last save was checked
                    settled = self._stopped(session, shown)
                    return
                if event.result is None:
                    self._keep(session, f"Not uploaded: {event.error}")
                    settled = True
                    return
                outcome = await self.settle(session, shown)  # a conflict: ask
                if outcome != "edit":
                    settled = True
                    return
                self.editor_runs += 1
                await self.run_in_terminal([*editor_command(), str(session.local_path)])
        except asyncio.CancelledError:
            # The app is quitting: no time to ask or upload; keep what is not on the server.
            settled = self._stopped(session, shown)
            raise
        finally:
            self.watching.pop(key, None)
            self.watchers.pop(key, None)
            if not settled:
                self._keep(session, f"Stopped watching {shown} before the last save was uploaded")

    def _uploaded(self, event: WatchEvent, shown: str) -> None:
        if event.result is SyncResult.UPLOADED:
            self.app.notify(f"Uploaded {shown}", timeout=3, markup=False)

    def _stopped(self, session: EditSession, shown: str) -> bool:
        """Watch cancelled (stop, or app quit): drop the copy only if the server has its content."""
        try:
            unsynced = session.changed_locally()
        except FileSystemError:
            return True  # the copy is gone: nothing left to keep
        if unsynced:
            return False
        session.discard()
        self.app.notify(f"Stopped watching {shown}", timeout=3, markup=False)
        return True

    def stop(self, key: str) -> None:
        watcher = self.watchers.get(key)
        if watcher is not None:
            watcher.stop()

    def still_kept(self) -> list[str]:
        """One line per edited copy that is still waiting in the private folder (for after the app quits)."""
        return [f"{why}. Your edited copy is kept at {display_path(str(path))}"
                for path, why in self.kept if path.exists()]

    def palette_entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(title, help, run) for the command palette: one "Stop watching NAME" per watched file."""
        return [
            (f"Stop watching {key}", "uploads its last save, then stops", lambda key=key: self.stop(key))
            for key in self.watching
        ]

    def ask_which_to_stop(self) -> None:
        keys = list(self.watching)
        if not keys:
            self.app.notify("No edited file is being watched", timeout=3)
            return
        if len(keys) == 1:
            self.stop(keys[0])
            return

        def chosen(index: int | None) -> None:
            if index is not None:
                self.stop(keys[index])

        self.app.push_screen(ListPicker("Stop watching", keys), chosen)
