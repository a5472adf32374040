"""Quick connect: a one-line bar for `user@host`, `user@host:port` or `sftp://user@host:port/path`.

Enter parses the address with core's :func:`parse_target`; a bad address
shows the parser's message beside the box and posts nothing.  A good one
posts ``ConnectRequested``.  Ctrl+S posts ``SaveAsProfileRequested`` so the
screen can open the profile editor prefilled (see :func:`profile_from_target`).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, Static

from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.core.hosts.targets import Target, TargetError, parse_target

PLACEHOLDER = "user@host[:port] or sftp://user@host:port/path"


def profile_from_target(target: Target, store: ProfileStore | None = None) -> HostProfile:
    """A new, unsaved profile for a quick-connect address, named after it (a free name when a store is given)."""
    name = f"{target.user}@{target.host}" if target.user else target.host
    if store is not None:
        name = store.unique_name(name)
    return HostProfile(
        name=name,
        host=target.host,
        port=target.port or 22,
        user=target.user or "",
        remote_folder=target.path or "",
    )


class QuickConnectBar(Horizontal):
    """An address box; Enter connects (or says what is wrong), Ctrl+S offers to save it as a profile."""

    BINDINGS = [
        Binding("ctrl+s", "save_as_profile", "Save as profile", id="quick_connect_save"),
        Binding("escape", "close", "Close", show=False, id="quick_connect_close"),
    ]

    class ConnectRequested(Message):
        """A well-formed address was submitted: `target` is parsed, `text` is what the user typed."""

        def __init__(self, target: Target, text: str) -> None:
            super().__init__()
            self.target = target
            self.text = text

    class Closed(Message):
        """The bar was closed (Escape, or an address was submitted): focus goes back where it was."""

    class SaveAsProfileRequested(Message):
        """The user wants the address as a saved profile (open the editor with profile_from_target)."""

        def __init__(self, target: Target, text: str) -> None:
            super().__init__()
            self.target = target
            self.text = text

    def __init__(self, *, value: str = "", id: str | None = None, classes: str = "") -> None:
        super().__init__(id=id, classes=f"quick-connect {classes}".strip())
        self._initial = value
        self.last_target: Target | None = None

    def compose(self) -> ComposeResult:
        yield Label("Connect", classes="quick-connect-label")
        yield Input(self._initial, placeholder=PLACEHOLDER, compact=True, id="quick-connect-input")
        yield Static(id="quick-connect-error", classes="quick-connect-error")

    def on_mount(self) -> None:
        self.show_error("")

    @property
    def input(self) -> Input:
        return self.query_one("#quick-connect-input", Input)

    @property
    def error(self) -> str:
        """The message shown beside the box ("" when there is none)."""
        return str(self.query_one("#quick-connect-error", Static).content)

    def show_error(self, message: str) -> None:
        error = self.query_one("#quick-connect-error", Static)
        error.update(Content(message))
        error.display = bool(message)

    def parse(self) -> Target | None:
        """The address in the box, or None after showing why it cannot be used."""
        text = self.input.value
        try:
            target = parse_target(text)
        except TargetError as exc:
            # Someone coming from a file manager types a folder here: say where folders go.
            looks_local = text.strip().startswith(("/", "~", "./", "../"))
            self.show_error("that is a folder: Ctrl+L goes to a path" if looks_local else str(exc))
            return None
        self.show_error("")
        self.last_target = target
        return target

    @on(Input.Submitted, "#quick-connect-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        target = self.parse()
        if target is not None:
            self.post_message(self.ConnectRequested(target, self.input.value.strip()))
            self.action_close()

    @on(Input.Changed, "#quick-connect-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.show_error("")  # the old message no longer describes what is typed

    def action_save_as_profile(self) -> None:
        target = self.parse()
        if target is not None:
            self.post_message(self.SaveAsProfileRequested(target, self.input.value.strip()))

    def action_close(self) -> None:
        """Close the bar (a transient bar): the text goes; the screen hides it and gives focus back."""
        self.input.value = ""
        self.show_error("")
        self.post_message(self.Closed())
