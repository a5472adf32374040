"""One ssh_config alias's settings as a host profile, with the risks and notes the user must see.

:func:`candidate_for` maps what `ssh_config_read` collected for an alias
(HostName, User, Port, IdentityFile, CertificateFile, ProxyJump/ProxyCommand,
RemoteCommand, forwards, ForwardAgent, StrictHostKeyChecking...) onto a
:class:`HostProfile`, expanding OpenSSH's ``%`` tokens and ``${VAR}``; what
sshdeck cannot honour safely becomes a risk, what runs on this computer a
confirmation, the rest notes.
"""

from __future__ import annotations

import getpass
import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path

from sshdeck.core.hosts.profiles import HostProfile, Tunnel
from sshdeck.core.hosts.ssh_config_proxy import forward_agent, proxy_command
from sshdeck.core.hosts.ssh_config_read import FORWARD_KEYWORDS, ConfigItem
from sshdeck.core.hosts.targets import TargetError, parse_port, parse_target
from sshdeck.core.tunnels.spec import ForwardSpecError, parse_config_forward

_UNSUPPORTED = {
    "localcommand": "local commands",
}


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


def candidate_for(alias: str, source: str, found: dict[str, list[ConfigItem]], home: Path) -> ImportCandidate:
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
    for keyword in FORWARD_KEYWORDS:
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
