"""Import host profiles from an OpenSSH client config (~/.ssh/config or a file the user names).

:func:`preview_ssh_config` reads the file (following ``Include``) and returns
one :class:`ImportCandidate` per concrete ``Host`` alias, with the settings
that OpenSSH itself would use for ``ssh ALIAS``: keywords are case-insensitive,
the first value found wins (IdentityFile, CertificateFile and the Local/
Remote/DynamicForward lines add up), and wildcard blocks (``Host *``, ``Host *.corp !db.corp``) apply to
the aliases they match without being hosts themselves.  ``Match`` blocks are
skipped with a note (``Match all`` is read as ``Host *``).

Settings sshdeck cannot honour safely are *risks*: ``StrictHostKeyChecking
no`` (the profile keeps "ask"), ``UserKnownHostsFile /dev/null`` or ``none``
(sshdeck keeps checking).  Settings that are carried over but run something
on this computer are *confirmations*: ProxyCommand, shown with its command.
:func:`import_candidates` imports a candidate with either only when its alias
is in ``confirm_risky``, and writes what was confirmed and what was not carried
over into the profile's notes.
"""

from __future__ import annotations

import getpass
import glob
import os
import re
import socket
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sshdeck.core.hosts.profiles import MAX_NOTES, HostProfile, Tunnel
from sshdeck.core.hosts.ssh_config_proxy import forward_agent, proxy_command
from sshdeck.core.hosts.targets import TargetError, parse_port, parse_target
from sshdeck.core.tunnels.spec import ForwardSpecError, parse_config_forward

MAX_INCLUDE_DEPTH = 16  # OpenSSH's READCONF_MAX_DEPTH
MAX_FILES = 256
MAX_FILE_BYTES = 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_FORWARDS = ("localforward", "remoteforward", "dynamicforward")
_MULTI = {"identityfile", "certificatefile", *_FORWARDS}
_UNSUPPORTED = {
    "localcommand": "local commands",
}


@dataclass
class _Item:
    kind: str  # "host", "match", "include", "option"
    keyword: str
    args: list[str]
    raw: str  # the text after the keyword, for RemoteCommand
    source: str  # "path:line"
    children: list[_Item] = field(default_factory=list)


@dataclass
class ImportCandidate:
    """One concrete Host alias as a profile, with what the user must know before importing it."""

    alias: str
    profile: HostProfile
    source: str
    risks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)  # the profile cannot be saved as is
    duplicate_of: HostProfile | None = None
    # Imported as written, but only after the user says yes (a command that runs locally).
    confirmations: list[str] = field(default_factory=list)

    @property
    def risky(self) -> bool:
        return bool(self.risks or self.confirmations)


@dataclass
class ImportPreview:
    """What the import dialog lists, and notes about the files themselves."""

    source: Path
    candidates: list[ImportCandidate]
    notes: list[str]


@dataclass
class ImportOutcome:
    imported: list[HostProfile]
    skipped: dict[str, str]  # alias → why


# -- reading the files ---------------------------------------------------------


def split_args(text: str) -> list[str]:
    """Split like OpenSSH's argv_split: quotes group, backslash escapes, '#' starts a comment."""
    args: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n or text[i] == "#":
            break
        token: list[str] = []
        quote = None
        while i < n:
            c = text[i]
            if quote:
                if c == quote:
                    quote = None
                elif c == "\\" and i + 1 < n and text[i + 1] in (quote, "\\"):
                    i += 1
                    token.append(text[i])
                else:
                    token.append(c)
            elif c.isspace():
                break
            elif c in "\"'":
                quote = c
            elif c == "\\" and i + 1 < n and text[i + 1] in " \\\"'":
                i += 1
                token.append(text[i])
            else:
                token.append(c)
            i += 1
        if quote:
            raise ValueError("unterminated quote")
        args.append("".join(token))
    return args


