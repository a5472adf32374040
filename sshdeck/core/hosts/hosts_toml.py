"""The hosts.toml format: one [[profiles]] table ↔ one HostProfile.

Writing is plain (:func:`dumps_profiles`).  Reading is careful.

tomllib gives values but no positions, so :class:`Lines` finds, as well as a
line scan can, the line of the n-th ``[[profiles]]`` table and of a key inside
it; problems point there.  Every value is type-checked before it reaches
HostProfile, so wrong types and huge values become messages, never exceptions.
"""

from __future__ import annotations

import re
from dataclasses import asdict, fields

import tomli_w

from sshdeck.core.hosts.profiles import HostProfile, Tunnel, normalize_fingerprint
from sshdeck.core.hosts.targets import has_control_chars

SCHEMA_VERSION = 1
_HEADER = (
    "# sshdeck host profiles; the format is described in sshdeck's README.\n"
    "# Never put passwords here: sshdeck keeps saved passwords only in the OS keyring.\n\n"
)

_TEXT, _INT, _BOOL, _TEXT_LIST, _TUNNELS = "text", "int", "bool", "text list", "tunnels"
_KINDS: dict[str, str] = {
    "id": _TEXT,
    "name": _TEXT,
    "group": _TEXT,
    "host": _TEXT,
    "port": _INT,
    "user": _TEXT,
    "auth_methods": _TEXT_LIST,
    "identity_files": _TEXT_LIST,
    "certificate_file": _TEXT,
    "jump_host": _TEXT,
    "proxy_command": _TEXT,
    "remote_folder": _TEXT,
    "local_folder": _TEXT,
    "remote_command": _TEXT,
    "force_pty": _BOOL,
    "allow_osc52": _BOOL,
    "agent_forwarding": _BOOL,
    "pinned_fingerprints": _TEXT_LIST,
    "host_key_policy": _TEXT,
    "tunnels": _TUNNELS,
    "keepalive_interval": _INT,
    "excludes": _TEXT_LIST,
    "notes": _TEXT,
    "colour": _TEXT,
}
assert set(_KINDS) == {f.name for f in fields(HostProfile)}, "hosts.toml keys must match HostProfile"
_TUNNEL_KINDS = {
    "name": _TEXT,
    "kind": _TEXT,
    "bind": _TEXT,
    "local_port": _INT,
    "remote_host": _TEXT,
    "remote_port": _INT,
    "autostart": _BOOL,
}
_TYPE_MESSAGES = {
    _TEXT: "must be text (in quotes)",
    _INT: "must be a whole number",
    _BOOL: "must be true or false",
    _TEXT_LIST: "must be a list of text, like [\"a\", \"b\"]",
    _TUNNELS: "must be a list of tables ([[profiles.tunnels]])",
}
_SECRET_KEY = re.compile(r"pass(word|phrase)?|secret|token|private_?key", re.IGNORECASE)
# Ids of hand-written profiles without one are derived from the name, so the
# recent list and the keyring find them again on the next start.
_ID_NAMESPACE = "6f0c2a52-8a53-4d0e-9b57-1d5a3c0e7f41"  # a UUID; `uuid` is imported only when an id is made


def safe_label(value: object, limit: int = 60) -> str:
    """Text from the file made safe to show: no control characters, bounded length."""
    text = value if isinstance(value, str) else repr(value)
    text = "".join("?" if has_control_chars(c) else c for c in text[: limit + 1])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_ok(kind: str, value: object) -> bool:
    if kind == _TEXT:
        return isinstance(value, str)
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == _BOOL:
        return isinstance(value, bool)
    if kind == _TEXT_LIST:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


class Lines:
    """Best-effort line numbers (1-based) for tables and keys in the hosts.toml text."""

    _PROFILE = re.compile(r"\s*\[\[\s*profiles\s*\]\]")
    _TUNNEL = re.compile(r"\s*\[\[\s*profiles\s*\.\s*tunnels\s*\]\]")
    _HEADER = re.compile(r"\s*\[")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.starts = [i for i, line in enumerate(self.lines) if self._PROFILE.match(line)]

    @staticmethod
    def _key_re(key: str) -> re.Pattern[str]:
        k = re.escape(key)
        return re.compile(rf"\s*(?:{k}|\"{k}\"|'{k}')\s*=")

    def _find(self, key: str, start: int, end: int) -> int | None:
        pattern = self._key_re(key)
        for i in range(start, end):
            if pattern.match(self.lines[i]):
                return i + 1
        return None

    def top_key(self, key: str) -> int | None:
        end = next((i for i, line in enumerate(self.lines) if self._HEADER.match(line)), len(self.lines))
        return self._find(key, 0, end)

    def _span(self, index: int) -> tuple[int, int] | None:
        if index >= len(self.starts):
            return None
        start = self.starts[index]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.lines)
        return start, end

    def profile(self, index: int) -> int | None:
        span = self._span(index)
        return span[0] + 1 if span else self.top_key("profiles")

    def key(self, index: int, key: str) -> int | None:
        span = self._span(index)
        if span is None:
            return self.top_key("profiles")
        start, end = span
        # Keys after the first [[profiles.tunnels]] belong to that tunnel.
        own_end = next((i for i in range(start + 1, end) if self._TUNNEL.match(self.lines[i])), end)
        return self._find(key, start + 1, own_end) or start + 1

    def tunnel(self, index: int, tunnel_index: int, key: str) -> int | None:
        span = self._span(index)
        if span is None:
            return self.top_key("profiles")
        start, end = span
        headers = [i for i in range(start + 1, end) if self._TUNNEL.match(self.lines[i])]
        if tunnel_index < len(headers):
            sub_end = headers[tunnel_index + 1] if tunnel_index + 1 < len(headers) else end
            return self._find(key, headers[tunnel_index] + 1, sub_end) or headers[tunnel_index] + 1
        array = self.key(index, "tunnels")
        # tomli-w writes one inline table a line, right after "tunnels = [".
        if array is not None and array + tunnel_index < end:
            return array + tunnel_index + 1
        return array


