"""The trust screens: unknown-key prompt, changed-key hard stop, forgetting a key; Pilot, snapshots, real servers.

The apps here (`ScreenApp`, `ConnectApp`) are shared with test_auth_prompts.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import asyncssh
from textual import events, work
from textual.app import App
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from sshdeck.core.ssh.connect_errors import ConnectError, HostKeyRefused
from sshdeck.core.ssh.session import ConnectSpec, Session
from sshdeck.core.trust import (
    HostKeyCheck,
    HostKeyDecision,
    HostKeyStatus,
    KnownHostsRef,
    TrustStore,
    fingerprint,
    key_type_label,
)
from sshdeck.ui.connect_callbacks import show_refusal, ui_connect_callbacks
from sshdeck.ui.screens.host_key_changed import ForgetHostKeyScreen, HostKeyChangedScreen
from sshdeck.ui.screens.host_key_prompt import HostKeyPrompt
from sshdeck.ui.themes import load_themes
from tests.core.conftest import PASSWORD, make_asyncssh_server  # noqa: F401  (a fixture)

STYLES = Path(__file__).resolve().parents[2] / "sshdeck" / "ui" / "styles"
CSS = [STYLES / "app.tcss", STYLES / "trust.tcss"]

# Fixed keys, so fingerprints and randomart never change between runs.
FIXED_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICy8WtnutcSH70YiC61L/EKSyLLGZ6ubBiiaiC73bvv/ fixed"
OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEg+AXmdJu87rmJyrJc5i+P0Bom8Fhx15mM4lDGj5j/J other"


def fixed_check(status: HostKeyStatus = HostKeyStatus.UNKNOWN, key_text: str = FIXED_KEY, **extra: Any) -> HostKeyCheck:
    """A verdict on the fixed key offered by build.example.com port 2222."""
    key = asyncssh.import_public_key(key_text)
    return HostKeyCheck(
        status, "build.example.com", 2222, "192.0.2.10", key, key_type_label(key), fingerprint(key), **extra
    )


class _ThemedApp(App[None]):
    CSS_PATH = CSS  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        for theme in load_themes().themes:
            self.register_theme(theme)
        self.theme = "sshdeck-dark"


class ScreenApp(_ThemedApp):
    """Shows one screen on start and records what it dismissed with."""

    def __init__(self, make_screen: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.make_screen(), self.results.append)


class ConnectApp(_ThemedApp):
    """Connects a real Session through the UI callbacks in a worker, then runs one command."""

    def __init__(self, spec: ConnectSpec, trust: TrustStore) -> None:
        super().__init__()
        self.spec = spec
        self.trust = trust
        self.outcome: str | ConnectError | None = None

    def on_mount(self) -> None:
        self.connect()

    @work(exclusive=True)
    async def connect(self) -> None:
        session = Session(self.spec, ui_connect_callbacks(self), trust=self.trust)
        try:
            await session.connect()
            self.outcome = (await session.run("hello")).stdout
        except HostKeyRefused as exc:
            self.outcome = exc
            show_refusal(self, exc.check, self.trust)
        except ConnectError as exc:
            self.outcome = exc
        finally:
            await session.close()


def text_of(screen: Screen[Any], selector: str) -> str:
    """The plain text a Static shows."""
    return str(screen.query_one(selector, Static).content)


async def wait_for_screen(pilot: Any, kind: type, seconds: float = 15) -> Any:
    """Wait until a screen of `kind` is on top (a real server answers in its own time)."""
    for _ in range(int(seconds / 0.05)):
        if isinstance(pilot.app.screen, kind):
            await pilot.pause()
            return pilot.app.screen
        await pilot.pause(0.05)
    raise AssertionError(f"{kind.__name__} did not appear (top screen: {pilot.app.screen!r})")


async def wait_for_outcome(pilot: Any, seconds: float = 15) -> Any:
    for _ in range(int(seconds / 0.05)):
        if pilot.app.outcome is not None:
            return pilot.app.outcome
        await pilot.pause(0.05)
    raise AssertionError("the connection never finished")


def paste(screen: Screen[Any], selector: str, text: str) -> None:
    screen.query_one(selector, Input).post_message(events.Paste(text))


def accept_buttons_disabled(screen: Screen[Any]) -> tuple[bool, bool]:
    return screen.query_one("#connect-once", Button).disabled, screen.query_one("#trust-and-save", Button).disabled


# -- the unknown-key prompt ------------------------------------------------------------------


async def test_unknown_key_prompt_shows_fingerprint_and_randomart_and_enter_rejects() -> None:
    check = fixed_check()
    app = ScreenApp(lambda: HostKeyPrompt(check))
    async with app.run_test(size=(90, 40)) as pilot:
        screen = await wait_for_screen(pilot, HostKeyPrompt)
        assert "The authenticity of host '[build.example.com]:2222 (192.0.2.10)' can't be established." in str(
            screen.query_one("#host-key-intro").content
        )
        facts = text_of(screen, "#host-key-table")
        assert "build.example.com" in facts and "192.0.2.10" in facts and "2222" in facts and "ED25519" in facts
        assert text_of(screen, "#host-key-fingerprint") == check.fingerprint
        assert check.fingerprint.startswith("SHA256:")
        assert text_of(screen, "#host-key-randomart") == check.randomart
        assert not screen.query("#other-types-known") and not screen.query("#untrusted-ca")
        assert app.focused is screen.query_one("#reject", Button)
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [HostKeyDecision.REJECT]


async def test_escape_rejects_the_unknown_key() -> None:
    app = ScreenApp(lambda: HostKeyPrompt(fixed_check()))
    async with app.run_test(size=(90, 40)) as pilot:
        await wait_for_screen(pilot, HostKeyPrompt)
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [HostKeyDecision.REJECT]


async def test_pasting_the_matching_fingerprint_lets_trust_and_save_through() -> None:
    check = fixed_check()
    app = ScreenApp(lambda: HostKeyPrompt(check))
    async with app.run_test(size=(90, 40)) as pilot:
        screen = await wait_for_screen(pilot, HostKeyPrompt)
        # As providers often publish it: without the SHA256: prefix, with base64 padding.
        paste(screen, "#expected-fingerprint", check.fingerprint.removeprefix("SHA256:") + "=")
        await pilot.pause()
        assert "matches" in text_of(screen, "#fingerprint-verdict")
        assert "NOT" not in text_of(screen, "#fingerprint-verdict")
        assert accept_buttons_disabled(screen) == (False, False)
        await pilot.click("#trust-and-save")
        await pilot.pause()
    assert app.results == [HostKeyDecision.TRUST_AND_SAVE]


async def test_a_mismatching_fingerprint_disables_both_ways_in() -> None:
    check = fixed_check()
    other = fixed_check(key_text=OTHER_KEY)
    app = ScreenApp(lambda: HostKeyPrompt(check))
    async with app.run_test(size=(90, 40)) as pilot:
        screen = await wait_for_screen(pilot, HostKeyPrompt)
        paste(screen, "#expected-fingerprint", other.fingerprint)
        await pilot.pause()
        assert "DOES NOT match" in text_of(screen, "#fingerprint-verdict")
        assert screen.query_one("#fingerprint-verdict").has_class("-mismatch")
        assert accept_buttons_disabled(screen) == (True, True)
        # Enter in the paste field goes to Reject, never to a way in.
        screen.query_one("#expected-fingerprint", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is screen.query_one("#reject", Button)
        await pilot.click("#trust-and-save")
        await pilot.click("#connect-once")
        await pilot.pause()
        assert app.results == []
        # One character off is still a mismatch: the comparison is exact.
        screen.query_one("#expected-fingerprint", Input).value = check.fingerprint[:-1] + "x"
        await pilot.pause()
        assert accept_buttons_disabled(screen) == (True, True)
        screen.query_one("#expected-fingerprint", Input).value = check.fingerprint
        await pilot.pause()
        assert accept_buttons_disabled(screen) == (False, False)
        await pilot.click("#connect-once")
        await pilot.pause()
    assert app.results == [HostKeyDecision.ONCE]


async def test_prompt_says_other_key_types_are_known_and_names_an_untrusted_ca() -> None:
    ca = fixed_check(key_text=OTHER_KEY)
    check = fixed_check(HostKeyStatus.CERT_UNTRUSTED_CA, other_types_known=("RSA",),
                        ca_key_type=ca.key_type, ca_fingerprint=ca.fingerprint)
    app = ScreenApp(lambda: HostKeyPrompt(check))
    async with app.run_test(size=(90, 50)) as pilot:
        screen = await wait_for_screen(pilot, HostKeyPrompt)
        assert text_of(screen, "#other-types-known") == "Keys of another type are already known for this host: RSA."
        assert ca.fingerprint in text_of(screen, "#untrusted-ca")


async def test_copy_fingerprint_falls_back_to_the_terminal_clipboard(monkeypatch) -> None:
    import pyperclip

    def no_clipboard(text: str) -> None:
        raise pyperclip.PyperclipException("no clipboard tool")

    monkeypatch.setattr(pyperclip, "copy", no_clipboard)
    check = fixed_check()
    app = ScreenApp(lambda: HostKeyPrompt(check))
    async with app.run_test(size=(90, 40)) as pilot:
        await wait_for_screen(pilot, HostKeyPrompt)
        await pilot.click("#copy-fingerprint")
        await pilot.pause()
        assert app.clipboard == check.fingerprint
        app.copy_to_clipboard("")
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.clipboard == check.fingerprint
        assert app.results == []


# -- the changed-key hard stop and forgetting ----------------------------------------------------


def home_trust_store(home: Path) -> TrustStore:
    """sshdeck's own file and a ~/.ssh/known_hosts, both in the temporary HOME."""
    (home / ".ssh").mkdir(exist_ok=True)
    return TrustStore(own_file=home / ".config" / "sshdeck" / "known_hosts", read_files=[home / ".ssh" / "known_hosts"])


