"""The tunnels part of the profile editor: one row per port forward (local, remote or SOCKS), with add and remove."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from dataclasses import replace

from textual.widgets import Button, Checkbox, Input, Select, Static

from sshdeck.core.hosts.profiles import DEFAULT_BIND, Tunnel

KIND_CHOICES = [("local (-L)", "local"), ("remote (-R)", "remote"), ("SOCKS (-D)", "dynamic")]


def number_or_text(text: str) -> int | str:
    """An int for a box that holds only digits, else the text as typed (validation then names the problem)."""
    stripped = text.strip()
    if stripped.isascii() and stripped.isdigit() and len(stripped) <= 6:
        return int(stripped)
    return stripped


class TunnelRow(Vertical):
    """One tunnel: name, port, destination host and port, a remove button; kind, bind, autostart; its problem."""

    def __init__(self, tunnel: Tunnel) -> None:
        super().__init__(classes="tunnel-row")
        self.tunnel = tunnel

    def compose(self) -> ComposeResult:
        t = self.tunnel
        with Horizontal(classes="tunnel-inputs"):
            yield Input(t.name, placeholder="name", compact=True, classes="tunnel-name")
            yield Input(_port_text(t.local_port), placeholder="local port", compact=True, classes="tunnel-local-port")
            yield Input(t.remote_host, placeholder="remote host", compact=True, classes="tunnel-remote-host")
            yield Input(_port_text(t.remote_port), placeholder="remote port", compact=True, classes="tunnel-remote-port")
            yield Button("✕", compact=True, classes="tunnel-remove", tooltip="Remove this tunnel")
        with Horizontal(classes="tunnel-options"):
            yield Select(KIND_CHOICES, value=t.kind if t.kind in ("local", "remote", "dynamic") else "local",
                         allow_blank=False, compact=True, classes="tunnel-kind")
            yield Input(t.bind, placeholder="bind address", compact=True, classes="tunnel-bind",
                        tooltip="Where the port listens: 127.0.0.1 (this machine only) unless you need more")
            yield Checkbox("start on connect", t.autostart, compact=True, classes="tunnel-autostart")
        yield Static(classes="field-error tunnel-error")

    def on_mount(self) -> None:
        self._show_destination()

    @on(Select.Changed, ".tunnel-kind")
    def _kind_changed(self, _event: Select.Changed) -> None:
        self._show_destination()  # the event goes on: the editor revalidates

    def _show_destination(self) -> None:
        """A SOCKS tunnel has no fixed destination: its host and port boxes are hidden."""
        dynamic = self.query_one(".tunnel-kind", Select).value == "dynamic"
        for box in self.query(".tunnel-remote-host, .tunnel-remote-port"):
            box.display = not dynamic

    def value(self) -> Tunnel:
        """The row as a Tunnel; ports stay text when they are not numbers, so problems() can say so."""
        return Tunnel(
            name=self.query_one(".tunnel-name", Input).value.strip(),
            local_port=number_or_text(self.query_one(".tunnel-local-port", Input).value),  # type: ignore[arg-type]
            remote_host=self.query_one(".tunnel-remote-host", Input).value.strip(),
            remote_port=number_or_text(self.query_one(".tunnel-remote-port", Input).value),  # type: ignore[arg-type]
            kind=str(self.query_one(".tunnel-kind", Select).value),
            bind=self.query_one(".tunnel-bind", Input).value.strip() or DEFAULT_BIND,
            autostart=self.query_one(".tunnel-autostart", Checkbox).value,
        )

    def show_problem(self, message: str) -> None:
        error = self.query_one(".tunnel-error", Static)
        error.update(Content(message))
        error.display = bool(message)


def _port_text(port: int) -> str:
    return str(port) if port else ""


class TunnelEditor(Vertical):
    """An editable list of tunnels; posts Changed whenever a row is added, removed or edited."""

    class Changed(Message):
        """The tunnel list changed (the editor revalidates)."""

    def __init__(self, tunnels: list[Tunnel], *, id: str | None = None) -> None:
        super().__init__(id=id, classes="tunnel-editor")
        self._initial = [replace(t) for t in tunnels]

    def compose(self) -> ComposeResult:
        yield Static(
            Content("No tunnels. A local tunnel forwards 127.0.0.1:port to host:port as the server sees it; "
                    "remote is the other way round; SOCKS is a proxy on 127.0.0.1:port."),
            classes="tunnel-empty",
        )
        for tunnel in self._initial:
            yield TunnelRow(tunnel)
        yield Button("Add tunnel", compact=True, id="tunnel-add")

    def on_mount(self) -> None:
        self._refresh_empty()
        for row in self.rows:
            row.show_problem("")

    @property
    def rows(self) -> list[TunnelRow]:
        return list(self.query(TunnelRow))

    def values(self) -> list[Tunnel]:
        return [row.value() for row in self.rows]

    def show_problems(self, problems: dict[str, str]) -> None:
        """Put each "tunnels[i].field" message under row i (the first one per row)."""
        for index, row in enumerate(self.rows):
            prefix = f"tunnels[{index}]"
            message = next((m for key, m in problems.items() if key == prefix or key.startswith(prefix + ".")), "")
            row.show_problem(message)

    async def add_row(self, tunnel: Tunnel | None = None) -> TunnelRow:
        row = TunnelRow(tunnel or Tunnel())
        await self.mount(row, before=self.query_one("#tunnel-add", Button))
        self._refresh_empty()
        row.show_problem("")
        self.post_message(self.Changed())
        return row

    def _refresh_empty(self) -> None:
        self.query_one(".tunnel-empty", Static).display = not self.rows

    @on(Button.Pressed, "#tunnel-add")
    async def _add(self, event: Button.Pressed) -> None:
        event.stop()
        row = await self.add_row()
        row.query_one(".tunnel-name", Input).focus()

    @on(Button.Pressed, ".tunnel-remove")
    async def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        row = next(a for a in event.button.ancestors if isinstance(a, TunnelRow))
        await row.remove()
        self._refresh_empty()
        self.query_one("#tunnel-add", Button).focus()
        self.post_message(self.Changed())
