"""The ssh_config import dialog: preview the Host aliases of a config file, pick some, import them.

Candidates come from core's :func:`preview_ssh_config`; wildcard blocks are not
hosts, so they never appear.  Each row shows what would be imported, its risks
(in the warning colour) and whether it duplicates a saved profile.  Risky ones
start unticked and, when ticked, need a second, explicit confirmation that
names each risky setting and says it is not carried over, and shows each
command that is carried over and will run on this computer (ProxyCommand).  The dialog returns
core's :class:`ImportOutcome` (or None); the caller adds the profiles and saves.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from sshdeck.core.hosts.profiles import HostProfile, validate_field
from sshdeck.core.hosts.ssh_config_import import (
    ImportCandidate,
    ImportOutcome,
    default_config_path,
    import_candidates,
    preview_ssh_config,
)
from sshdeck.ui.screens.confirm import ConfirmScreen


def mapped_summary(profile: HostProfile) -> str:
    """The settings carried over besides the address, in a few words."""
    parts: list[str] = []
    if profile.identity_files:
        parts.append("key " + ", ".join(profile.identity_files))
    if profile.certificate_file:
        parts.append(f"certificate {profile.certificate_file}")
    if profile.jump_host:
        parts.append(f"via {profile.jump_host}")
    if profile.remote_command:
        parts.append(f"command {profile.remote_command[:40]}")
    if profile.force_pty:
        parts.append("PTY")
    if profile.agent_forwarding:
        parts.append("agent forwarding")
    if profile.tunnels:
        parts.append(f"{len(profile.tunnels)} tunnel(s)")
    if profile.host_key_policy != "ask":
        parts.append(f"host keys {profile.host_key_policy}")
    if profile.keepalive_interval:
        parts.append(f"keepalive {profile.keepalive_interval}s")
    return " · ".join(parts)


class CandidateRow(Vertical):
    """One Host alias: a tick box, its address, what is mapped, risks and duplicates."""

    def __init__(self, candidate: ImportCandidate) -> None:
        super().__init__(classes="import-candidate")
        self.candidate = candidate
        self.set_class(candidate.risky, "-risky")

    def compose(self) -> ComposeResult:
        c = self.candidate
        ticked = not (c.risky or c.duplicate_of is not None or c.problems)
        label = Content.assemble(Content(c.alias), "  ", Content.styled(c.profile.endpoint, "$text-muted"))
        yield Checkbox(label, value=ticked, compact=True, disabled=bool(c.problems), classes="import-tick")
        if summary := mapped_summary(c.profile):
            yield Static(Content(summary), classes="import-line import-mapped")
        for item in c.confirmations:
            yield Static(Content(f"⚠ {item}"), classes="import-line import-risk import-confirm")
        for risk in c.risks:
            yield Static(Content(f"⚠ {risk}"), classes="import-line import-risk")
        if c.duplicate_of is not None:
            d = c.duplicate_of
            yield Static(Content(f"duplicate of {d.name} ({d.endpoint})"), classes="import-line import-duplicate")
        for field_name, message in c.problems.items():
            yield Static(Content(f"cannot import: {field_name}: {message}"), classes="import-line import-problem")

    @property
    def ticked(self) -> bool:
        return self.query_one(Checkbox).value


class SshConfigImportScreen(ModalScreen[ImportOutcome | None]):
    """Preview and import Host entries; `existing` profiles are what duplicates are checked against."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel_import"),
        Binding("ctrl+s", "import", "Import", id="import_hosts"),
        Binding("down", "app.focus_next", "Next", show=False, id="import_next"),
        Binding("up", "app.focus_previous", "Previous", show=False, id="import_previous"),
    ]

    def __init__(self, existing: list[HostProfile], path: Path | None = None, *, group: str = "") -> None:
        super().__init__(classes="import-screen")
        self.existing = list(existing)
        self.path = Path(path) if path is not None else default_config_path()
        self.group = group
        self.candidates: list[ImportCandidate] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog import-dialog"):
            yield Label(Content("Import hosts from an ssh config"), classes="dialog-title")
            with Horizontal(classes="import-path-row"):
                yield Label("File", classes="form-label")
                yield Input(_tilde(self.path), compact=True, id="import-path")
            with Horizontal(classes="import-path-row"):
                yield Label("Group", classes="form-label")
                yield Input(self.group, placeholder="optional group for the imported hosts", compact=True,
                            id="import-group")
            yield Static(id="import-notes", classes="import-notes")
            yield VerticalScroll(id="import-candidates")
            with Horizontal(classes="dialog-buttons"):
                yield Static(id="import-summary", classes="form-summary")
                yield Button("Import", variant="primary", id="import-go")
                yield Button("Cancel", id="import-cancel")

    async def on_mount(self) -> None:
        await self.load_preview()

    async def load_preview(self) -> None:
        """Read the file named in the path box and list its Host aliases."""
        text = self.query_one("#import-path", Input).value.strip()
        self.path = Path(os.path.expanduser(text)) if text else default_config_path()
        preview = preview_ssh_config(self.path, existing=self.existing)
        self.candidates = preview.candidates
        notes = self.query_one("#import-notes", Static)
        notes.update(Content("\n".join(preview.notes)))
        notes.display = bool(preview.notes)
        box = self.query_one("#import-candidates", VerticalScroll)
        await box.remove_children()
        if self.candidates:
            await box.mount_all(CandidateRow(c) for c in self.candidates)
            box.query(Checkbox).first().focus()
        else:
            await box.mount(Static(Content("No concrete Host entries found (patterns such as Host * are not hosts)."),
                                   classes="import-line"))
        self._summarise()

    @property
    def rows(self) -> list[CandidateRow]:
        return list(self.query(CandidateRow))

    def chosen(self) -> list[ImportCandidate]:
        return [row.candidate for row in self.rows if row.ticked]

    def _summarise(self) -> None:
        chosen = self.chosen()
        risky = sum(1 for c in chosen if c.risky)
        text = f"{len(chosen)} of {len(self.candidates)} chosen"
        if risky:
            text += f", {risky} risky (asks to confirm)"
        self.query_one("#import-summary", Static).update(Content(text))
        self.query_one("#import-go", Button).disabled = not chosen

    @on(Checkbox.Changed)
    def _ticked(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._summarise()

    @on(Input.Submitted, "#import-path")
    async def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self.load_preview()

    @on(Button.Pressed, "#import-go")
    def _import_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_import()

    @on(Button.Pressed, "#import-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="ssh-config-import")
    async def action_import(self) -> None:
        chosen = self.chosen()
        if not chosen:
            self.notify("Tick the hosts to import first", severity="warning")
            return
        risky = [c for c in chosen if c.risky]
        confirmed: set[str] = set()
        if risky:
            lines: list[str] = []
            for c in risky:
                lines.append(f"{c.alias} ({c.profile.endpoint}):")
                lines += [f"  • imported: {item}" for item in c.confirmations]
                lines += [f"  • not carried over: {risk}" for risk in c.risks]
            lines.append("")
            if any(c.confirmations for c in risky):
                lines.append("Imported commands run on this computer each time you connect to that host.")
            if any(c.risks for c in risky):
                lines.append("Settings not carried over are left out; the profile's notes will say so.")
            only_left_out = not any(c.confirmations for c in risky)
            confirm = ConfirmScreen(
                f"Import {len(risky)} host(s) with risky settings?",
                "\n".join(lines),
                confirm_label="Import without these settings" if only_left_out else "Import",
                cancel_label="Back",
            )
            if not await self.app.push_screen_wait(confirm):
                return
            confirmed = {c.alias for c in risky}
        group = self.query_one("#import-group", Input).value.strip()
        if problem := validate_field("group", group):
            self.notify(problem, severity="warning", markup=False)
            return
        self.dismiss(import_candidates(chosen, confirmed, self.existing, group=group))


def _tilde(path: Path) -> str:
    home = str(Path.home())
    text = str(path)
    return "~" + text[len(home):] if text == home or text.startswith(home + "/") else text
