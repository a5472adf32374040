"""The list inside the host sidebar: recent connections, then profiles under group headers, each with a status mark.

Option ids say what a row is: ``host:<profile id>``, ``recent:<index>``,
``tunnel:<profile id>:<index>`` (a port forward under its host),
``header:<group>`` (disabled, so the cursor skips it) and ``empty``.
"""

from __future__ import annotations

from typing import Callable

from textual import events
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from sshdeck.core.hosts.profile_store import ProfileStore, RecentConnection
from sshdeck.core.hosts.profiles import HostProfile

NOT_CONNECTED = "not-connected"
CONNECTING = "connecting"
CONNECTED = "connected"
ERROR = "error"
STATUS_MARKS = {
    NOT_CONNECTED: ("○", "$text-muted"),
    CONNECTING: ("◌", "$text-warning"),
    CONNECTED: ("●", "$text-success"),
    ERROR: ("✕", "$text-error"),
}
HEADER_STYLE = "bold $text-accent"


class HostList(OptionList):
    """The list itself: a single click highlights, a double click (or Enter) selects."""

    async def _on_click(self, event: events.Click) -> None:
        event.prevent_default()  # OptionList would select on the first click
        index = event.style.meta.get("option")
        if index is None or self.get_option_at_index(index).disabled:
            return
        self.highlighted = index
        if event.chain >= 2:
            self.action_select()


def host_label(profile: HostProfile, status: str) -> Content:
    """" ● name ■": the status mark, the name as plain text, the colour tag if any."""
    symbol, style = STATUS_MARKS[status]
    parts: list[Content | str] = [" ", Content.styled(symbol, style), " ", Content(profile.name)]
    if profile.colour:
        parts += [" ", Content.styled("■", profile.colour)]
    return Content.assemble(*parts)


TUNNEL_MARKS = {
    "listening": ("⇄", "$text-success"),
    "starting": ("◌", "$text-warning"),
    "waiting": ("◌", "$text-warning"),
    "error": ("✕", "$text-error"),
}


def tunnel_label(profile: HostProfile, index: int, state: str, summary: str) -> Content:
    """Two lines under the host: "   ⇄ database :30000" then "   listening, 1 active, 2.0K"."""
    tunnel = profile.tunnels[index]
    symbol, style = TUNNEL_MARKS.get(state, ("⇄", "$text-muted"))
    name = tunnel.name or f"tunnel {index + 1}"
    where = {"remote": f"remote:{tunnel.local_port}", "dynamic": f":{tunnel.local_port} SOCKS"}.get(
        tunnel.kind, f":{tunnel.local_port}"
    )
    return Content.assemble(
        "   ", Content.styled(symbol, style), " ", Content(name), " ", Content.styled(where, "$text-muted"),
        "\n   ", Content.styled(summary, style if state == "error" else "$text-muted"),
    )


def host_options(
    store: ProfileStore,
    query: str,
    recent: list[RecentConnection],
    status_of: Callable[[str], str],
    tunnel_state: Callable[[str, int], tuple[str, str]] | None = None,
) -> list[Option]:
    """The rows for what the filter box holds; `recent` comes first (the caller leaves it empty while filtering)."""
    options: list[Option] = []
    if recent:
        options.append(Option(Content.styled("Recent", HEADER_STYLE), id="header:recent", disabled=True))
        for index, entry in enumerate(recent):
            profile = store.get(entry.profile_id) if entry.profile_id else None
            if profile is None:
                label = Content.assemble(" ", Content.styled("→", "$text-muted"), " ", Content(entry.target))
            else:
                label = host_label(profile, status_of(profile.id))
            options.append(Option(label, id=f"recent:{index}"))
    shown = {p.id for p in store.filter(query)} if query else None
    groups = store.groups()
    for group, profiles in groups.items():
        visible = [p for p in profiles if shown is None or p.id in shown]
        if not visible:
            continue
        heading = group or ("Ungrouped" if len(groups) > 1 else "Hosts")
        options.append(Option(Content.styled(heading, HEADER_STYLE), id=f"header:{group}", disabled=True))
        for p in visible:
            options.append(Option(host_label(p, status_of(p.id)), id=f"host:{p.id}"))
            if tunnel_state is not None:
                for index in range(len(p.tunnels)):
                    state, summary = tunnel_state(p.id, index)
                    options.append(Option(tunnel_label(p, index, state, summary), id=f"tunnel:{p.id}:{index}"))
    if not any((o.id or "").startswith("host:") for o in options):
        if query:
            text = f"No host matches {query!r}"
        elif store.profiles:
            text = "No hosts"
        else:
            text = "No hosts yet: press a to add one, i to import ~/.ssh/config"
        options.append(Option(Content(text), id="empty", disabled=True))
    return options