async def test_changed_key_screen_has_no_continue_button(hermetic_home: Path) -> None:
    trust = home_trust_store(hermetic_home)
    check = fixed_check(HostKeyStatus.CHANGED, known_at=KnownHostsRef(trust.own_file, 3))
    app = ScreenApp(lambda: HostKeyChangedScreen(check, trust))
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await wait_for_screen(pilot, HostKeyChangedScreen)
        warning = text_of(screen, "#host-key-warning")
        assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in warning and check.fingerprint in warning
        facts = text_of(screen, "#host-key-changed-facts")
        assert check.fingerprint in facts and "~/.config/sshdeck/known_hosts:3" in facts
        assert [str(b.label) for b in screen.query(Button)] == ["Forget this host's key…", "Close"]
        assert app.focused is screen.query_one("#close", Button)
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [None]


async def test_revoked_and_pin_mismatched_keys_offer_only_close(hermetic_home: Path) -> None:
    trust = home_trust_store(hermetic_home)
    for check in (
        fixed_check(HostKeyStatus.REVOKED, known_at=KnownHostsRef(trust.read_files[0], 1)),
        fixed_check(HostKeyStatus.CHANGED, pinned=True),
    ):
        app = ScreenApp(lambda: HostKeyChangedScreen(check, trust))
        async with app.run_test(size=(100, 40)) as pilot:
            screen = await wait_for_screen(pilot, HostKeyChangedScreen)
            assert [str(b.label) for b in screen.query(Button)] == ["Close"]
            await pilot.press("f")  # the forget key does nothing here
            await pilot.pause()
            assert pilot.app.screen is screen
            revoked = check.status == HostKeyStatus.REVOKED
            assert ("REVOKED HOST KEY" in text_of(screen, "#host-key-warning")) == revoked


