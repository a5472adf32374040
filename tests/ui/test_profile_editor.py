"""The profile editor: every field validated as the user types, Save only when valid, Escape changes nothing."""

from __future__ import annotations

import pytest

from pathlib import Path

from textual.app import App
from textual.widgets import Button, Checkbox, Input, Static, TextArea

import sshdeck
from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.hosts.profiles import HostProfile, Tunnel
from sshdeck.core.hosts.targets import PORT_MESSAGE
from sshdeck.ui.screens.profile_editor import ProfileEditor
from sshdeck.ui.widgets.tunnel_editor import TunnelEditor

STYLES = Path(sshdeck.__file__).parent / "ui" / "styles"
GOOD_FINGERPRINT = "SHA256:" + "A" * 43  # 32 zero-ish bytes in base64


class EditorApp(App):
    """Opens one ProfileEditor and keeps what it returns."""

    CSS_PATH = [STYLES / "app.tcss", STYLES / "hosts.tcss"]

    def __init__(self, editor: ProfileEditor) -> None:
        super().__init__()
        self.editor = editor
        self.results: list[HostProfile | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.editor, self.results.append)


def saved_store() -> ProfileStore:
    store = ProfileStore.load()
    store.add(HostProfile(name="web", host="web.example.com", user="deploy", group="clients"))
    store.add(HostProfile(name="nas", host="192.0.2.5", group="home", tunnels=[Tunnel("admin", 8080, "127.0.0.1", 80)]))
    store.save()
    return store


def error_text(editor: ProfileEditor, field: str) -> str:
    error = editor.query_one(f"#error-{field}", Static)
    return str(error.content) if error.display else ""


def save_enabled(editor: ProfileEditor) -> bool:
    return not editor.query_one("#profile-save", Button).disabled


async def retype(pilot, editor: ProfileEditor, field: str, text: str) -> None:
    """Focus a one-line field, erase it with Backspace and type `text` key by key."""
    box = editor.query_one(f"#field-{field}", Input)
    box.focus()
    await pilot.press("end", *["backspace"] * len(box.value))
    if text:
        await pilot.press(*text)
    await pilot.pause()


async def test_bad_port_disables_save_until_it_is_fixed() -> None:
    store = saved_store()
    editor = ProfileEditor(store.find_by_name("web"), store=store)
    app = EditorApp(editor)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert save_enabled(editor)
        await retype(pilot, editor, "port", "70000")
        assert error_text(editor, "port") == PORT_MESSAGE
        assert not save_enabled(editor)
        assert "row-port" in {w.id for w in editor.query(".-invalid")}
        await retype(pilot, editor, "port", "22x")
        assert error_text(editor, "port") == PORT_MESSAGE
        await retype(pilot, editor, "port", "2222")
        assert error_text(editor, "port") == ""
        assert save_enabled(editor)
        await pilot.press("ctrl+s")
        await pilot.pause()
    [result] = app.results
    assert result is not None
    assert result.port == 2222
    assert result.id == store.find_by_name("web").id  # an edit keeps the id


async def test_escape_returns_none_and_leaves_the_store_alone() -> None:
    store = saved_store()
    before = store.path.read_bytes()
    web = store.find_by_name("web")
    editor = ProfileEditor(web, store=store)
    app = EditorApp(editor)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await retype(pilot, editor, "host", "changed.example.com")
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]
    assert store.path.read_bytes() == before
    assert ProfileStore.load().find_by_name("web").host == "web.example.com"
    assert web.host == "web.example.com"  # the editor never touches the profile it was given


async def test_bad_fingerprint_is_named_and_a_good_one_is_accepted() -> None:
    store = saved_store()
    editor = ProfileEditor(store.find_by_name("web"), store=store)
    app = EditorApp(editor)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        area = editor.query_one("#field-pinned_fingerprints", TextArea)
        area.focus()
        await pilot.press(*"SHA256:short")
        await pilot.pause()
        assert "43 base64 characters" in error_text(editor, "pinned_fingerprints")
        assert "SHA256:short" in error_text(editor, "pinned_fingerprints")
        assert not save_enabled(editor)
        area.text = "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48"
        await pilot.pause()
        assert "MD5 fingerprints are not accepted" in error_text(editor, "pinned_fingerprints")
        area.text = f"{GOOD_FINGERPRINT}=\n"  # padding as some panels show it is tidied away
        await pilot.pause()
        assert error_text(editor, "pinned_fingerprints") == ""
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results[0].pinned_fingerprints == [GOOD_FINGERPRINT]