class _Reader:
    def __init__(self, ssh_dir: Path) -> None:
        self.ssh_dir = ssh_dir
        self.notes: list[str] = []
        self.files = 0

    def read(self, path: Path, depth: int) -> list[_Item]:
        self.files += 1
        if self.files > MAX_FILES:
            self.notes.append(f"{path}: more than {MAX_FILES} files included; the rest were not read")
            return []
        try:
            if path.exists() and not path.is_file():
                # A FIFO or device would block or never end.
                self.notes.append(f"{path} is not a regular file; not read")
                return []
            if path.stat().st_size > MAX_FILE_BYTES:
                self.notes.append(f"{path}: larger than 1 MiB, not read")
                return []
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.notes.append(f"{path} does not exist")
            return []
        except (OSError, UnicodeDecodeError) as exc:
            self.notes.append(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})")
            return []
        items: list[_Item] = []
        for number, line in enumerate(text.splitlines(), 1):
            source = f"{path}:{number}"
            match = re.match(r"\s*([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+|$)(.*)$", line)
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not match:
                self.notes.append(f"{source}: cannot read this line; skipped")
                continue
            keyword, raw = match.group(1).lower(), match.group(2).strip()
            try:
                args = split_args(raw)
            except ValueError as exc:
                self.notes.append(f"{source}: {exc}; line skipped")
                continue
            if keyword in ("host", "match"):
                if keyword == "match" and [a.lower() for a in args] != ["all"]:
                    self.notes.append(f"{source}: Match blocks are not evaluated; its settings were skipped")
                items.append(_Item(keyword, keyword, args, raw, source))
            elif keyword == "include":
                items.append(_Item("include", keyword, args, raw, source, self._include(args, source, depth)))
            else:
                items.append(_Item("option", keyword, args, raw, source))
        return items

    def _include(self, args: list[str], source: str, depth: int) -> list[_Item]:
        if depth + 1 > MAX_INCLUDE_DEPTH:
            self.notes.append(f"{source}: Include nested more than {MAX_INCLUDE_DEPTH} deep; not followed")
            return []
        children: list[_Item] = []
        for arg in args:
            pattern = os.path.expanduser(arg)
            if not os.path.isabs(pattern):
                pattern = str(self.ssh_dir / pattern)  # as OpenSSH does for user configs
            matches = sorted(glob.glob(pattern))
            if not matches:
                self.notes.append(f"{source}: Include {arg} matched no file")
            for match in matches:
                if Path(match).is_file():
                    children.extend(self.read(Path(match), depth + 1))
        return children


def _host_matches(alias: str, patterns: list[str]) -> bool:
    """OpenSSH Host semantics: any positive pattern matches and no negated one does."""
    alias = alias.lower()
    matched = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lstrip("!").lower())
        if re.fullmatch(regex, alias, re.DOTALL):
            if negate:
                return False
            matched = True
    return matched


def _is_concrete(pattern: str) -> bool:
    return not any(c in pattern for c in "*?!") and bool(pattern)


def _walk(items: list[_Item], alias: str, found: dict[str, list[_Item]], never_match: bool = False) -> None:
    active = True
    for item in items:
        if item.kind == "host":
            active = not never_match and _host_matches(alias, item.args)
        elif item.kind == "match":
            active = not never_match and [a.lower() for a in item.args] == ["all"]
        elif item.kind == "include":
            # An Include in an inactive block can never activate (OpenSSH's SSHCONF_NEVERMATCH).
            _walk(item.children, alias, found, never_match or not active)
        elif active:
            if item.keyword in _MULTI or item.keyword not in found:
                found.setdefault(item.keyword, []).append(item)


def _aliases(items: list[_Item], out: dict[str, str]) -> None:
    for item in items:
        if item.kind == "host":
            for pattern in item.args:
                if _is_concrete(pattern):
                    out.setdefault(pattern, item.source)
        elif item.kind == "include":
            _aliases(item.children, out)


# -- turning settings into a profile ---------------------------------------------


