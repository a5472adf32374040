"""Host profiles: everything sshdeck needs to reach one host, except secrets.

A :class:`HostProfile` is plain data that the sidebar lists, the editor edits,
the store writes to hosts.toml and the session layer connects with.  There is
no password or passphrase field, on purpose: saved passwords live only in the
OS keyring (see secrets.py), keyed by the profile's ``id``.

Validation is per field so the editor can show a message beside the field as
the user types: :func:`validate_field` (in `profile_fields`, with the
limits) checks one value, :meth:`HostProfile.problems` checks a whole
profile.  Checks that look at the disk (key file readable, local folder
exists) run only with ``check_files=True``: a key on an unmounted drive must
not make hosts.toml unreadable, but the editor should say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

# The field checks live in profile_fields; the names other modules take from here stay importable.
from sshdeck.core.hosts.profile_fields import (
    AUTH_METHODS,
    COLOUR_NAMES,
    HOST_KEY_POLICIES,
    MAX_NAME,
    MAX_NOTES,
    MAX_TUNNELS,
    fingerprint_problem,
    normalize_fingerprint,
    parse_jump_address,
    validate_field,
    validate_tunnel_field,
)

__all__ = [
    "DEFAULT_BIND",
    "HostProfile",
    "Tunnel",
    "new_profile_id",
    "profile_field_names",
    "AUTH_METHODS",
    "COLOUR_NAMES",
    "HOST_KEY_POLICIES",
    "MAX_NAME",
    "MAX_NOTES",
    "MAX_TUNNELS",
    "fingerprint_problem",
    "normalize_fingerprint",
    "parse_jump_address",
    "validate_field",
    "validate_tunnel_field",
]


def new_profile_id() -> str:
    """A fresh, stable identifier: the keyring and recent list refer to it."""
    import uuid  # here: it loads `platform` (~5 ms of every `sshdeck` command's start)

    return uuid.uuid4().hex


DEFAULT_BIND = "127.0.0.1"


@dataclass
class Tunnel:
    """A port forward kept in a profile.

    ``kind`` is "local" (ssh -L: bind:local_port here → remote_host:remote_port
    as seen from the server), "remote" (ssh -R: bind:local_port on the server →
    remote_host:remote_port as seen from here) or "dynamic" (ssh -D: a SOCKS
    proxy on bind:local_port here; remote_host/remote_port unused).
    ``autostart`` False means the tunnel starts only when asked.
    """

    name: str = ""
    local_port: int = 0
    remote_host: str = "127.0.0.1"
    remote_port: int = 0
    kind: str = "local"
    bind: str = DEFAULT_BIND
    autostart: bool = True

    @property
    def listen_port(self) -> int:
        return self.local_port

    def checked_fields(self) -> tuple[str, ...]:
        if self.kind == "dynamic":
            return ("name", "kind", "bind", "local_port")
        return ("name", "kind", "bind", "local_port", "remote_host", "remote_port")

    def problems(self) -> dict[str, str]:
        """Field name → message, empty when the tunnel is usable."""
        found: dict[str, str] = {}
        for name in self.checked_fields():
            message = validate_tunnel_field(name, getattr(self, name))
            if message:
                found[name] = message
        return found

    def describe(self) -> str:
        """`127.0.0.1:30000 -> db:5432`, `remote 127.0.0.1:8080 -> 127.0.0.1:3000` or `127.0.0.1:1080 (SOCKS)`."""
        listen = f"{_host_text(self.bind)}:{self.local_port}"
        if self.kind == "dynamic":
            return f"{listen} (SOCKS)"
        dest = f"{_host_text(self.remote_host)}:{self.remote_port}"
        return f"remote {listen} -> {dest}" if self.kind == "remote" else f"{listen} -> {dest}"


def _host_text(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@dataclass
class HostProfile:
    """One saved host.  Field names are also the keys in hosts.toml."""

    name: str = ""
    host: str = ""
    port: int = 22
    user: str = ""  # empty: the local user name, as ssh does
    group: str = ""
    auth_methods: list[str] = field(default_factory=lambda: list(AUTH_METHODS))
    identity_files: list[str] = field(default_factory=list)
    certificate_file: str = ""
    jump_host: str = ""  # another profile's name, or [user@]host[:port]
    # A local command whose stdin/stdout reach the server (ssh_config's ProxyCommand; %h %p %r %n %% expanded).
    proxy_command: str = ""
    remote_folder: str = ""
    local_folder: str = ""
    remote_command: str = ""
    force_pty: bool = False
    # Programs in a shell tab may set the clipboard (OSC 52) only when this is on.
    allow_osc52: bool = False
    # Off by default: anyone with root on the host can use the forwarded agent while connected.
    agent_forwarding: bool = False
    pinned_fingerprints: list[str] = field(default_factory=list)
    host_key_policy: str = "ask"
    tunnels: list[Tunnel] = field(default_factory=list)
    keepalive_interval: int = 0  # seconds; 0 turns keepalives off
    # Globs a sync through this host leaves alone (as `sshdeck sync --exclude`).
    excludes: list[str] = field(default_factory=list)
    notes: str = ""
    colour: str = ""
    id: str = field(default_factory=new_profile_id)

    def problems(self, *, check_files: bool = False) -> dict[str, str]:
        """Field name → message for every invalid field (tunnels as "tunnels[2].local_port")."""
        found: dict[str, str] = {}
        for f in fields(self):
            if f.name == "tunnels":
                continue
            message = validate_field(f.name, getattr(self, f.name), check_files=check_files)
            if message:
                found[f.name] = message
        both = [getattr(self, name) for name in ("jump_host", "proxy_command")]
        if all(isinstance(value, str) and value.strip() for value in both):
            found.setdefault("proxy_command", "use a jump host or a proxy command, not both")
        if len(self.tunnels) > MAX_TUNNELS:
            found["tunnels"] = f"at most {MAX_TUNNELS} tunnels"
            return found
        seen_ports: dict[tuple[bool, int], int] = {}
        for index, tunnel in enumerate(self.tunnels):
            if not isinstance(tunnel, Tunnel):
                found[f"tunnels[{index}]"] = "tunnel must be a table"
                continue
            for name, message in tunnel.problems().items():
                found[f"tunnels[{index}].{name}"] = message
            side = (tunnel.kind == "remote", tunnel.local_port)
            if side in seen_ports:
                where = "remote" if tunnel.kind == "remote" else "local"
                found[f"tunnels[{index}].local_port"] = (
                    f"{where} port {tunnel.local_port} is already used by tunnel {seen_ports[side] + 1}"
                )
            seen_ports.setdefault(side, index)
        return found

    def is_valid(self, *, check_files: bool = False) -> bool:
        return not self.problems(check_files=check_files)

    @property
    def endpoint(self) -> str:
        """user@host:port, for duplicate detection and the recent list."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = f"{self.user}@" if self.user else ""
        return f"{user}{host}:{self.port}"

    def endpoint_key(self) -> tuple[str, str, int]:
        """What makes two profiles "the same server account" (host names compare case-insensitively)."""
        return (self.user, self.host.lower(), self.port)

    def duplicate(self, name: str | None = None) -> HostProfile:
        """A copy with a new id (and a new name), for the sidebar's Duplicate action."""
        return replace(
            self,
            id=new_profile_id(),
            name=name if name is not None else f"{self.name} (copy)",
            auth_methods=list(self.auth_methods),
            identity_files=list(self.identity_files),
            pinned_fingerprints=list(self.pinned_fingerprints),
            excludes=list(self.excludes),
            tunnels=[replace(t) for t in self.tunnels],
        )


def profile_field_names() -> tuple[str, ...]:
    """The fields in editor order (also the keys hosts.toml knows)."""
    return tuple(f.name for f in fields(HostProfile))