async def test_forgetting_needs_the_exact_host_name(hermetic_home: Path) -> None:
    trust = home_trust_store(hermetic_home)
    old_key = OTHER_KEY.rsplit(" ", 1)[0]
    trust.own_file.parent.mkdir(parents=True, exist_ok=True)
    trust.own_file.write_text(f"other.example.com {old_key}\n[build.example.com]:2222 {old_key}\n")
    trust.read_files[0].write_text(f"[build.example.com]:2222 {old_key}\n")
    check = fixed_check(HostKeyStatus.CHANGED, known_at=KnownHostsRef(trust.own_file, 2))
    app = ScreenApp(lambda: HostKeyChangedScreen(check, trust))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_screen(pilot, HostKeyChangedScreen)
        await pilot.click("#forget")
        forget = await wait_for_screen(pilot, ForgetHostKeyScreen)
        button = forget.query_one("#forget-confirmed", Button)
        assert button.disabled
        for wrong in ("build.example.co", "BUILD.example.com", "[build.example.com]:2222", "build.example.com "):
            forget.query_one("#forget-confirm", Input).value = wrong
            await pilot.pause()
            assert button.disabled, wrong
            await pilot.press("enter")
            await pilot.pause()
        assert "build.example.com" in trust.own_file.read_text()
        forget.query_one("#forget-confirm", Input).value = ""
        await pilot.press(*"build.example.com")
        await pilot.pause()
        assert not button.disabled
        await pilot.click("#forget-confirmed")
        await pilot.pause()
        assert trust.own_file.read_text() == f"other.example.com {old_key}\n"
        result = text_of(forget, "#forget-result")
        assert "Removed: ~/.config/sshdeck/known_hosts:2" in result
        assert "edit these lines by hand" in result and "~/.ssh/known_hosts:1" in result
        await pilot.press("escape")
        changed = await wait_for_screen(pilot, HostKeyChangedScreen)
        assert "~/.ssh/known_hosts:1" in text_of(changed, "#forget-outcome")
    assert trust.read_files[0].read_text() == f"[build.example.com]:2222 {old_key}\n"  # never written