async def test_new_form_waits_for_input_before_nagging_but_cannot_be_saved_empty() -> None:
    store = saved_store()
    editor = ProfileEditor(store=store)
    app = EditorApp(editor)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert not save_enabled(editor)
        assert error_text(editor, "name") == "" and error_text(editor, "host") == ""
        assert "name is empty" in str(editor.query_one("#form-summary", Static).content)
        await pilot.press("ctrl+s")  # refused: the problems are now shown
        await pilot.pause()
        assert app.results == []
        assert error_text(editor, "host") == "host name is empty"
        await retype(pilot, editor, "name", "WEB")
        assert error_text(editor, "name") == "another profile is already called 'web'"
        await retype(pilot, editor, "name", "files")
        await retype(pilot, editor, "host", "files.example.com")
        await retype(pilot, editor, "user", "alice")
        assert save_enabled(editor)
        await pilot.click("#profile-save")
        await pilot.pause()
    [result] = app.results
    assert (result.name, result.host, result.user, result.port) == ("files", "files.example.com", "alice", 22)
    assert store.get(result.id) is None  # the editor never adds to the store itself


async def test_key_file_must_exist(hermetic_home: Path) -> None:
    store = saved_store()
    editor = ProfileEditor(store.find_by_name("web"), store=store)
    app = EditorApp(editor)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        area = editor.query_one("#field-identity_files", TextArea)
        area.text = "~/.ssh/id_missing"
        await pilot.pause()
        assert error_text(editor, "identity_files") == "key file ~/.ssh/id_missing does not exist"
        assert not save_enabled(editor)
        key = hermetic_home / ".ssh" / "id_missing"
        key.parent.mkdir(mode=0o700)
        key.write_text("key")
        area.text = "~/.ssh/id_missing\n"
        await pilot.pause()
        assert error_text(editor, "identity_files") == ""
        assert save_enabled(editor)


async def test_tunnel_rows_are_validated_added_and_removed() -> None:
    store = saved_store()
    editor = ProfileEditor(store.find_by_name("nas"), store=store)
    app = EditorApp(editor)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.pause()
        tunnels = editor.query_one(TunnelEditor)
        assert [t.local_port for t in tunnels.values()] == [8080]
        await pilot.click("#tunnel-add")
        await pilot.pause()
        new_row = tunnels.rows[1]
        assert app.focused is new_row.query_one(".tunnel-name", Input)
        await pilot.press(*"db", "tab", *"8080", "tab", *"db.internal", "tab", *"5432")
        await pilot.pause()
        row_error = new_row.query_one(".tunnel-error", Static)
        assert str(row_error.content) == "local port 8080 is already used by tunnel 1"
        assert not save_enabled(editor)
        port_box = new_row.query_one(".tunnel-local-port", Input)
        port_box.value = "15432"
        await pilot.pause()
        assert not row_error.display
        assert save_enabled(editor)
        await pilot.click(tunnels.rows[0].query_one(".tunnel-remove"))
        await pilot.pause()
        assert len(tunnels.rows) == 1
        await pilot.press("ctrl+s")
        await pilot.pause()
    [result] = app.results
    assert result.tunnels == [Tunnel("db", 15432, "db.internal", 5432)]


