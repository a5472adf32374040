"""The host sidebar: filter, connect with Enter or a double click, add/edit/duplicate/delete that reach hosts.toml."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

import sshdeck
from sshdeck.core.hosts import secrets
from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.ui.screens.confirm import ConfirmScreen
from sshdeck.ui.screens.profile_editor import ProfileEditor
from sshdeck.ui.widgets.host_sidebar import CONNECTED, CONNECTING, ERROR, HostList, HostSidebar

STYLES = Path(sshdeck.__file__).parent / "ui" / "styles"


class SidebarApp(App):
    """A HostSidebar alone, recording the messages it posts."""

    CSS_PATH = [STYLES / "app.tcss", STYLES / "hosts.tcss"]
    BINDINGS = [Binding("escape", "screen_escape", "Escape", id="test_escape")]

    def __init__(self, store: ProfileStore) -> None:
        super().__init__()
        self.store = store
        self.connects: list[HostProfile] = []
        self.targets: list[str] = []
        self.changes = 0
        self.escapes = 0

    def action_screen_escape(self) -> None:
        self.escapes += 1

    def compose(self) -> ComposeResult:
        yield HostSidebar(self.store)

    def on_mount(self) -> None:
        self.query_one(HostList).focus()

    def on_host_sidebar_connect_requested(self, message: HostSidebar.ConnectRequested) -> None:
        self.connects.append(message.profile)

    def on_host_sidebar_target_requested(self, message: HostSidebar.TargetRequested) -> None:
        self.targets.append(message.text)

    def on_host_sidebar_profiles_changed(self, message: HostSidebar.ProfilesChanged) -> None:
        self.changes += 1


def two_groups() -> ProfileStore:
    store = ProfileStore.load()
    for name, host, group in (
        ("web-1", "web1.example.com", "clients"),
        ("db", "db.example.com", "clients"),
        ("nas", "192.0.2.5", "home"),
        ("router", "192.0.2.1", "home"),
    ):
        store.add(HostProfile(name=name, host=host, user="admin", group=group, id=f"id-{name}"))
    store.save()
    return store


def rows(sidebar: HostSidebar) -> list[str]:
    """The list as the user reads it: group headers in [brackets], host names as they are."""
    host_list = sidebar.host_list
    shown = []
    for index in range(host_list.option_count):
        option = host_list.get_option_at_index(index)
        text = str(option.prompt).strip()
        if text[:1] in "○◌●✕":
            text = text[2:]  # drop the status mark
        shown.append(f"[{text}]" if option.disabled else text)
    return shown


def names_on_disk() -> list[str]:
    return sorted(p.name for p in ProfileStore.load().profiles)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.pause()


async def test_hosts_are_listed_by_group() -> None:
    app = SidebarApp(two_groups())
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        assert rows(app.query_one(HostSidebar)) == ["[clients]", "db", "web-1", "[home]", "nas", "router"]


async def test_filter_narrows_the_list_as_you_type() -> None:
    app = SidebarApp(two_groups())
    async with app.run_test(size=(40, 20)) as pilot:
        sidebar = app.query_one(HostSidebar)
        await pilot.press("slash")
        assert app.focused is sidebar.query_one("#hosts-filter", Input)
        await type_text(pilot, "19")
        assert rows(sidebar) == ["[home]", "nas", "router"]
        await type_text(pilot, "2.0.2.1")
        assert rows(sidebar) == ["[home]", "router"]
        await pilot.press("down")  # from the box into the list
        assert app.focused is sidebar.host_list
        assert sidebar.highlighted_profile.name == "router"
        await pilot.press("slash", "end")  # the box selects its text on focus; keep it and add to it
        await type_text(pilot, "x")
        assert rows(sidebar) == ["[No host matches '192.0.2.1x']"]
        await pilot.press("escape")  # clears the filter and goes back to the list
        await pilot.pause()
        assert rows(sidebar) == ["[clients]", "db", "web-1", "[home]", "nas", "router"]
        assert app.focused is sidebar.host_list
        assert app.escapes == 0
        await pilot.press("escape")  # nothing left to clear: Escape belongs to the screen again
        assert app.escapes == 1


async def test_enter_after_filtering_connects_to_the_best_match() -> None:
    app = SidebarApp(two_groups())
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.press("slash", *"rout", "enter")  # Enter in the box moves to the list
        await pilot.pause()
        assert app.connects == []
        await pilot.press("enter")
        await pilot.pause()
        assert [p.name for p in app.connects] == ["router"]


async def test_arrow_keys_skip_group_headers_and_enter_connects() -> None:
    app = SidebarApp(two_groups())
    async with app.run_test(size=(40, 20)) as pilot:
        sidebar = app.query_one(HostSidebar)
        assert sidebar.highlighted_profile.name == "db"
        await pilot.press("down", "down")  # web-1, then over [home] to nas
        assert sidebar.highlighted_profile.name == "nas"
        assert str(sidebar.query_one("#hosts-detail", Static).content) == "admin@192.0.2.5:22"
        await pilot.press("enter")
        await pilot.pause()
        assert [p.id for p in app.connects] == ["id-nas"]


async def test_double_click_connects_and_a_single_click_only_highlights() -> None:
    app = SidebarApp(two_groups())
    async with app.run_test(size=(40, 20)) as pilot:
        sidebar = app.query_one(HostSidebar)
        await pilot.click(HostList, offset=(4, 2))  # row 2: web-1
        await pilot.pause()
        assert sidebar.highlighted_profile.name == "web-1"
        assert app.connects == []
        await pilot.click(HostList, offset=(4, 5), times=2)  # row 5: router
        await pilot.pause()
        assert [p.name for p in app.connects] == ["router"]
        await pilot.click(HostList, offset=(4, 0), times=2)  # a group header does nothing
        await pilot.pause()
        assert len(app.connects) == 1


async def test_status_marks_and_error_message() -> None:
    app = SidebarApp(two_groups())
    async with app.run_test(size=(40, 20)) as pilot:
        sidebar = app.query_one(HostSidebar)
        sidebar.set_status("id-db", CONNECTING)
        sidebar.set_status("id-nas", ERROR, "Connection refused")
        sidebar.set_status("id-router", CONNECTED)
        await pilot.pause()
        marks = {str(sidebar.host_list.get_option(f"host:id-{n}").prompt).split()[0] for n in ("db",)}
        assert marks == {"◌"}
        assert str(sidebar.host_list.get_option("host:id-nas").prompt).split()[0] == "✕"
        assert str(sidebar.host_list.get_option("host:id-router").prompt).split()[0] == "●"
        assert str(sidebar.host_list.get_option("host:id-web-1").prompt).split()[0] == "○"
        await pilot.press("down", "down")
        detail = sidebar.query_one("#hosts-detail", Static)
        assert str(detail.content) == "admin@192.0.2.5:22 · error\nConnection refused"
        assert detail.has_class("-error")
        with pytest.raises(ValueError):
            sidebar.set_status("id-db", "sleeping")


async def test_recent_connections_come_first_and_connect() -> None:
    store = two_groups()
    store.mark_connected("id-router")
    store.mark_quick_connected("me@adhoc.example.com:2222")
    app = SidebarApp(store)
    async with app.run_test(size=(40, 24)) as pilot:
        sidebar = app.query_one(HostSidebar)
        assert rows(sidebar)[:3] == ["[Recent]", "→ me@adhoc.example.com:2222", "router"]
        await pilot.press("home", "enter")
        await pilot.pause()
        assert app.targets == ["me@adhoc.example.com:2222"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert [p.name for p in app.connects] == ["router"]


async def test_add_opens_the_editor_and_saving_writes_hosts_toml() -> None:
    app = SidebarApp(two_groups())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ProfileEditor)
        await type_text(pilot, "backup")
        app.screen.query_one("#field-host", Input).focus()
        await type_text(pilot, "backup.example.org")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ProfileEditor)
        assert app.changes == 1
        sidebar = app.query_one(HostSidebar)
        assert sidebar.highlighted_profile.name == "backup"
    reloaded = ProfileStore.load()
    added = reloaded.find_by_name("backup")
    assert added is not None and added.host == "backup.example.org"
    assert names_on_disk() == ["backup", "db", "nas", "router", "web-1"]


async def test_edit_changes_the_saved_profile_and_keeps_its_id() -> None:
    app = SidebarApp(two_groups())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("down", "f4")  # web-1
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, ProfileEditor)
        editor.query_one("#field-host", Input).value = "web1.new.example.com"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.changes == 1
    reloaded = ProfileStore.load().get("id-web-1")
    assert reloaded is not None and reloaded.host == "web1.new.example.com"


async def test_duplicate_adds_a_copy_under_a_free_name() -> None:
    app = SidebarApp(two_groups())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("c")  # db
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, ProfileEditor)
        assert editor.query_one("#field-name", Input).value == "db (copy)"
        await pilot.press("ctrl+s")
        await pilot.pause()
    store = ProfileStore.load()
    copy, original = store.find_by_name("db (copy)"), store.find_by_name("db")
    assert copy is not None and copy.id != original.id
    assert (copy.host, copy.user, copy.group) == (original.host, original.user, original.group)


async def test_delete_asks_first_and_escape_keeps_the_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    forgotten: list[str] = []
    monkeypatch.setattr(secrets, "delete_password", lambda pid: forgotten.append(pid))
    app = SidebarApp(two_groups())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert names_on_disk() == ["db", "nas", "router", "web-1"]
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("enter")  # a stray Enter on the dialog keeps the host: "Keep" has the focus
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert names_on_disk() == ["db", "nas", "router", "web-1"]
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert names_on_disk() == ["db", "nas", "router", "web-1"]
        assert forgotten == []
        await pilot.click("#confirm-yes")
        await pilot.pause()
        assert rows(app.query_one(HostSidebar)) == ["[clients]", "web-1", "[home]", "nas", "router"]
        assert app.changes == 1
    assert names_on_disk() == ["nas", "router", "web-1"]
    assert forgotten == ["id-db"]


async def test_a_broken_hosts_toml_is_shown_and_replaced_only_when_confirmed(hermetic_home: Path) -> None:
    store = two_groups()
    broken = store.path.read_text() + "\n[[profiles]]\nname = 'bad'\nhost = 'bad.example.com'\nport = 99999\n"
    bad_line = broken.splitlines().index("port = 99999") + 1
    store.path.write_text(broken)
    store = ProfileStore.load()
    assert store.read_only
    app = SidebarApp(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        banner = app.query_one("#hosts-banner", Static)
        assert banner.display
        assert "read-only until you save" in str(banner.content)
        assert f"line {bad_line}:" in str(banner.content)
        assert rows(app.query_one(HostSidebar)) == ["[clients]", "db", "web-1", "[home]", "nas", "router"]
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#field-name", Input).value = "fresh"
        app.screen.query_one("#field-host", Input).value = "fresh.example.com"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert str(app.screen.query_one("#confirm-yes").label) == "Save anyway (keeps a backup)"
        await pilot.press("escape")  # don't save: the file stays as it was, the list too
        await pilot.pause()
        assert store.path.read_text() == broken
        assert store.find_by_name("fresh") is None
        assert app.changes == 0
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#field-name", Input).value = "fresh"
        app.screen.query_one("#field-host", Input).value = "fresh.example.com"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await pilot.pause()
        assert app.changes == 1
        assert not banner.display
    assert ProfileStore.load().find_by_name("fresh") is not None
    backups = list(store.path.parent.glob("hosts.toml.bak-*"))
    assert [b.read_text() for b in backups] == [broken]


def test_sidebar_snapshot(snap_compare) -> None:
    store = two_groups()
    store.get("id-db").colour = "green"

    async def set_statuses(pilot) -> None:
        sidebar = pilot.app.query_one(HostSidebar)
        sidebar.set_status("id-web-1", CONNECTED)
        sidebar.set_status("id-nas", ERROR, "Connection refused")
        await pilot.press("down")
        await pilot.pause()

    assert snap_compare(SidebarApp(store), terminal_size=(40, 16), run_before=set_statuses)
