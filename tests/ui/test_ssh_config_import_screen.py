"""Importing from ~/.ssh/config: a preview of concrete hosts, duplicates and risks marked, risky ones confirmed twice."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.color import Color
from textual.widgets import Checkbox, Input, Static

import sshdeck
from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.core.hosts.ssh_config_import import ImportOutcome
from sshdeck.ui.screens.confirm import ConfirmScreen
from sshdeck.ui.screens.ssh_config_import import CandidateRow, SshConfigImportScreen
from sshdeck.ui.widgets.host_sidebar import HostList, HostSidebar

STYLES = Path(sshdeck.__file__).parent / "ui" / "styles"

SAMPLE = """\
Host *
    ServerAliveInterval 30

Host web
    HostName web.example.com
    User deploy
    Port 2222
    IdentityFile ~/.ssh/id_web

Host legacy
    HostName legacy.example.com
    User ops
    ProxyCommand nc -X connect -x proxy.example.com:8080 %h %p

Host old-db
    HostName db.example.com
    User admin

Host *.corp !build.corp
    User corp
"""


def write_config(home: Path, text: str = SAMPLE, name: str = "config") -> Path:
    ssh = home / ".ssh"
    ssh.mkdir(mode=0o700, exist_ok=True)
    path = ssh / name
    path.write_text(text)
    (ssh / "id_web").write_text("key")
    return path


EXISTING = [HostProfile(name="db", host="db.example.com", user="admin")]


class ImportApp(App):
    """Opens the import screen over a list of existing profiles and keeps the outcome."""

    CSS_PATH = [STYLES / "app.tcss", STYLES / "hosts.tcss"]

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self.path = path
        self.results: list[ImportOutcome | None] = []

    def on_mount(self) -> None:
        self.push_screen(SshConfigImportScreen(EXISTING, self.path), self.results.append)


def candidate_rows(app: App) -> dict[str, CandidateRow]:
    return {row.candidate.alias: row for row in app.screen.query(CandidateRow)}


async def test_preview_lists_concrete_hosts_with_duplicates_and_risks(hermetic_home: Path) -> None:
    write_config(hermetic_home)
    app = ImportApp()  # the default path: ~/.ssh/config
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#import-path", Input).value == "~/.ssh/config"
        rows = candidate_rows(app)
        assert list(rows) == ["web", "legacy", "old-db"]  # no "*" and no "*.corp": patterns are not hosts
        assert {alias: row.ticked for alias, row in rows.items()} == {"web": True, "legacy": False, "old-db": False}
        web_lines = [str(s.content) for s in rows["web"].query(Static)]
        assert "deploy@web.example.com:2222" in str(rows["web"].query_one(Checkbox).label)
        assert f"key {hermetic_home}/.ssh/id_web · keepalive 30s" in web_lines
        [risk] = rows["legacy"].query(".import-risk")
        assert str(risk.content) == (
            "⚠ ProxyCommand runs this command on this computer to reach legacy.example.com: "
            "`nc -X connect -x proxy.example.com:8080 %h %p`"
        )
        warning = Color.parse(app.get_css_variables()["text-warning"])
        assert risk.styles.color.rgb == warning.rgb
        [duplicate] = rows["old-db"].query(".import-duplicate")
        assert str(duplicate.content) == "duplicate of db (admin@db.example.com:22)"
        summary = str(app.screen.query_one("#import-summary", Static).content)
        assert summary == "1 of 3 chosen"


async def test_a_risky_host_needs_a_second_confirmation(hermetic_home: Path) -> None:
    write_config(hermetic_home)
    app = ImportApp()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        rows = candidate_rows(app)
        await pilot.click(rows["legacy"].query_one(Checkbox))
        await pilot.pause()
        assert rows["legacy"].ticked
        await pilot.click("#import-go")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        message = str(confirm.query_one(".confirm-message", Static).content)
        assert "legacy (ops@legacy.example.com:22):" in message
        assert "imported: ProxyCommand runs this command on this computer" in message
        assert "`nc -X connect -x proxy.example.com:8080 %h %p`" in message
        assert "Imported commands run on this computer each time you connect" in message
        assert str(confirm.query_one("#confirm-yes").label) == "Import"
        await pilot.press("escape")  # back to the list, nothing imported
        await pilot.pause()
        assert isinstance(app.screen, SshConfigImportScreen)
        assert app.results == []
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await pilot.pause()
    [outcome] = app.results
    assert [p.name for p in outcome.imported] == ["web", "legacy"]
    legacy = outcome.imported[1]
    assert legacy.host == "legacy.example.com"
    assert legacy.proxy_command == "nc -X connect -x proxy.example.com:8080 %h %p"
    assert "Confirmed at import: ProxyCommand runs this command" in legacy.notes


async def test_escape_imports_nothing(hermetic_home: Path) -> None:
    write_config(hermetic_home)
    app = ImportApp()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_another_file_can_be_named_and_a_missing_one_is_reported(hermetic_home: Path) -> None:
    other = write_config(hermetic_home, "Host only-one\n    HostName one.example.com\n", name="work_config")
    app = ImportApp(hermetic_home / "nowhere")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        notes = app.screen.query_one("#import-notes", Static)
        assert str(notes.content) == f"{hermetic_home}/nowhere does not exist"
        assert candidate_rows(app) == {}
        assert app.screen.query_one("#import-go").disabled
        box = app.screen.query_one("#import-path", Input)
        box.value = str(other)
        box.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert list(candidate_rows(app)) == ["only-one"]
        assert not notes.display


class SidebarApp(App):
    CSS_PATH = [STYLES / "app.tcss", STYLES / "hosts.tcss"]

    def __init__(self, store: ProfileStore) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield HostSidebar(self.store)

    def on_mount(self) -> None:
        self.query_one(HostList).focus()


async def test_the_sidebar_saves_what_was_imported(hermetic_home: Path) -> None:
    write_config(hermetic_home)
    store = ProfileStore.load()
    store.add(EXISTING[0].duplicate("db"))
    store.save()
    app = SidebarApp(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, SshConfigImportScreen)
        app.screen.query_one("#import-group", Input).value = "from ssh config"
        await pilot.press("ctrl+s")  # only "web" is ticked: no risky host, no second question
        await pilot.pause()
        assert not isinstance(app.screen, (SshConfigImportScreen, ConfirmScreen))
    saved = ProfileStore.load()
    assert sorted(p.name for p in saved.profiles) == ["db", "web"]
    web = saved.find_by_name("web")
    assert (web.user, web.host, web.port, web.group) == ("deploy", "web.example.com", 2222, "from ssh config")
    assert web.keepalive_interval == 30


async def test_forward_agent_is_shown_as_carried_over(hermetic_home: Path) -> None:
    write_config(hermetic_home, "Host dev\n    HostName dev.example.com\n    ForwardAgent yes\n")
    app = ImportApp()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        row = candidate_rows(app)["dev"]
        assert row.ticked  # agent forwarding is a setting, not a risk: the editor warns about it
        assert "agent forwarding" in str(row.query_one(".import-mapped", Static).content)
        await pilot.press("ctrl+s")
        await pilot.pause()
    [outcome] = app.results
    assert outcome.imported[0].agent_forwarding is True