# -- end to end with a real server ------------------------------------------------------------------


def server_spec(server: Any) -> ConnectSpec:
    return ConnectSpec(host=server.host, port=server.port, user=server.username, ssh_config=None, use_agent=False)


def own_file_trust(tmp_path: Path) -> TrustStore:
    return TrustStore(own_file=tmp_path / "known_hosts", read_files=[])


async def test_trust_and_save_writes_the_line_and_connects(make_asyncssh_server, tmp_path: Path) -> None:
    server = await make_asyncssh_server(password=PASSWORD)
    trust = own_file_trust(tmp_path)
    app = ConnectApp(server_spec(server), trust)
    async with app.run_test(size=(100, 40)) as pilot:
        prompt = await wait_for_screen(pilot, HostKeyPrompt)
        assert text_of(prompt, "#host-key-fingerprint") == server.fingerprint()
        assert "+----[SHA256]-----+" in text_of(prompt, "#host-key-randomart")
        assert server.log.auth_attempts == []  # nothing offered before the decision
        await pilot.click("#trust-and-save")
        from sshdeck.ui.screens.auth_prompts import PasswordPrompt

        await wait_for_screen(pilot, PasswordPrompt)
        await pilot.press(*PASSWORD, "enter")
        assert await wait_for_outcome(pilot) == "ran hello\n"
    assert trust.own_file.read_text() == server.known_hosts_line()


async def test_changed_key_stops_at_the_hard_stop_screen(make_asyncssh_server, tmp_path: Path) -> None:
    server = await make_asyncssh_server(password=PASSWORD)
    trust = own_file_trust(tmp_path)
    trust.own_file.write_text(f"[{server.host}]:{server.port} {OTHER_KEY.rsplit(' ', 1)[0]}\n")
    app = ConnectApp(server_spec(server), trust)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await wait_for_screen(pilot, HostKeyChangedScreen)
        outcome = await wait_for_outcome(pilot)
        assert isinstance(outcome, HostKeyRefused) and outcome.check.status == HostKeyStatus.CHANGED
        warning = text_of(screen, "#host-key-warning")
        assert server.fingerprint() in warning and f"{trust.own_file}:1" in warning
        assert server.log.auth_attempts == []
        # Recovery: forget the old line; the next connection asks about the new key.
        await pilot.click("#forget")
        await wait_for_screen(pilot, ForgetHostKeyScreen)
        await pilot.press(*server.host, "enter")
        await pilot.pause()
    assert trust.own_file.read_text() == ""


def test_show_refusal_leaves_unknown_keys_to_the_callers_message() -> None:
    app = ScreenApp(lambda: HostKeyPrompt(fixed_check()))
    assert show_refusal(app, fixed_check(), TrustStore(own_file=Path("/nonexistent"), read_files=[])) is False


# -- snapshots -------------------------------------------------------------------------------------

SNAPSHOT_OWN_FILE = Path("/home/user/.config/sshdeck/known_hosts")


def test_snapshot_unknown_key_prompt(snap_compare) -> None:
    check = fixed_check(other_types_known=("RSA",))
    assert snap_compare(ScreenApp(lambda: HostKeyPrompt(check)), terminal_size=(90, 36))


def test_snapshot_changed_key_screen(snap_compare) -> None:
    trust = TrustStore(own_file=SNAPSHOT_OWN_FILE, read_files=[])
    check = fixed_check(HostKeyStatus.CHANGED, known_at=KnownHostsRef(SNAPSHOT_OWN_FILE, 3))
    assert snap_compare(ScreenApp(lambda: HostKeyChangedScreen(check, trust)), terminal_size=(100, 36))


def test_snapshot_forget_host_key_screen(snap_compare) -> None:
    trust = TrustStore(own_file=SNAPSHOT_OWN_FILE, read_files=[])
    app = ScreenApp(lambda: ForgetHostKeyScreen("build.example.com", 2222, trust))
    assert snap_compare(app, terminal_size=(90, 30), press=list("build.example.com"))
