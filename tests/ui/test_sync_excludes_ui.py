"""Synchronise in the app with excludes: a profile's list comes first, the user edits it, Enter plans again (OpenSSH's sshd)."""

from __future__ import annotations

import os
from pathlib import Path

from textual.widgets import Input, Static

from sshdeck.app import SshdeckApp
from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.core.trust import TrustStore
from sshdeck.ui.screens.sync_plan import SyncPlanScreen, split_globs
from tests.ui.test_sync_screen import open_preview, prompts
from tests.ui.waiting import until


def tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


async def test_the_plan_starts_with_the_profiles_excludes_and_an_edited_exclude_plans_again(tmp_path: Path, openssh_server) -> None:
    local = tree(tmp_path / "local", {
        "index.html": b"<p>", "debug.log": b"log", "notes.md": b"# notes", ".sshdeckignore": b"*.bak\n", "old.bak": b"b",
    })
    served = tree(tmp_path / "served", {"server.log": b"the server's own"})
    sibling = tree(tmp_path / "sibling", {"keep.txt": b"keep"})
    store = ProfileStore.load()
    store.add(HostProfile(
        name="box", host=openssh_server.host, port=openssh_server.port, user=openssh_server.username,
        identity_files=[str(openssh_server.client_key)], remote_folder=str(served), excludes=["*.log"],
    ))
    store.save()
    trust = TrustStore(own_file=tmp_path / "own_known_hosts", read_files=[])
    (tmp_path / "own_known_hosts").write_text(openssh_server.known_hosts_line())
    app = SshdeckApp(local_path=str(local), trust=trust, ssh_config=None, initial_target="box")
    async with app.run_test(size=(120, 40)) as pilot:
        right = app.screen.query_one("#right")
        await until(pilot, lambda: right.is_idle and right.path == str(served), "the server's folder")
        app.screen.query_one("#left").file_list.focus()
        screen = await open_preview(pilot, app)
        # The profile's *.log and the source's .sshdeckignore apply: debug.log is neither copied nor server.log deleted.
        assert screen.query_one("#sync-excludes", Input).value == "*.log"
        excluding = screen.query_one("#sync-excluding", Static)
        assert str(excluding.render()) == "Excluding: *.log; *.bak (.sshdeckignore)"
        assert prompts(screen) == ["copy .sshdeckignore  6 B", "copy index.html  3 B", "copy notes.md  7 B"]
        await pilot.press("d")
        await until(pilot, lambda: screen.choices.delete and not screen.planning, "a plan with deletes on")
        assert prompts(screen) == ["copy .sshdeckignore  6 B", "copy index.html  3 B", "copy notes.md  7 B"]
        # Edit: *.md instead of *.log; Enter in the line plans again (and does not run the sync).
        await pilot.press("e")
        box = screen.query_one("#sync-excludes", Input)
        assert app.focused is box
        box.value = "*.md, "
        await pilot.press("enter")
        await until(pilot, lambda: "Excluding: *.md;" in str(excluding.render()) and not screen.planning, "the new plan")
        assert isinstance(app.screen, SyncPlanScreen)
        assert prompts(screen) == [
            "copy .sshdeckignore  6 B", "copy debug.log  3 B", "copy index.html  3 B", "delete server.log  16 B",
        ]
        assert screen.choices.delete  # the other choices stay
        await pilot.press("enter")
        await until(pilot, lambda: any("Synchronised: 3 copied, 0 updated, 1 deleted" in n.message for n in app._notifications),
                    "the summary")
    assert sorted(os.listdir(served)) == [".sshdeckignore", "debug.log", "index.html"]
    assert sorted(os.listdir(sibling)) == ["keep.txt"] and (sibling / "keep.txt").read_bytes() == b"keep"
    assert sorted(os.listdir(local)) == [".sshdeckignore", "debug.log", "index.html", "notes.md", "old.bak"]


def test_exclude_line_splits_on_commas_only() -> None:
    assert split_globs(" *.log, My Documents/ ,,*.log, cache/") == ("*.log", "My Documents/", "cache/")
