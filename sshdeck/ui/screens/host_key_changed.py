"""The hard stop for a changed, pin-mismatched or revoked host key, and its only way out.

There is deliberately no way to connect from here.  A changed key stored in
sshdeck's own known_hosts can be forgotten through a separate screen on
which the user types the host name; the next connection then asks about the
new key like any unknown key.  Lines in files sshdeck never writes are only
listed, for the user to edit by hand.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from sshdeck.core.trust import (
    ForgetResult,
    HostKeyCheck,
    HostKeyStatus,
    KnownHostsRef,
    TrustStore,
    changed_key_warning,
    revoked_key_warning,
)


def display_ref(ref: KnownHostsRef | Path | str) -> str:
    """`file:line` (or a path) with the home folder written as `~`, as users know their files."""
    text = str(ref)
    home = str(Path.home())
    if home not in ("", "/") and (text == home or text.startswith(home + "/")):
        return "~" + text[len(home):]
    return text


def may_forget(check: HostKeyCheck) -> bool:
    """Whether forgetting known_hosts lines can resolve this refusal (not for revoked keys or pins)."""
    return check.status == HostKeyStatus.CHANGED and not check.pinned


class HostKeyChangedScreen(ModalScreen[None]):
    """OpenSSH's "REMOTE HOST IDENTIFICATION HAS CHANGED" (or REVOKED) warning, with only Close."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="host_key_changed_close", tooltip="Close; nothing is connected"),
        Binding("f", "forget", "Forget host key…", id="host_key_forget", tooltip="Remove this host's saved key"),
    ]

    def __init__(self, check: HostKeyCheck, trust: TrustStore) -> None:
        super().__init__()
        self.check = check
        self.trust = trust

    def compose(self) -> ComposeResult:
        check = self.check
        revoked = check.status == HostKeyStatus.REVOKED
        if revoked:
            warning = revoked_key_warning(check)
        else:
            warning = changed_key_warning(check, own_file=str(self.trust.own_file))
        with VerticalScroll(classes="dialog trust-dialog hard-stop", id="host-key-changed-dialog") as dialog:
            dialog.border_title = "Host key revoked" if revoked else "Host key changed"
            yield Label(Content(f"sshdeck refused to connect to {check.name}."), classes="dialog-title")
            yield Static(Content(warning), id="host-key-warning", classes="openssh-warning")
            facts = [Content.assemble(("New fingerprint  ", "dim"), (check.fingerprint or "(not known)", "bold"))]
            if check.known_at is not None:
                label = "Revoked at       " if revoked else "Offending line   "
                facts.append(Content.assemble((label, "dim"), display_ref(check.known_at)))
            elif check.pinned:
                facts.append(Content.assemble(("Pinned in        ", "dim"), "this host's profile"))
            yield Static(Content("\n").join(facts), id="host-key-changed-facts")
            with Horizontal(classes="dialog-buttons", id="host-key-changed-buttons"):
                if may_forget(check):
                    yield Button("Forget this host's key…", id="forget", variant="error")
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "forget":
            return bool(self.query("#forget"))
        return True

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#forget")
    def action_forget(self) -> None:
        if self.query("#forget"):
            self.app.push_screen(ForgetHostKeyScreen(self.check.host, self.check.port, self.trust), self._forgotten)

    def _forgotten(self, result: ForgetResult | None) -> None:
        if result is None:
            return
        if result.removed:
            text = "The old key was forgotten. Connect again to review the new key before trusting it."
        else:
            text = "sshdeck's own known_hosts held no key for this host."
        if result.elsewhere:
            text += "\nStill to edit by hand: " + ", ".join(display_ref(ref) for ref in result.elsewhere)
        shown = self.query("#forget-outcome")
        if shown:
            shown.first(Static).update(Content(text))
        else:
            self.query_one("#host-key-changed-dialog").mount(
                Static(Content(text), id="forget-outcome"), before="#host-key-changed-buttons"
            )
        if result.removed and not result.elsewhere:
            self.query_one("#forget", Button).remove()
            self.query_one("#close", Button).focus()
            self.refresh_bindings()


class ForgetHostKeyScreen(ModalScreen["ForgetResult | None"]):
    """Removes a host's key lines from sshdeck's own known_hosts once the host name is typed exactly.

    Dismisses with the ForgetResult when something was attempted, None when cancelled.
    """

    BINDINGS = [Binding("escape", "close", "Cancel", id="forget_host_key_cancel", tooltip="Keep the saved key")]

    def __init__(self, host: str, port: int, trust: TrustStore) -> None:
        super().__init__()
        self.host = host
        self.port = port
        self.trust = trust
        self.result: ForgetResult | None = None

    def compose(self) -> ComposeResult:
        where = self.host if self.port == 22 else f"{self.host} port {self.port}"
        with Vertical(classes="dialog trust-dialog", id="forget-dialog") as dialog:
            dialog.border_title = "Forget host key"
            yield Label(Content(f"Forget the saved key for {where}?"), classes="dialog-title")
            yield Static(
                Content(
                    f"This removes the key lines for this host from sshdeck's own known_hosts "
                    f"({display_ref(self.trust.own_file)}). The next connection will ask about the "
                    "server's key as for an unknown host: compare its fingerprint with one from the "
                    "host's administrator before trusting it. Revoked keys and CA lines are kept."
                ),
                id="forget-explanation",
            )
            yield Label(Content.assemble("Type the host name to confirm: ", (self.host, "bold")), classes="fact-label")
            yield Input(placeholder=self.host, id="forget-confirm")
            yield Static(id="forget-result")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Forget", id="forget-confirmed", variant="error", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#forget-confirm", Input).focus()

    def _confirmed(self) -> bool:
        return self.query_one("#forget-confirm", Input).value == self.host

    @on(Input.Changed, "#forget-confirm")
    def _typed(self) -> None:
        self.query_one("#forget-confirmed", Button).disabled = self.result is not None or not self._confirmed()

    @on(Input.Submitted, "#forget-confirm")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.result is None and self._confirmed():
            self._forget()

    @on(Button.Pressed, "#forget-confirmed")
    def _forget(self) -> None:
        if self.result is not None or not self._confirmed():
            return
        shown = self.query_one("#forget-result", Static)
        try:
            self.result = self.trust.forget(self.host, self.port)
        except OSError as exc:
            shown.update(Content(f"Could not rewrite {display_ref(self.trust.own_file)}: {exc.strerror or exc}"))
            shown.add_class("dialog-error")
            return
        shown.update(Content(self.describe(self.result)))
        self.query_one("#forget-confirm", Input).disabled = True
        self.query_one("#forget-confirmed", Button).disabled = True
        close = self.query_one("#cancel", Button)
        close.label = "Close"
        close.focus()

    @staticmethod
    def describe(result: ForgetResult) -> str:
        """What was removed, and which lines in other files the user must edit by hand."""
        if result.removed:
            lines = ["Removed: " + ", ".join(display_ref(ref) for ref in result.removed)]
        else:
            lines = ["Nothing to remove from sshdeck's own known_hosts."]
        if result.elsewhere:
            lines.append("Also listed in files sshdeck never writes; edit these lines by hand:")
            lines.extend(f"  {display_ref(ref)}" for ref in result.elsewhere)
        return "\n".join(lines)

    @on(Button.Pressed, "#cancel")
    def action_close(self) -> None:
        self.dismiss(self.result)
