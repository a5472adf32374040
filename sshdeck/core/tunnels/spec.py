"""Forward specs as OpenSSH writes them: `[BIND:]PORT:HOST:HOSTPORT` (-L/-R) and `[BIND:]PORT` (-D).

ssh_config's `LocalForward [bind:]port host:hostport` is the same text with a
space for the middle colon; IPv6 addresses go in brackets (`[::1]:8080`).
"""

from __future__ import annotations

from sshdeck.core.hosts.profiles import DEFAULT_BIND, Tunnel

KIND_FLAGS = {"local": "-L", "remote": "-R", "dynamic": "-D"}


class ForwardSpecError(ValueError):
    """A forward spec that cannot be used; the message names it."""


def _split(text: str) -> list[str]:
    """Split on colons outside [brackets]."""
    parts: list[str] = []
    current = ""
    depth = 0
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == ":" and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return [p[1:-1] if p.startswith("[") and p.endswith("]") else p for p in parts]


def _port(text: str, label: str, spec: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise ForwardSpecError(f"{spec!r}: {label} {text!r} is not a port number (1-65535)")
    return int(text)


def parse_forward(kind: str, text: str) -> Tunnel:
    """A :class:`Tunnel` of `kind` ("local", "remote", "dynamic") from its command-line text."""
    flag = KIND_FLAGS[kind]
    spec = f"{flag} {text}"
    parts = _split(text.strip())
    if kind == "dynamic":
        if len(parts) not in (1, 2):
            raise ForwardSpecError(f"{spec!r}: expected [BIND:]PORT")
        bind = parts[0] if len(parts) == 2 else DEFAULT_BIND
        tunnel = Tunnel(name=f"SOCKS {parts[-1]}", kind=kind, bind=bind or DEFAULT_BIND, local_port=_port(parts[-1], "port", spec))
    else:
        if len(parts) not in (3, 4):
            raise ForwardSpecError(f"{spec!r}: expected [BIND:]PORT:HOST:HOSTPORT")
        bind = parts[0] if len(parts) == 4 else DEFAULT_BIND
        port, host, host_port = parts[-3:]
        if not host:
            raise ForwardSpecError(f"{spec!r}: no destination host")
        tunnel = Tunnel(
            name=f"{host}:{host_port}"[:100],
            kind=kind,
            bind=bind or DEFAULT_BIND,
            local_port=_port(port, "port", spec),
            remote_host=host,
            remote_port=_port(host_port, "destination port", spec),
        )
    if bind == "*":
        tunnel.bind = "0.0.0.0"
    problems = tunnel.problems()
    if problems:
        raise ForwardSpecError(f"{spec!r}: {next(iter(problems.values()))}")
    return tunnel


def parse_config_forward(keyword: str, args: list[str]) -> Tunnel:
    """LocalForward / RemoteForward / DynamicForward arguments from ssh_config."""
    kind = {"localforward": "local", "remoteforward": "remote", "dynamicforward": "dynamic"}[keyword.lower()]
    if any(a.startswith(("/", "~")) for a in args):
        raise ForwardSpecError("only port forwards are supported (not Unix sockets)")
    if kind == "dynamic" and len(args) != 1:
        raise ForwardSpecError("expected [bind:]port")
    if kind != "dynamic" and len(args) != 2:
        raise ForwardSpecError("expected [bind:]port host:hostport")
    return parse_forward(kind, ":".join(args).replace("/", ":") if kind != "dynamic" else args[0])
