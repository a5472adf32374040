"""Checking a host profile's values one field at a time, and the limits and choices they allow.

:func:`validate_field` gives the message the editor shows beside a field of
:class:`~sshdeck.core.hosts.profiles.HostProfile` (None when the value is
fine), :func:`validate_tunnel_field` the same for a tunnel.  Numbers may come
as the text of an input box.  Checks that look at the disk (a key file is
readable, a local folder exists) run only with ``check_files=True``.
Fingerprints and jump hosts have their own helpers, shared with the store.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
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

TUNNEL_KINDS = ("local", "remote", "dynamic")


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