async def test_every_field_round_trips_through_the_form() -> None:
    store = saved_store()
    profile = HostProfile(
        name="gateway", host="gw.example.net", port=2200, user="git", group="paas",
        auth_methods=["key", "agent"], certificate_file="", jump_host="web",
        remote_folder="/srv/app", local_folder="", remote_command="console", force_pty=True,
        agent_forwarding=True,  # proxy_command: its own test (a jump host excludes it)
        pinned_fingerprints=[GOOD_FINGERPRINT], host_key_policy="strict",
        tunnels=[Tunnel("pg", 6543, "db", 5432)], keepalive_interval=30, notes="two\nlines", colour="#336699",
    )
    editor = ProfileEditor(profile, store=store)
    app = EditorApp(editor)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert save_enabled(editor), editor.problems
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [profile]


def test_editor_snapshot(snap_compare) -> None:
    store = ProfileStore.load()
    store.add(HostProfile(name="web", host="web.example.com", user="deploy", group="clients"))
    shop = HostProfile(
        name="shop", host="shop.example.com", port=2222, user="deploy", group="clients",
        jump_host="web", tunnels=[Tunnel("mysql", 3307, "127.0.0.1", 3306)],
        id="0123456789abcdef0123456789abcdef",
    )
    store.add(shop)
    app = EditorApp(ProfileEditor(shop, store=store))

    async def break_the_port(pilot) -> None:
        await pilot.pause()
        for box in app.screen.query(Input):
            box.cursor_blink = False  # a blinking cursor would make the picture change
        app.editor.query_one("#field-port", Input).value = "99999"
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=break_the_port)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_the_name_defaults_to_the_host_and_enter_saves_a_valid_form(size) -> None:
    store = saved_store()
    editor = ProfileEditor(store=store)
    app = EditorApp(editor)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await retype(pilot, editor, "host", "ssh-acme.example.net")
        assert error_text(editor, "name") == ""
        assert save_enabled(editor)
        editor.query_one("#field-host", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
    [result] = app.results
    assert (result.name, result.host) == ("ssh-acme.example.net", "ssh-acme.example.net")


async def test_enter_in_an_invalid_form_moves_on_instead_of_saving() -> None:
    store = saved_store()
    editor = ProfileEditor(store=store)
    app = EditorApp(editor)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await retype(pilot, editor, "port", "99999")
        editor.query_one("#field-port", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == []
        assert not editor.query_one("#field-port", Input).has_focus


async def test_each_checkbox_says_what_it_does() -> None:
    from textual.widgets import Checkbox

    editor = ProfileEditor(store=saved_store())
    app = EditorApp(editor)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        pty = str(editor.query_one("#field-force_pty", Checkbox).label)
        osc52 = str(editor.query_one("#field-allow_osc52", Checkbox).label)
        assert "terminal" in pty and "clipboard" in osc52 and pty != osc52
async def test_agent_forwarding_is_off_and_warns_when_switched_on() -> None:
    editor = ProfileEditor(HostProfile(name="shop", host="shop.example.com"), store=saved_store())
    app = EditorApp(editor)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        box = editor.query_one("#field-agent_forwarding", Checkbox)
        warning = editor.query_one("#warning-agent_forwarding", Static)
        assert box.value is False and not warning.display
        box.focus()
        await pilot.press("space")
        await pilot.pause()
        assert warning.display
        assert str(warning.content) == "anyone with root on shop.example.com can use your agent while you are connected"
        await pilot.press("ctrl+s")
        await pilot.pause()
    [result] = app.results
    assert result.agent_forwarding is True


async def test_proxy_command_is_edited_and_saved_as_typed() -> None:
    editor = ProfileEditor(HostProfile(name="db", host="10.0.0.7"), store=saved_store())
    app = EditorApp(editor)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await retype(pilot, editor, "proxy_command", "ssh -W %h:%p gw")
        await pilot.press("ctrl+s")
        await pilot.pause()
    [result] = app.results
    assert result.proxy_command == "ssh -W %h:%p gw"


async def test_a_proxy_command_beside_a_jump_host_is_refused() -> None:
    editor = ProfileEditor(HostProfile(name="db", host="10.0.0.7", jump_host="web"), store=saved_store())
    app = EditorApp(editor)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await retype(pilot, editor, "proxy_command", "ssh -W %h:%p gw")
        assert error_text(editor, "proxy_command") == "use a jump host or a proxy command, not both"
        assert not save_enabled(editor)
