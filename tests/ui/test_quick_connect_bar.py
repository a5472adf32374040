"""The quick-connect bar: bad addresses say what is wrong, good ones post a parsed target; save as profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult

import sshdeck
from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.core.hosts.targets import PORT_MESSAGE, Target
from sshdeck.ui.screens.profile_editor import ProfileEditor
from sshdeck.ui.widgets.host_sidebar import HostSidebar
from sshdeck.ui.widgets.quick_connect import QuickConnectBar, profile_from_target

STYLES = Path(sshdeck.__file__).parent / "ui" / "styles"


class QuickConnectApp(App):
    """The bar above a sidebar, wired the way the main screen wires them."""

    CSS_PATH = [STYLES / "app.tcss", STYLES / "hosts.tcss"]

    def __init__(self, store: ProfileStore) -> None:
        super().__init__()
        self.store = store
        self.connects: list[tuple[Target, str]] = []

    def compose(self) -> ComposeResult:
        yield QuickConnectBar()
        yield HostSidebar(self.store)

    def on_mount(self) -> None:
        self.query_one("#quick-connect-input").focus()

    def on_quick_connect_bar_connect_requested(self, message: QuickConnectBar.ConnectRequested) -> None:
        self.connects.append((message.target, message.text))

    def on_quick_connect_bar_save_as_profile_requested(self, message: QuickConnectBar.SaveAsProfileRequested) -> None:
        self.query_one(HostSidebar).add_profile(profile_from_target(message.target, self.store))


async def submit(pilot, text: str) -> QuickConnectBar:
    bar = pilot.app.query_one(QuickConnectBar)
    bar.input.value = text
    await pilot.press("end", "enter")
    await pilot.pause()
    return bar


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("alice@example.com:99999", PORT_MESSAGE),
        ("sftp://alice@example.com:0/srv", PORT_MESSAGE),
        ("alice:secret@example.com", "passwords in the address are not accepted"),
        ("@example.com", "user name is empty"),
        ("ftp://example.com", "'ftp://' addresses are not supported; use sftp:// or user@host"),
        ("exa mple.com", "host name must not contain spaces"),
        ("/var/www", "that is a folder: Ctrl+L goes to a path"),
        ("~/sites", "that is a folder: Ctrl+L goes to a path"),
    ],
)
async def test_bad_addresses_say_what_is_wrong_and_post_nothing(text: str, message: str) -> None:
    app = QuickConnectApp(ProfileStore.load())
    async with app.run_test(size=(100, 20)) as pilot:
        bar = await submit(pilot, text)
        assert bar.error.startswith(message)
        assert bar.query_one("#quick-connect-error").display
        assert app.connects == []


async def test_empty_address_is_refused() -> None:
    app = QuickConnectApp(ProfileStore.load())
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one(QuickConnectBar).error == "host name is empty"
        assert app.connects == []


async def test_good_addresses_post_the_parsed_target() -> None:
    app = QuickConnectApp(ProfileStore.load())
    async with app.run_test(size=(100, 20)) as pilot:
        await submit(pilot, "alice@example.com")
        await submit(pilot, "alice@example.com:2222")
        bar = await submit(pilot, "sftp://bob@files.example.org:2200/upload")
        assert bar.error == ""
    assert app.connects == [
        (Target("example.com", "alice", None, None), "alice@example.com"),
        (Target("example.com", "alice", 2222, None), "alice@example.com:2222"),
        (Target("files.example.org", "bob", 2200, "upload"), "sftp://bob@files.example.org:2200/upload"),
    ]


async def test_typing_after_a_mistake_clears_the_message() -> None:
    app = QuickConnectApp(ProfileStore.load())
    async with app.run_test(size=(100, 20)) as pilot:
        bar = await submit(pilot, "alice@example.com:70000")
        assert bar.error != ""
        await pilot.press("backspace")
        await pilot.pause()
        assert bar.error == ""
        assert not bar.query_one("#quick-connect-error").display


def test_profile_from_target_fills_the_address_and_picks_a_free_name() -> None:
    store = ProfileStore.load()
    store.add(HostProfile(name="alice@example.com", host="old.example.com"))
    profile = profile_from_target(Target("example.com", "alice", 2222, "/srv/www"), store)
    assert (profile.name, profile.host, profile.user, profile.port, profile.remote_folder) == (
        "alice@example.com 2", "example.com", "alice", 2222, "/srv/www",
    )
    bare = profile_from_target(Target("example.com"))
    assert (bare.name, bare.user, bare.port, bare.remote_folder) == ("example.com", "", 22, "")
    assert bare.is_valid()


async def test_save_as_profile_opens_the_editor_prefilled_and_saves() -> None:
    store = ProfileStore.load()
    app = QuickConnectApp(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press(*"sftp://carol@backup.example.net:2022/archive", "ctrl+s")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, ProfileEditor)
        assert editor.query_one("#field-host").value == "backup.example.net"
        assert editor.query_one("#field-port").value == "2022"
        assert editor.query_one("#field-remote_folder").value == "archive"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ProfileEditor)
    saved = ProfileStore.load().find_by_name("carol@backup.example.net")
    assert saved is not None
    assert (saved.user, saved.port, saved.remote_folder) == ("carol", 2022, "archive")


async def test_save_as_profile_with_a_bad_address_shows_why() -> None:
    app = QuickConnectApp(ProfileStore.load())
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press(*"carol@host:70000", "ctrl+s")
        await pilot.pause()
        assert app.query_one(QuickConnectBar).error == PORT_MESSAGE
        assert not isinstance(app.screen, ProfileEditor)
