"""The unknown-host-key prompt: OpenSSH's "authenticity can't be established", as a modal.

Shown for an UNKNOWN key and for a host certificate from an untrusted CA.
Reject is the default; the user may paste the fingerprint their provider
publishes, and a paste that does not match exactly disables both ways in.
"""

from __future__ import annotations

import pyperclip
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from sshdeck.core.trust import HostKeyCheck, HostKeyDecision, HostKeyStatus

ACCEPT_BUTTONS = ("#connect-once", "#trust-and-save")


def host_key_facts(check: HostKeyCheck) -> Content:
    """Host, address, port and key type as aligned `label value` lines (values are plain text)."""
    rows = [
        ("Host", check.host),
        ("Address", check.address or "(not known)"),
        ("Port", str(check.port)),
        ("Key type", check.key_type),
    ]
    lines = [Content.assemble((f"{label:<10}", "dim"), value) for label, value in rows]
    return Content("\n").join(lines)


class HostKeyPrompt(ModalScreen[HostKeyDecision]):
    """Asks whether to trust a key no known_hosts file vouches for; dismisses with the decision."""

    BINDINGS = [
        Binding("escape", "reject", "Reject", id="host_key_reject", tooltip="Refuse this host key and do not connect"),
        Binding(
            "ctrl+y", "copy_fingerprint", "Copy fingerprint", id="host_key_copy_fingerprint",
            tooltip="Copy the SHA256 fingerprint to compare it elsewhere",
        ),
    ]
    # Connect once / Trust and save are buttons only: no single key should let a key in.

    def __init__(self, check: HostKeyCheck) -> None:
        super().__init__()
        self.check = check

    # -- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        check = self.check
        untrusted_ca = check.status == HostKeyStatus.CERT_UNTRUSTED_CA
        with VerticalScroll(classes="dialog trust-dialog", id="host-key-dialog") as dialog:
            dialog.border_title = "Unknown host key" if not untrusted_ca else "Host certificate from an unknown CA"
            where = check.name if not check.address or check.address == check.host else f"{check.name} ({check.address})"
            yield Label(
                Content(f"The authenticity of host '{where}' can't be established."),
                classes="dialog-title",
                id="host-key-intro",
            )
            with Horizontal(id="host-key-body"):
                with Vertical(id="host-key-facts"):
                    yield Static(host_key_facts(check), id="host-key-table")
                    yield Static(Content.styled("Fingerprint (SHA256)", "dim"), classes="fact-label")
                    yield Static(Content(check.fingerprint), classes="fingerprint", id="host-key-fingerprint")
                    if check.other_types_known:
                        yield Static(
                            Content(
                                "Keys of another type are already known for this host: "
                                + ", ".join(check.other_types_known)
                                + "."
                            ),
                            classes="trust-caution",
                            id="other-types-known",
                        )
                    if check.ca_fingerprint:
                        yield Static(
                            Content(
                                f"The server presented a certificate signed by a {check.ca_key_type} CA "
                                f"that is not trusted for this host:\n{check.ca_fingerprint}"
                            ),
                            classes="trust-caution",
                            id="untrusted-ca",
                        )
                art = check.randomart
                if art:
                    yield Static(Content(art), classes="randomart", id="host-key-randomart")
            yield Label(
                Content("Compare with the fingerprint your provider publishes (paste it here):"),
                classes="fact-label",
            )
            yield Input(placeholder="SHA256:…", id="expected-fingerprint")
            yield Static(self._verdict(""), id="fingerprint-verdict")
            with Horizontal(classes="dialog-buttons trust-buttons"):
                yield Button("Copy fingerprint", id="copy-fingerprint", classes="trust-copy")
                yield Button("Reject", id="reject", variant="primary")
                yield Button("Connect once", id="connect-once")
                yield Button("Trust and save", id="trust-and-save", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#reject", Button).focus()  # the safe answer is the default

    # -- comparing a pasted fingerprint ---------------------------------------------------

    def _verdict(self, pasted: str) -> Content:
        if not pasted.strip():
            return Content.styled("Nothing pasted: compare the fingerprint above by eye.", "dim")
        if self.check.matches_fingerprint(pasted):
            return Content("✓ The pasted fingerprint matches the key the server sent.")
        return Content("✗ The pasted fingerprint DOES NOT match the key the server sent. Do not connect.")

    @property
    def pasted_mismatch(self) -> bool:
        """True when something is pasted and it is not exactly this key's fingerprint."""
        pasted = self.query_one("#expected-fingerprint", Input).value
        return bool(pasted.strip()) and not self.check.matches_fingerprint(pasted)

    @on(Input.Changed, "#expected-fingerprint")
    def _compare(self, event: Input.Changed) -> None:
        verdict = self.query_one("#fingerprint-verdict", Static)
        verdict.update(self._verdict(event.value))
        mismatch = self.pasted_mismatch
        verdict.set_class(mismatch, "-mismatch")
        verdict.set_class(bool(event.value.strip()) and not mismatch, "-match")
        for selector in ACCEPT_BUTTONS:
            self.query_one(selector, Button).disabled = mismatch

    @on(Input.Submitted, "#expected-fingerprint")
    def _pasted(self, event: Input.Submitted) -> None:
        # Enter in the paste field must never accept the key: move on to the buttons.
        event.stop()
        target = "#trust-and-save" if not self.pasted_mismatch and event.value.strip() else "#reject"
        self.query_one(target, Button).focus()

    # -- answers ------------------------------------------------------------------------

    @on(Button.Pressed, "#reject")
    def action_reject(self) -> None:
        self.dismiss(HostKeyDecision.REJECT)

    @on(Button.Pressed, "#connect-once")
    def _connect_once(self) -> None:
        if not self.pasted_mismatch:
            self.dismiss(HostKeyDecision.ONCE)

    @on(Button.Pressed, "#trust-and-save")
    def _trust_and_save(self) -> None:
        if not self.pasted_mismatch:
            self.dismiss(HostKeyDecision.TRUST_AND_SAVE)

    @on(Button.Pressed, "#copy-fingerprint")
    def action_copy_fingerprint(self) -> None:
        text = self.check.fingerprint
        try:
            pyperclip.copy(text)
            where = "the clipboard"
        except pyperclip.PyperclipException:
            # No clipboard tool here (e.g. over SSH): ask the terminal (OSC 52).
            self.app.copy_to_clipboard(text)
            where = "the terminal's clipboard"
        self.notify(f"Copied {text} to {where}", timeout=3, markup=False)