def _expand(text: str, tokens: dict[str, str], notes: list[str], keyword: str) -> str:
    def token(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in tokens:
            return tokens[key]
        notes.append(f"{keyword}: the %{key} token was left as it is")
        return match.group(0)

    def env(match: re.Match[str]) -> str:
        value = os.environ.get(match.group(1))
        if value is None:
            notes.append(f"{keyword}: ${{{match.group(1)}}} is not set")
            return match.group(0)
        return value

    text = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", env, text)
    text = re.sub(r"%(.)", token, text)
    return os.path.expanduser(text)


def _split_hostport(text: str) -> tuple[str | None, str]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, rest.lstrip(":")
    for sep in ("/", ":"):
        if sep in text:
            host, _, port = text.rpartition(sep)
            return host, port
    return None, text


def _tunnel(keyword: str, args: list[str], notes: list[str]) -> Tunnel | None:
    label = {"localforward": "LocalForward", "remoteforward": "RemoteForward", "dynamicforward": "DynamicForward"}[keyword]
    try:
        tunnel = parse_config_forward(keyword, args)
    except ForwardSpecError as exc:
        notes.append(f"{label} {' '.join(args)}: {str(exc).split(': ', 1)[-1]}; not imported")
        return None
    if tunnel.bind not in ("localhost", "127.0.0.1", "::1"):
        where = "on the server" if tunnel.kind == "remote" else "here"
        notes.append(f"{label} on port {tunnel.local_port} listens on {tunnel.bind} {where}: other machines can reach it")
    return tunnel


def _candidate(alias: str, source: str, found: dict[str, list[_Item]], home: Path) -> ImportCandidate:
    notes: list[str] = []
    risks: list[str] = []
    profile = HostProfile(name=alias, host=alias)

    def first(keyword: str) -> list[str] | None:
        items = found.get(keyword)
        return items[0].args if items and items[0].args else None

    local_user = getpass.getuser()
    base = {"%": "%", "n": alias, "h": alias, "d": str(home), "u": local_user, "i": str(os.getuid()),
            "l": socket.gethostname().split(".")[0], "L": socket.gethostname().split(".")[0]}
    if args := first("hostname"):
        profile.host = _expand(args[0], {"%": "%", "h": alias}, notes, "HostName")
    if args := first("user"):
        profile.user = _expand(args[0], base, notes, "User")
    if args := first("port"):
        try:
            profile.port = parse_port(args[0])
        except TargetError as exc:
            notes.append(f"Port {args[0]!r}: {exc}")
            profile.port = 0  # makes problems() say so; the user fixes it before saving
    tokens = dict(base, h=profile.host, r=profile.user or local_user, p=str(profile.port))
    for item in found.get("identityfile", []):
        if item.args and item.args[0].lower() != "none":
            path = _expand(item.args[0], tokens, notes, "IdentityFile")
            if path not in profile.identity_files:
                profile.identity_files.append(path)
            if not Path(path).is_file():
                notes.append(f"identity file {path} does not exist")
    certificates = [_expand(i.args[0], tokens, notes, "CertificateFile") for i in found.get("certificatefile", []) if i.args]
    if certificates:
        profile.certificate_file = certificates[0]
        if len(certificates) > 1:
            notes.append(f"only the first CertificateFile was kept ({len(certificates)} given)")
    # ProxyJump and ProxyCommand compete: OpenSSH uses whichever it reads first.
    order = list(found)
    jump_first = "proxyjump" in found and ("proxycommand" not in found or order.index("proxyjump") < order.index("proxycommand"))
    if "proxyjump" in found and "proxycommand" in found:
        later = "ProxyCommand" if jump_first else "ProxyJump"
        notes.append(f"{later} is ignored: {'ProxyJump' if jump_first else 'ProxyCommand'} comes first, as OpenSSH reads it")
    if jump_first and (args := first("proxyjump")) and args[0].lower() != "none":
        _jump(args[0], profile, risks, notes)
    if (items := found.get("remotecommand")) and items[0].raw.lower() != "none":
        profile.remote_command = items[0].raw
    if args := first("requesttty"):
        profile.force_pty = args[0].lower() in ("yes", "force", "true")
    for keyword in _FORWARDS:
        for item in found.get(keyword, []):
            if tunnel := _tunnel(keyword, item.args, notes):
                profile.tunnels.append(tunnel)
    if args := first("serveraliveinterval"):
        if args[0].isascii() and args[0].isdigit() and int(args[0]) <= 86_400:
            profile.keepalive_interval = int(args[0])
    confirmations: list[str] = []
    if not jump_first and (args := first("proxycommand")) and args[0].lower() != "none":
        profile.proxy_command = proxy_command(found["proxycommand"][0].raw, alias, profile.host, confirmations, notes)
    if args := first("forwardagent"):
        profile.agent_forwarding = forward_agent(args[0], profile.host, notes)
    if args := first("stricthostkeychecking"):
        value = args[0].lower()
        if value in ("no", "off", "false"):
            risks.append("StrictHostKeyChecking no turns host-key checking off; the profile keeps policy \"ask\"")
        elif value in ("yes", "true"):
            profile.host_key_policy = "strict"
        elif value == "accept-new":
            profile.host_key_policy = "accept-new"
    if args := first("userknownhostsfile"):
        if any(a.lower() in ("/dev/null", "none") for a in args):
            risks.append(f"UserKnownHostsFile {' '.join(args)} hides changed host keys; sshdeck keeps checking known_hosts")
        else:
            notes.append(f"UserKnownHostsFile {' '.join(args)} is not used; sshdeck reads ~/.ssh/known_hosts and its own file")
    for keyword, what in _UNSUPPORTED.items():
        if keyword in found:
            notes.append(f"{found[keyword][0].source}: {what} are not supported by sshdeck; not imported")
    return ImportCandidate(
        alias, profile, source, risks, notes, profile.problems(check_files=False), confirmations=confirmations
    )


def _jump(value: str, profile: HostProfile, risks: list[str], notes: list[str]) -> None:
    if "," in value:
        risks.append(f"ProxyJump {value} has several hops; sshdeck supports one: set the jump host by hand")
        return
    try:
        target = parse_target(value)
    except TargetError as exc:
        notes.append(f"ProxyJump {value}: {exc}; not imported")
        return
    if target.path is not None:
        notes.append(f"ProxyJump {value}: not a host; not imported")
        return
    # An alias stays an alias: it names the profile imported from the same file.
    profile.jump_host = value if "://" not in value else str(target)


# -- the public steps ------------------------------------------------------------


def default_config_path() -> Path:
    return Path.home() / ".ssh" / "config"


def preview_ssh_config(
    path: Path | None = None, *, existing: list[HostProfile] | tuple[HostProfile, ...] = (), ssh_dir: Path | None = None
) -> ImportPreview:
    """Read an ssh_config and list its concrete Host aliases as candidate profiles; never raises for file contents."""
    path = Path(path) if path is not None else default_config_path()
    home = Path.home()
    reader = _Reader(Path(ssh_dir) if ssh_dir is not None else home / ".ssh")
    items = reader.read(path, 0)
    aliases: dict[str, str] = {}
    _aliases(items, aliases)
    candidates = []
    for alias, source in aliases.items():
        found: dict[str, list[_Item]] = {}
        _walk(items, alias, found)
        candidate = _candidate(alias, source, found, home)
        candidate.duplicate_of = find_duplicate(candidate.profile, existing)
        candidates.append(candidate)
    return ImportPreview(path, candidates, reader.notes)


def find_duplicate(profile: HostProfile, existing: list[HostProfile] | tuple[HostProfile, ...]) -> HostProfile | None:
    """An existing profile with the same name or the same user@host:port."""
    for other in existing:
        if other.name.casefold() == profile.name.casefold() or other.endpoint_key() == profile.endpoint_key():
            return other
    return None


def import_candidates(
    chosen: list[ImportCandidate],
    confirm_risky: set[str] | frozenset[str],
    existing: list[HostProfile] | tuple[HostProfile, ...] = (),
    *,
    group: str = "",
) -> ImportOutcome:
    """Profiles for the chosen candidates; risky ones only when their alias is in `confirm_risky`.

    Duplicates (of `existing` or of each other) and candidates whose profile is
    invalid are skipped with a reason; nothing is written here, the caller adds
    the profiles to the store and saves.
    """
    imported: list[HostProfile] = []
    skipped: dict[str, str] = {}
    for candidate in chosen:
        if candidate.problems:
            field_name, message = next(iter(candidate.problems.items()))
            skipped[candidate.alias] = f"cannot be imported as is ({field_name}: {message}); fix it in the editor"
            continue
        if candidate.risky and candidate.alias not in confirm_risky:
            skipped[candidate.alias] = "has risky settings; confirm them to import: " + "; ".join(
                candidate.confirmations + candidate.risks
            )
            continue
        duplicate = find_duplicate(candidate.profile, list(existing) + imported)
        if duplicate is not None:
            skipped[candidate.alias] = f"duplicate of the profile {duplicate.name!r} ({duplicate.endpoint})"
            continue
        profile = candidate.profile.duplicate(candidate.profile.name)
        profile.group = group
        lines = [f"Imported from {candidate.source} on {date.today().isoformat()}."]
        lines += [f"Confirmed at import: {item}" for item in candidate.confirmations]
        lines += [f"Not carried over: {risk}" for risk in candidate.risks]
        lines += [f"Note: {note}" for note in candidate.notes]
        # Paths and commands from the file may hold control characters; notes must not.
        profile.notes = _CONTROL.sub("?", "\n".join(lines))[:MAX_NOTES]
        imported.append(profile)
    return ImportOutcome(imported, skipped)
