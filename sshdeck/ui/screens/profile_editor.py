"""The profile editor: a modal form over every HostProfile field, validated as the user types.

Each field has a message line under it.  A brand-new form does not nag about
the fields the user has not reached yet, but Save stays disabled (and the line
beside it says what is missing) until the whole profile is valid.  Escape
returns None and changes nothing; Save / Ctrl+S returns a new HostProfile with
the edited profile's id.  The caller adds it to the store and saves.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.hosts.profiles import (
    AUTH_METHODS,
    COLOUR_NAMES,
    HOST_KEY_POLICIES,
    HostProfile,
    normalize_fingerprint,
)
from sshdeck.ui.widgets.tunnel_editor import TunnelEditor, number_or_text


@dataclass(frozen=True)
class FieldSpec:
    """How one HostProfile field is edited: its label, the kind of widget and a hint."""

    name: str
    label: str
    kind: str = "text"  # text, number, methods, lines, notes, check, policy, colour, tunnels
    placeholder: str = ""


SECTIONS: tuple[tuple[str, tuple[FieldSpec, ...]], ...] = (
    ("Connection", (
        FieldSpec("name", "Name", placeholder="how the sidebar shows it (empty: the host)"),
        FieldSpec("group", "Group", placeholder="optional, e.g. clients"),
        FieldSpec("host", "Host", placeholder="host name or address"),
        FieldSpec("port", "Port", "number", "22"),
        FieldSpec("user", "User", placeholder="empty: your local user name"),
        FieldSpec("jump_host", "Jump host", placeholder="a profile name or user@host:port"),
        FieldSpec("proxy_command", "Proxy command", placeholder="runs here to reach the host, e.g. ssh -W %h:%p gw"),
    )),
    ("Authentication", (
        FieldSpec("auth_methods", "Methods, in order", "methods", ", ".join(AUTH_METHODS)),
        FieldSpec("identity_files", "Key files", "lines", "one path per line, e.g. ~/.ssh/id_ed25519"),
        FieldSpec("certificate_file", "Certificate file", placeholder="optional, e.g. ~/.ssh/id_ed25519-cert.pub"),
        FieldSpec("agent_forwarding", "Agent forwarding", "check", "forward my ssh-agent to this host"),
    )),
    ("Host key", (
        FieldSpec("host_key_policy", "Policy", "policy"),
        FieldSpec("pinned_fingerprints", "Pinned fingerprints", "lines", "SHA256:… one per line"),
    )),
    ("Session", (
        FieldSpec("remote_folder", "Remote folder", placeholder="start folder on the server"),
        FieldSpec("local_folder", "Local folder", placeholder="start folder on this computer"),
        FieldSpec("remote_command", "Remote command", placeholder="run instead of a shell (gateways)"),
        FieldSpec("force_pty", "Force PTY", "check", "ask the server for a terminal even for a command"),
        FieldSpec("allow_osc52", "Clipboard (OSC 52)", "check", "let programs in this host's shells set the clipboard"),
        FieldSpec("keepalive_interval", "Keepalive (s)", "number", "0 = off"),
        FieldSpec("excludes", "Sync excludes", "lines", "one glob per line, e.g. *.log or cache/"),
    )),
    ("Tunnels", (FieldSpec("tunnels", "Local forwards", "tunnels"),)),
    ("Other", (
        FieldSpec("colour", "Colour", "colour"),
        FieldSpec("notes", "Notes", "notes"),
    )),
)
FIELDS = {spec.name: spec for _, specs in SECTIONS for spec in specs}

POLICY_LABELS = {
    "ask": "ask about unknown keys",
    "accept-new": "accept new keys, refuse changed ones",
    "strict": "only keys already known or pinned",
}


def _split_methods(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class ProfileEditor(ModalScreen[HostProfile | None]):
    """Edit a copy of `profile` (a new one when None); dismisses with the result or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel_profile_edit"),
        Binding("ctrl+s", "save", "Save", id="save_profile"),
    ]

    def __init__(
        self,
        profile: HostProfile | None = None,
        *,
        store: ProfileStore | None = None,
        title: str | None = None,
        is_new: bool | None = None,
    ) -> None:
        super().__init__(classes="profile-editor-screen")
        self.original = profile if profile is not None else HostProfile()
        self.store = store
        self.is_new = is_new if is_new is not None else (store is None or store.get(self.original.id) is None)
        self.title_text = title or ("New host" if self.is_new else f"Edit {self.original.name}")
        # A new, empty form shows a field's problem only once that field was changed.
        self._dirty: set[str] = set() if self.is_new and profile is None else set(FIELDS)
        self.problems: dict[str, str] = {}

    # -- building the form ------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog profile-editor"):
            yield Label(Content(self.title_text), classes="dialog-title")
            with VerticalScroll(id="profile-form"):
                for heading, specs in SECTIONS:
                    yield Static(Content(heading), classes="form-section")
                    for spec in specs:
                        with Horizontal(classes="form-row", id=f"row-{spec.name}"):
                            yield Label(Content(spec.label), classes="form-label")
                            with Vertical(classes="form-field"):
                                yield self._field_widget(spec)
                                yield Static(classes="field-error", id=f"error-{spec.name}")
                                if spec.name == "agent_forwarding":
                                    yield Static(classes="field-warning", id="warning-agent_forwarding")
            with Horizontal(classes="dialog-buttons"):
                yield Static(classes="form-summary", id="form-summary")
                yield Button("Save", variant="primary", id="profile-save", disabled=True)
                yield Button("Cancel", id="profile-cancel")

    def _field_widget(self, spec: FieldSpec) -> Widget:
        value = getattr(self.original, spec.name)
        wid = f"field-{spec.name}"
        if spec.kind in ("text", "number"):
            text = "" if spec.name == "keepalive_interval" and value == 0 else str(value)
            return Input(text, placeholder=spec.placeholder, compact=True, id=wid)
        if spec.kind == "methods":
            return Input(", ".join(value), placeholder=spec.placeholder, compact=True, id=wid)
        if spec.kind == "lines":
            area = TextArea("\n".join(value), compact=True, id=wid, classes="form-lines")
            area.placeholder = spec.placeholder
            return area
        if spec.kind == "notes":
            return TextArea(value, compact=True, id=wid, classes="form-notes")
        if spec.kind == "check":
            return Checkbox(spec.placeholder, value=bool(value), compact=True, id=wid)
        if spec.kind == "policy":
            options = [(f"{p} — {POLICY_LABELS[p]}", p) for p in HOST_KEY_POLICIES]
            return Select(options, value=value, allow_blank=False, compact=True, id=wid)
        if spec.kind == "colour":
            names = list(COLOUR_NAMES) + ([value] if value and value not in COLOUR_NAMES else [])
            options = [("none", "")] + [(name, name) for name in names]
            return Select(options, value=value, allow_blank=False, compact=True, id=wid)
        if spec.kind == "tunnels":
            return TunnelEditor(value, id=wid)
        raise ValueError(f"unknown field kind {spec.kind!r}")

    def on_mount(self) -> None:
        self.query_one("#field-name", Input).focus()
        self._validate()

    # -- reading the form -------------------------------------------------------

    def _raw(self, name: str) -> object:
        spec = FIELDS[name]
        widget = self.query_one(f"#field-{name}")
        if isinstance(widget, Input):
            if spec.kind == "number":
                return number_or_text(widget.value) if widget.value.strip() or name != "keepalive_interval" else 0
            if spec.kind == "methods":
                return _split_methods(widget.value)
            # Leading or trailing spaces in a name or address are never meant.
            keep = ("remote_command", "remote_folder", "local_folder", "proxy_command")
            return widget.value if name in keep else widget.value.strip()
        if isinstance(widget, TextArea):
            if name == "pinned_fingerprints":
                return [normalize_fingerprint(line) for line in _lines(widget.text)]
            return _lines(widget.text) if spec.kind == "lines" else widget.text
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, Select):
            return widget.value
        if isinstance(widget, TunnelEditor):
            return widget.values()
        raise TypeError(name)

    def current_profile(self) -> HostProfile:
        """The profile as the form shows it now (numbers the user mistyped stay text)."""
        values = {name: self._raw(name) for name in FIELDS}
        if values["name"] == "" and isinstance(values["host"], str):
            values["name"] = values["host"]  # as the README says: the name defaults to the host
        return HostProfile(**values, id=self.original.id)  # type: ignore[arg-type]

    # -- validation -------------------------------------------------------------

    def _validate(self) -> None:
        profile = self.current_profile()
        self.problems = self.store.validate(profile) if self.store is not None else profile.problems(check_files=True)
        for name in FIELDS:
            message = self.problems.get(name, "") if name in self._dirty else ""
            if name == "tunnels":
                self.query_one(TunnelEditor).show_problems(self.problems)
            error = self.query_one(f"#error-{name}", Static)
            error.update(Content(message))
            error.display = bool(message)
            self.query_one(f"#row-{name}").set_class(bool(message), "-invalid")
        self._warn_agent_forwarding(profile)
        self.query_one("#profile-save", Button).disabled = bool(self.problems)
        summary = ""
        if self.problems:
            count = len(self.problems)
            summary = f"{count} to fix: {next(iter(self.problems.values()))}"
        self.query_one("#form-summary", Static).update(Content(summary))

    def _warn_agent_forwarding(self, profile: HostProfile) -> None:
        warning = self.query_one("#warning-agent_forwarding", Static)
        host = profile.host.strip() if isinstance(profile.host, str) and profile.host.strip() else "this host"
        text = f"anyone with root on {host} can use your agent while you are connected" if profile.agent_forwarding else ""
        warning.update(Content(text))
        warning.display = bool(text)

    def _changed(self, widget: Widget) -> None:
        if not self.is_mounted:
            return
        field_name = self._field_of(widget)
        if field_name is not None:
            self._dirty.add(field_name)
        self._validate()

    @staticmethod
    def _field_of(widget: Widget) -> str | None:
        for node in [widget, *widget.ancestors]:
            node_id = getattr(node, "id", None) or ""
            if node_id.startswith("field-"):
                return node_id.removeprefix("field-")
        return None

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _on_field_changed(self, event: Input.Changed | TextArea.Changed | Checkbox.Changed | Select.Changed) -> None:
        event.stop()
        self._changed(event.control)

    @on(TunnelEditor.Changed)
    def _on_tunnels_changed(self, event: TunnelEditor.Changed) -> None:
        event.stop()
        self._dirty.add("tunnels")
        self._validate()

    @on(Input.Submitted)
    def _on_submitted(self, event: Input.Submitted) -> None:
        # Enter saves a valid form (as in every site manager); with something
        # still wrong it moves on like Tab and the message stays beside the field.
        event.stop()
        self._validate()
        if self.problems:
            self.focus_next()
        else:
            self.action_save()

    # -- leaving -----------------------------------------------------------------

    @on(Button.Pressed, "#profile-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#profile-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_save(self) -> None:
        self._dirty.update(FIELDS)
        self._validate()
        if self.problems:
            first = next(iter(self.problems))
            self.notify(f"Not saved: {self.problems[first]}", severity="warning", markup=False)
            target = self.query_one(f"#field-{first.split('[')[0]}")
            inputs = [target] if target.focusable else list(target.query(Input))
            if inputs:
                inputs[0].focus()
            return
        self.dismiss(self.current_profile())

    def action_cancel(self) -> None:
        self.dismiss(None)
