"""Adding, editing, duplicating, deleting and importing host profiles from the sidebar.

Part of `HostSidebar` (which mixes this in); split out to keep one idea per
file.  Each change runs the editor, a question or the import modal, then
saves hosts.toml; a change that could not be saved is undone, so what the
sidebar shows is always what is on disk, and a saved change ends with the
sidebar's ``ProfilesChanged``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from textual import work
from textual.widgets.option_list import OptionDoesNotExist

from sshdeck.core.hosts import secrets
from sshdeck.core.hosts.profile_store import SaveError, SaveNeedsConfirmation
from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.ui.screens.confirm import ConfirmScreen

# The editor and the ssh_config import screen (with the ssh_config reader) are imported when first
# opened: they were ~30 ms of every start, before the first frame.


class ProfileEditing:
    """The profile-changing operations of `HostSidebar`."""

    def _chosen(self, profile_id: str | None) -> HostProfile | None:
        profile = self.store.get(profile_id) if profile_id else self.highlighted_profile
        if profile is None:
            self.notify("Choose a host first", severity="warning")
        return profile

    @work(group="host-sidebar-edit")
    async def add_profile(self, prefill: HostProfile | None = None) -> None:
        """Open the editor on a new profile (or a prefilled one, e.g. from quick connect); save when confirmed."""
        from sshdeck.ui.screens.profile_editor import ProfileEditor

        result = await self.app.push_screen_wait(ProfileEditor(prefill, store=self.store, is_new=True))
        if result is not None:
            await self._commit(lambda: self.store.add(result), f"Added {result.name}", select=result.id)

    @work(group="host-sidebar-edit")
    async def edit_profile(self, profile_id: str | None = None) -> None:
        """Open the editor on a saved profile (the highlighted one by default)."""
        profile = self._chosen(profile_id)
        if profile is None:
            return
        from sshdeck.ui.screens.profile_editor import ProfileEditor

        result = await self.app.push_screen_wait(ProfileEditor(profile, store=self.store))
        if result is not None:
            await self._commit(lambda: self.store.update(result), f"Saved {result.name}", select=result.id)

    @work(group="host-sidebar-edit")
    async def duplicate_profile(self, profile_id: str | None = None) -> None:
        """Open the editor on a copy under a free name; the copy is added only when saved."""
        profile = self._chosen(profile_id)
        if profile is None:
            return
        copy = profile.duplicate(self.store.unique_name(f"{profile.name} (copy)"))
        title = f"Duplicate {profile.name}"
        from sshdeck.ui.screens.profile_editor import ProfileEditor

        result = await self.app.push_screen_wait(ProfileEditor(copy, store=self.store, title=title, is_new=True))
        if result is not None:
            await self._commit(lambda: self.store.add(result), f"Added {result.name}", select=result.id)

    @work(group="host-sidebar-edit")
    async def delete_profile(self, profile_id: str | None = None) -> None:
        """Ask, then remove the profile, save, and forget its saved password."""
        profile = self._chosen(profile_id)
        if profile is None:
            return
        confirm = ConfirmScreen(
            f"Delete the host {profile.name}?",
            f"{profile.endpoint}\nThe profile and any password saved for it in the keyring are removed.",
            confirm_label="Delete",
            cancel_label="Keep",
            danger=True,
        )
        if not await self.app.push_screen_wait(confirm):
            return
        if await self._commit(lambda: self.store.remove(profile.id), f"Deleted {profile.name}"):
            self._status.pop(profile.id, None)
            if problem := secrets.delete_password(profile.id):
                self.notify(problem, title="Saved password", severity="warning", markup=False)

    @work(group="host-sidebar-edit")
    async def import_ssh_config(self, path: Path | None = None) -> None:
        """Open the ssh_config import preview; add and save what the user imports."""
        from sshdeck.ui.screens.ssh_config_import import SshConfigImportScreen

        outcome = await self.app.push_screen_wait(SshConfigImportScreen(list(self.store.profiles), path))
        if outcome is None:
            return
        if outcome.imported:
            def add_all() -> None:
                for profile in outcome.imported:
                    self.store.add(profile)

            await self._commit(add_all, f"Imported {len(outcome.imported)} host(s)", select=outcome.imported[0].id)
        if outcome.skipped:
            lines = [f"{alias}: {why}" for alias, why in outcome.skipped.items()]
            self.notify("Not imported:\n" + "\n".join(lines), severity="warning", timeout=12, markup=False)

    # -- saving --------------------------------------------------------------------

    async def _commit(self, change: Callable[[], object], done: str, *, select: str | None = None) -> bool:
        """Apply `change` to the store and save; undo it when hosts.toml was not written."""
        before = list(self.store.profiles)
        change()
        saved = await self._save()
        if not saved:
            self.store.profiles[:] = before
        self._show_load_problems()
        self.refresh_hosts()
        if saved:
            if select is not None:
                self._highlight(f"host:{select}")
            self.notify(done, markup=False)
            self.post_message(self.ProfilesChanged(self.store))
        return saved

    async def _save(self) -> bool:
        try:
            backup = self.store.save()
        except SaveNeedsConfirmation as exc:
            confirm = ConfirmScreen(
                f"Replace {self.store.path.name}?",
                str(exc),
                confirm_label="Save anyway (keeps a backup)",
                cancel_label="Don't save",
            )
            if not await self.app.push_screen_wait(confirm):
                self.notify(f"Not saved; {self.store.path} is unchanged", severity="warning", markup=False)
                return False
            try:
                backup = self.store.save(replace=True)
            except SaveError as again:
                self.notify(str(again), title="Not saved", severity="error", markup=False)
                return False
        except SaveError as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return False
        if backup is not None:
            self.notify(f"The previous file was kept as {backup}", markup=False)
        return True

    def _highlight(self, option_id: str) -> None:
        host_list = self.host_list
        try:
            host_list.highlighted = host_list.get_option_index(option_id)
        except OptionDoesNotExist:  # filtered out: keep the cursor where it is
            return