def read_profile_table(table: object, index: int, lines: Lines) -> tuple[HostProfile | None, list[tuple[str, int | None]]]:
    """One profile (None when it cannot be used) and the problems found, as (message, line)."""
    if not isinstance(table, dict):
        return None, [(f"profile #{index + 1} (not loaded): must be a table", lines.profile(index))]
    name = table.get("name")
    label = repr(safe_label(name)) if isinstance(name, str) and name.strip() else f"#{index + 1}"
    fatal: list[tuple[str, int | None]] = []
    warnings: list[tuple[str, int | None]] = []
    bad_fields: set[str] = set()  # already reported: no second message from validation
    values: dict[str, object] = {}
    for key, value in table.items():
        line = lines.key(index, key)
        if key not in _KINDS:
            if _SECRET_KEY.search(key):
                warnings.append((f"{safe_label(key)!r} is ignored: sshdeck never reads secrets from hosts.toml "
                                 "(saved passwords live in the OS keyring); remove it", line))
            else:
                warnings.append((f"unknown key {safe_label(key)!r} is ignored", line))
            continue
        kind = _KINDS[key]
        if not _type_ok(kind, value):
            fatal.append((f"{key} {_TYPE_MESSAGES[kind]}", line))
            bad_fields.add(key)
            continue
        values[key] = value
    if isinstance(values.get("tunnels"), list):
        values["tunnels"] = _read_tunnels(values["tunnels"], index, lines, fatal, warnings, bad_fields)  # type: ignore[arg-type]
    if "name" not in values and "name" not in bad_fields:
        values["name"] = values.get("host", "")
    if "id" not in values and "id" not in bad_fields:
        import uuid  # here: it loads `platform` (~5 ms of every `sshdeck` command's start)

        values["id"] = uuid.uuid5(uuid.UUID(_ID_NAMESPACE), str(values.get("name", ""))).hex
    if isinstance(values.get("pinned_fingerprints"), list):
        values["pinned_fingerprints"] = [normalize_fingerprint(v) for v in values["pinned_fingerprints"]]  # type: ignore[union-attr]
    # Validate what had the right type too, so one look at the list shows every mistake.
    profile = HostProfile(**values)  # type: ignore[arg-type]
    for field_name, message in profile.problems().items():
        if field_name in bad_fields:
            continue
        if match := re.match(r"tunnels\[(\d+)\]", field_name):
            message = f"tunnel {int(match.group(1)) + 1}: {message}"
        fatal.append((message, _line_for_field(lines, index, field_name)))
    prefix_fatal = f"profile {label} (not loaded): "
    prefix_warn = f"profile {label}: "
    problems = [(prefix_fatal + m, line) for m, line in fatal] + [(prefix_warn + m, line) for m, line in warnings]
    problems.sort(key=lambda item: item[1] or 0)
    return (None if fatal else profile), problems


def _read_tunnels(
    rows: list[dict], index: int, lines: Lines, fatal: list, warnings: list, bad_fields: set[str]
) -> list[Tunnel]:
    tunnels = []
    for t_index, row in enumerate(rows):
        values: dict[str, object] = {}
        for key, value in row.items():
            line = lines.tunnel(index, t_index, key)
            kind = _TUNNEL_KINDS.get(key)
            if kind is None:
                warnings.append((f"tunnel {t_index + 1}: unknown key {safe_label(key)!r} is ignored", line))
            elif not _type_ok(kind, value):
                fatal.append((f"tunnel {t_index + 1}: {key} {_TYPE_MESSAGES[kind]}", line))
                bad_fields.add(f"tunnels[{t_index}].{key}")
            else:
                values[key] = value
        tunnels.append(Tunnel(**values))  # type: ignore[arg-type]
    return tunnels


def _line_for_field(lines: Lines, index: int, field_name: str) -> int | None:
    match = re.fullmatch(r"tunnels\[(\d+)\]\.(\w+)", field_name)
    if match:
        return lines.tunnel(index, int(match.group(1)), match.group(2))
    return lines.key(index, field_name.split("[")[0])


def profile_to_table(profile: HostProfile) -> dict[str, object]:
    """The TOML table for one profile: id, name, host and port always, other fields when not default."""
    defaults = HostProfile(id=profile.id)
    table: dict[str, object] = {"id": profile.id, "name": profile.name, "host": profile.host, "port": profile.port}
    for f in fields(profile):
        value = getattr(profile, f.name)
        if f.name in table or value == getattr(defaults, f.name):
            continue
        table[f.name] = [tunnel_to_table(t) for t in value] if f.name == "tunnels" else value
    return table


def tunnel_to_table(tunnel: Tunnel) -> dict[str, object]:
    """One [[profiles.tunnels]] table; a file without `kind` reads back as a local forward."""
    table = asdict(tunnel)
    if tunnel.kind == "dynamic":
        del table["remote_host"], table["remote_port"]
    if tunnel.autostart:
        del table["autostart"]
    return table


def dumps_profiles(profiles: list[HostProfile]) -> str:
    """The whole hosts.toml text for `profiles`."""
    document = {"schema_version": SCHEMA_VERSION, "profiles": [profile_to_table(p) for p in profiles]}
    return _HEADER + tomli_w.dumps(document, multiline_strings=True)
