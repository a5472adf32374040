"""Host profiles: everything sshdeck needs to reach one host, except secrets.

A :class:`HostProfile` is plain data that the sidebar lists, the editor edits,
the store writes to hosts.toml and the session layer connects with.  There is
no password or passphrase field, on purpose: saved passwords live only in the
OS keyring (see secrets.py), keyed by the profile's ``id``.

Validation is per field so the editor can show a message beside the field as
the user types: :func:`validate_field` checks one value,
:meth:`HostProfile.problems` checks a whole profile.  Checks that look at the
disk (key file readable, local folder exists) run only with
``check_files=True``: a key on an unmounted drive must not make hosts.toml
unreadable, but the editor should say so.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import uuid
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from sshdeck.core.hosts.targets import (
    PORT_MESSAGE,
    TargetError,
    has_control_chars,
    host_problem,
    parse_target,
    path_problem,
    user_problem,
)

AUTH_METHODS = ("agent", "key", "password", "keyboard-interactive")
HOST_KEY_POLICIES = ("ask", "accept-new", "strict")
COLOUR_NAMES = ("red", "green", "yellow", "blue", "magenta", "cyan", "orange", "purple", "grey")

MAX_NAME = 100
MAX_TEXT = 1024
MAX_NOTES = 10_000
MAX_LIST = 32
MAX_TUNNELS = 64
MAX_KEEPALIVE = 86_400
MAX_GLOB = 256

_FINGERPRINT = re.compile(r"SHA256:([A-Za-z0-9+/]{43})")
_COLOUR_HEX = re.compile(r"#[0-9a-fA-F]{6}")
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_profile_id() -> str:
    """A fresh, stable identifier: the keyring and recent list refer to it."""
    return uuid.uuid4().hex


TUNNEL_KINDS = ("local", "remote", "dynamic")
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


# -- one field at a time ---------------------------------------------------------


def normalize_fingerprint(text: str) -> str:
    """Tidy a pasted fingerprint: strip spaces and base64 '=' padding ("SHA256:abc=" → "SHA256:abc")."""
    text = text.strip()
    if text[:7].upper() == "SHA256:":
        text = "SHA256:" + text[7:].rstrip("=")
    return text


def fingerprint_problem(text: str) -> str | None:
    """Why `text` is not an OpenSSH SHA256 fingerprint, or None when it is one."""
    if not isinstance(text, str):
        return "fingerprint must be text"
    if text.upper().startswith("MD5:") or re.fullmatch(r"([0-9a-fA-F]{2}:){15}[0-9a-fA-F]{2}", text):
        return "MD5 fingerprints are not accepted; use the SHA256 one (ssh-keygen -lf)"
    match = _FINGERPRINT.fullmatch(text)
    if not match:
        return "fingerprint must be 'SHA256:' followed by 43 base64 characters"
    try:
        raw = base64.b64decode(match.group(1) + "=", validate=True)
    except binascii.Error:
        return "fingerprint is not valid base64"
    if len(raw) != 32:
        return "fingerprint must encode 32 bytes"
    return None


def jump_syntax_problem(value: str) -> str | None:
    """Why `value` cannot name a jump host; a profile name is checked by the store."""
    if "," in value:
        return "only one jump host is supported"
    if has_control_chars(value):
        return "jump host contains a control character"
    if len(value) > MAX_TEXT:
        return f"jump host is longer than {MAX_TEXT} characters"
    return None


def parse_jump_address(value: str) -> tuple[str | None, str, int | None] | None:
    """(user, host, port) when `value` is written as [user@]host[:port], else None."""
    try:
        target = parse_target(value)
    except TargetError:
        return None
    if target.path is not None:
        return None
    return target.user, target.host, target.port


def _text_problem(label: str, value: object, limit: int = MAX_TEXT, *, multiline: bool = False) -> str | None:
    if not isinstance(value, str):
        return f"{label} must be text"
    if len(value) > limit:
        return f"{label} is longer than {limit} characters"
    checked = value.replace("\n", "").replace("\t", "") if multiline else value
    if has_control_chars(checked):
        return f"{label} contains a control character"
    return None


def _file_problem(label: str, value: str, check_files: bool) -> str | None:
    if problem := _text_problem(label, value):
        return problem
    if not check_files or not value:
        return None
    path = Path(os.path.expanduser(value))
    if not path.exists():
        return f"{label} {value} does not exist"
    if not path.is_file():
        return f"{label} {value} is not a file"
    if not os.access(path, os.R_OK):
        return f"{label} {value} is not readable"
    return None


def _list_problem(label: str, value: object) -> str | None:
    if not isinstance(value, list):
        return f"{label} must be a list"
    if len(value) > MAX_LIST:
        return f"{label}: at most {MAX_LIST} entries"
    return None


def _int_problem(value: object, low: int, high: int, message: str) -> tuple[int | None, str | None]:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 6:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None, message
    return value, None


def validate_field(name: str, value: object, *, check_files: bool = True) -> str | None:
    """The message to show beside field `name` for `value`, or None when it is fine.

    Numbers may be given as the text of an input box ("22").  Lists are lists.
    """
    if name == "id":
        return None if isinstance(value, str) and _ID.fullmatch(value) else "id must be 1-64 letters, digits, '-' or '_'"
    if name == "name":
        if isinstance(value, str) and not value.strip():
            return "name is empty"
        return _text_problem("name", value, MAX_NAME)
    if name == "group":
        return _text_problem("group", value, MAX_NAME)
    if name == "host":
        if not isinstance(value, str):
            return "host must be text"
        return host_problem(value.strip("[]") if value.startswith("[") else value)
    if name == "port":
        return _int_problem(value, 1, 65535, PORT_MESSAGE)[1]
    if name == "user":
        if not isinstance(value, str):
            return "user must be text"
        return user_problem(value) if value else None
    if name == "auth_methods":
        if problem := _list_problem("authentication methods", value):
            return problem
        assert isinstance(value, list)
        if not value:
            return "choose at least one authentication method"
        for method in value:
            if method not in AUTH_METHODS:
                return f"unknown authentication method {str(method)[:40]!r}; use {', '.join(AUTH_METHODS)}"
        if len(set(value)) != len(value):
            return "each authentication method may appear once"
        return None
    if name == "identity_files":
        if problem := _list_problem("identity files", value):
            return problem
        assert isinstance(value, list)
        for item in value:
            if isinstance(item, str) and not item.strip():
                return "identity file name is empty"
            if problem := _file_problem("key file", item, check_files):
                return problem
        return None
    if name == "certificate_file":
        return _file_problem("certificate file", value, check_files)
    if name == "jump_host":
        if not isinstance(value, str):
            return "jump host must be text"
        return jump_syntax_problem(value)
    if name == "remote_folder":
        if not isinstance(value, str):
            return "remote folder must be text"
        return path_problem(value)
    if name == "local_folder":
        if problem := _text_problem("local folder", value):
            return problem
        assert isinstance(value, str)
        if check_files and value and not Path(os.path.expanduser(value)).is_dir():
            return f"local folder {value} does not exist"
        return None
    if name == "remote_command":
        return _text_problem("remote command", value, MAX_TEXT)
    if name == "proxy_command":
        return _text_problem("proxy command", value, MAX_TEXT)
    if name in ("force_pty", "allow_osc52", "agent_forwarding"):
        return None if isinstance(value, bool) else f"{name} must be true or false"
    if name == "pinned_fingerprints":
        if problem := _list_problem("pinned fingerprints", value):
            return problem
        assert isinstance(value, list)
        for item in value:
            if problem := fingerprint_problem(item):
                shown = str(item)[:60]
                return f"{problem}: {shown!r}" if shown else problem
        return None
    if name == "host_key_policy":
        return None if value in HOST_KEY_POLICIES else f"host-key policy must be one of {', '.join(HOST_KEY_POLICIES)}"
    if name == "tunnels":
        return _list_problem("tunnels", value)
    if name == "keepalive_interval":
        return _int_problem(value, 0, MAX_KEEPALIVE, f"keepalive must be a number of seconds from 0 (off) to {MAX_KEEPALIVE}")[1]
    if name == "excludes":
        if problem := _list_problem("sync excludes", value):
            return problem
        assert isinstance(value, list)
        for item in value:
            if isinstance(item, str) and not item.strip("/ "):
                return "an exclude glob is empty"
            if problem := _text_problem("exclude glob", item, MAX_GLOB):
                return problem
        return None
    if name == "notes":
        return _text_problem("notes", value, MAX_NOTES, multiline=True)
    if name == "colour":
        if value == "" or value in COLOUR_NAMES or (isinstance(value, str) and _COLOUR_HEX.fullmatch(value)):
            return None
        return f"colour must be #rrggbb or one of {', '.join(COLOUR_NAMES)}"
    raise KeyError(f"HostProfile has no field {name!r}")


def validate_tunnel_field(name: str, value: object) -> str | None:
    """Like :func:`validate_field`, for one field of a :class:`Tunnel`."""
    if name == "name":
        return _text_problem("tunnel name", value, MAX_NAME)
    if name in ("local_port", "remote_port"):
        label = "local port" if name == "local_port" else "remote port"
        return _int_problem(value, 1, 65535, f"{label} must be a number between 1 and 65535")[1]
    if name == "remote_host":
        if not isinstance(value, str):
            return "remote host must be text"
        return host_problem(value)
    if name == "kind":
        return None if value in TUNNEL_KINDS else f"kind must be one of {', '.join(TUNNEL_KINDS)}"
    if name == "bind":
        if not isinstance(value, str) or not value:
            return "bind address must be text, e.g. 127.0.0.1"
        return host_problem(value)
    if name == "autostart":
        return None if isinstance(value, bool) else "autostart must be true or false"
    raise KeyError(f"Tunnel has no field {name!r}")


def profile_field_names() -> tuple[str, ...]:
    """The fields in editor order (also the keys hosts.toml knows)."""
    return tuple(f.name for f in fields(HostProfile))
