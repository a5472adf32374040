"""Quick-connect addresses: what the user types in the bar or on the command line.

Accepted forms::

    host                      example.com, 192.0.2.7, [2001:db8::1]
    user@host
    user@host:port            digits only after the colon: a port
    user@host:path            anything else after the colon: a remote path (as scp)
    sftp://user@host:port/path   (also ssh://, without a path)

How the colon is read, and why:

* ``host:22`` is a **port**.  scp would read it as a file named "22", but the
  quick-connect bar is for connecting, and ``user@host:port`` is what users
  type.  A remote file whose name is only digits is written ``host:./22``.
* ``host:dir`` and ``host:/srv/x`` are **paths**, exactly as scp reads them:
  ``dir`` is relative to the remote home folder, ``/srv/x`` is absolute.
  ``host:`` (nothing after the colon) means the home folder (path None).
* ``host:2222:/srv`` is refused with a hint: scp would take ``2222:/srv`` as a
  path, which is almost never what was meant.  Use ``sftp://host:2222/srv``.
* In ``sftp://`` URLs the path after the host's slash is taken as OpenSSH's
  ``sftp`` takes it: ``sftp://h/dir`` is ``dir`` in the home folder and
  ``sftp://h//srv`` is the absolute ``/srv``.  User and path are
  percent-decoded.  A password (``user:pw@``) is refused: sshdeck asks for it.
* The user is everything before the **last** ``@`` of the host part, as ssh
  does, so ``me@corp@host`` is user ``me@corp``.
* IPv6 addresses need brackets when a port or path follows (``[::1]:2222``);
  a bare address such as ``fe80::1`` is recognised as a whole.

Every refusal is a :class:`TargetError` (a ``ValueError``) whose message names
the problem, for the bar to show as it is.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

PORT_MESSAGE = "port must be a number between 1 and 65535"
MAX_HOST_LENGTH = 253
MAX_USER_LENGTH = 255
MAX_PATH_LENGTH = 4096

# Characters that are never part of a host name or address; ssh would pass some
# of them on to the resolver or a shell (ProxyCommand %h), sshdeck refuses them.
_HOST_FORBIDDEN = set(" \t/\\@:[]<>'\"`$;|&(){}*?!,#=+~^%")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class TargetError(ValueError):
    """A quick-connect address that cannot be used; the message says why."""


@dataclass(frozen=True)
class Target:
    """Where to connect: user and port None mean "the default" (profile, ssh_config, 22)."""

    host: str
    user: str | None = None
    port: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        return format_target(self)


# -- field checks shared with profiles.py ---------------------------------------


def has_control_chars(text: str) -> bool:
    """True when `text` holds a control character (terminal escapes included)."""
    return bool(_CONTROL.search(text))


def is_ipv6(text: str) -> bool:
    """True for an IPv6 address without brackets, zone id allowed (fe80::1%eth0)."""
    if ":" not in text:
        return False
    address, _, zone = text.partition("%")
    if "%" in text and (not zone or has_control_chars(zone) or " " in zone):
        return False
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return True


def host_problem(host: str) -> str | None:
    """Why `host` is not a usable host name or address, or None when it is."""
    if not host:
        return "host name is empty"
    if len(host) > MAX_HOST_LENGTH:
        return f"host name is longer than {MAX_HOST_LENGTH} characters"
    if is_ipv6(host):
        return None
    if has_control_chars(host):
        return "host name contains a control character"
    if host.startswith("-"):
        # ssh would read it as an option.
        return "host name must not start with '-'"
    if any(c.isspace() for c in host):
        return "host name must not contain spaces"
    bad = sorted(set(host) & _HOST_FORBIDDEN)
    if bad:
        shown = " ".join(repr(c) for c in bad)
        return f"host name must not contain {shown}"
    return None


def user_problem(user: str) -> str | None:
    """Why `user` is not a usable remote user name, or None when it is."""
    if not user:
        return "user name is empty"
    if len(user) > MAX_USER_LENGTH:
        return f"user name is longer than {MAX_USER_LENGTH} characters"
    if has_control_chars(user):
        return "user name contains a control character"
    if user.startswith("-"):
        return "user name must not start with '-'"
    if any(c.isspace() for c in user):
        return "user name must not contain spaces"
    bad = sorted(set(user) & set(":[]"))
    if bad:
        return f"user name must not contain {' '.join(repr(c) for c in bad)}"
    return None


def parse_port(value: object) -> int:
    """An int port from an int or a string of digits; TargetError otherwise."""
    if isinstance(value, bool):
        raise TargetError(PORT_MESSAGE)
    if isinstance(value, str):
        text = value.strip()
        # isdigit() accepts other scripts' digits; ports are ASCII.
        if not text or len(text) > 5 or not (text.isascii() and text.isdigit()):
            raise TargetError(PORT_MESSAGE)
        value = int(text)
    if not isinstance(value, int) or not 1 <= value <= 65535:
        raise TargetError(PORT_MESSAGE)
    return value


def path_problem(path: str) -> str | None:
    """Why `path` cannot be a remote path, or None."""
    if len(path) > MAX_PATH_LENGTH:
        return f"path is longer than {MAX_PATH_LENGTH} characters"
    if has_control_chars(path):
        return "path contains a control character"
    return None


# -- parsing -------------------------------------------------------------------

_URL_SCHEMES = ("sftp", "ssh")


def parse_target(text: str) -> Target:
    """Read a quick-connect address (see the module docstring for the forms)."""
    if not isinstance(text, str):
        raise TargetError("address must be text")
    text = text.strip()
    if not text:
        raise TargetError("host name is empty")
    if len(text) > MAX_HOST_LENGTH + MAX_USER_LENGTH + MAX_PATH_LENGTH * 3 + 32:
        raise TargetError("address is too long")
    scheme, sep, rest = text.partition("://")
    if sep and scheme.lower() in _URL_SCHEMES:
        return _parse_url(scheme.lower(), rest)
    if sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        raise TargetError(f"'{scheme}://' addresses are not supported; use sftp:// or user@host")
    return _parse_scp_like(text)


def _split_user(authority: str) -> tuple[str | None, str]:
    user, at, host = authority.rpartition("@")
    if not at:
        return None, authority
    if user == "":
        raise TargetError("user name is empty")
    return user, host


def _check(user: str | None, host: str, port: int | None, path: str | None) -> Target:
    if user is not None and (problem := user_problem(user)):
        raise TargetError(problem)
    if problem := host_problem(host):
        raise TargetError(problem)
    if path is not None and (problem := path_problem(path)):
        raise TargetError(problem)
    return Target(host=host, user=user, port=port, path=path)


def _parse_scp_like(text: str) -> Target:
    # The host part ends at the first ':' (or '[' of an IPv6 address), as in
    # scp's colon(); user names cannot hold ':' or '[', host names cannot hold
    # '@', so the user is everything before the last '@' ahead of that point.
    stops = [i for i in (text.find(":"), text.find("[")) if i >= 0]
    host_end = min(stops) if stops else len(text)
    at = text.rfind("@", 0, host_end)
    user: str | None = None
    rest = text
    if at >= 0:
        user, rest = text[:at], text[at + 1 :]
        if user == "":
            raise TargetError("user name is empty")
    elif ":" in text and not is_ipv6(text):
        # "me:secret@host" would otherwise be host "me", path "secret@host".
        after = text[text.index(":") + 1 :]
        if "@" in after.split("/", 1)[0]:
            raise TargetError(
                "passwords in the address are not accepted (sshdeck asks for them); "
                "for a file name with '@' write host:./name"
            )
    if is_ipv6(rest):
        return _check(user, rest, None, None)
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            raise TargetError("missing ']' after the IPv6 address")
        host = rest[1:close]
        if not is_ipv6(host):
            raise TargetError(f"'{host}' is not an IPv6 address")
        after = rest[close + 1 :]
        if after and not after.startswith(":"):
            raise TargetError("expected ':' after ']'")
        port, path = _port_or_path(after[1:]) if after else (None, None)
        return _check(user, host, port, path)
    host, colon, after = rest.partition(":")
    port, path = _port_or_path(after) if colon else (None, None)
    return _check(user, host, port, path)


def _port_or_path(after: str) -> tuple[int | None, str | None]:
    if after == "":
        return None, None
    if after.isascii() and after.isdigit():
        return parse_port(after), None
    head, colon, _ = after.partition(":")
    if colon and head.isascii() and head.isdigit() and "/" not in head:
        raise TargetError("to give both a port and a path, write sftp://user@host:PORT/path")
    return None, after


def _parse_url(scheme: str, rest: str) -> Target:
    authority, slash, raw_path = rest.partition("/")
    if any(c in authority for c in "?#"):
        raise TargetError("'?' and '#' are not allowed in the address")
    user: str | None = None
    at = authority.rfind("@")
    if at >= 0:
        raw_user, authority = authority[:at], authority[at + 1 :]
        if ";" in raw_user:
            raise TargetError("connection parameters (';…') in the address are not supported")
        if ":" in raw_user:
            raise TargetError("passwords in the address are not accepted (sshdeck asks for them)")
        user = _decode(raw_user, "user name")
        if user == "":
            raise TargetError("user name is empty")
    port: int | None = None
    if authority.startswith("["):
        close = authority.find("]")
        if close < 0:
            raise TargetError("missing ']' after the IPv6 address")
        host = _decode(authority[1:close], "host name")
        if not is_ipv6(host):
            raise TargetError(f"'{host}' is not an IPv6 address")
        tail = authority[close + 1 :]
        if tail and not tail.startswith(":"):
            raise TargetError("expected ':' after ']'")
        if tail:
            port = parse_port(tail[1:])
    else:
        host_text, colon, port_text = authority.partition(":")
        host = _decode(host_text, "host name")
        if colon:
            port = parse_port(port_text)
    path: str | None = _decode(raw_path, "path") if slash and raw_path else None
    if scheme == "ssh" and path is not None:
        raise TargetError("ssh:// addresses take no path; use sftp://")
    return _check(user, host, port, path)


def _decode(text: str, what: str) -> str:
    if re.search(r"%(?![0-9A-Fa-f]{2})", text):
        raise TargetError(f"{what} has a '%' that is not followed by two hex digits")
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        raise TargetError(f"{what} is not valid UTF-8 after percent-decoding") from None


# -- formatting ----------------------------------------------------------------


def format_target(target: Target) -> str:
    """The shortest address that :func:`parse_target` reads back as `target`."""
    host = f"[{target.host}]" if ":" in target.host else target.host
    user = target.user
    path = target.path
    # The short form cannot say: a user with '/', a path made of digits (it
    # would read as a port), a path with a leading "digits:" or both port and path.
    if path == "":
        path = None  # the home folder, like "host:"
    needs_url = path is not None and (
        target.port is not None
        or _looks_like_port(path)
        or "@" in path  # would read as "user:password@host"
        or path != path.strip()
    )
    if not needs_url:
        prefix = f"{user}@" if user is not None else ""
        if target.port is not None:
            return f"{prefix}{host}:{target.port}"
        if path is not None:
            return f"{prefix}{host}:{path}"
        if is_ipv6(target.host):
            return f"{prefix}{target.host}"
        return f"{prefix}{host}"
    text = "sftp://"
    if user is not None:
        text += quote(user, safe="") + "@"
    text += host if ":" in target.host else quote(target.host, safe="")
    if target.port is not None:
        text += f":{target.port}"
    if path is not None:
        text += "/" + quote(path, safe="/~")
    return text


def connection_label(target: Target) -> str:
    """How a connection made from `target` is named on screen, never with its path.

    `alias`, `host`, `user@host` or `user@host:port` (IPv6 in brackets):
    pane headers and dialogs add `:/path` to it exactly once.
    """
    host = f"[{target.host}]" if ":" in target.host else target.host
    text = f"{target.user}@{host}" if target.user else host
    if target.port is not None and target.port != 22:
        text += f":{target.port}"
    return text


def _looks_like_port(path: str) -> bool:
    head, _, _ = path.partition(":")
    return head.isascii() and head.isdigit() and "/" not in head
