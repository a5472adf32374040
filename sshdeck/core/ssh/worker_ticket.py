"""What a worker process needs to open one more connection to a session's host, and opening it there.

A big file can be copied partly by a worker process (core/transfer/procpool.py),
which has its own interpreter and so its own core for the packet crypto.  It
connects to the very host and account the parent is logged in to, and trusts
nothing the parent did not verify:

- the host key: the ticket carries the ONE key the parent's connection was
  verified with; the worker's known_hosts is that key alone (policy strict:
  nothing is asked, nothing is saved), and after the login the key the server
  used is compared again.  Another key refuses the connection;
- logging in: key files and certificates are read again from their paths, the
  agent is asked again; keys the parent already decrypted with a passphrase
  travel inside the ticket (unencrypted, over the pipe only), and so do the
  passwords and keyboard-interactive answers kept in the session's
  `LoginSecrets` (replayed, never asked);
- jump hosts and host certificates: not handled (`ticket_for` says None, the
  parent copies alone).

The ticket is a JSON-able dict written to the worker's stdin: never argv, the
environment, a file or a log.  Its `repr` is never taken (it holds secrets).
"""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path
from typing import Any

import asyncssh

from sshdeck.core.ssh.client_keys import KeyCache
from sshdeck.core.ssh.connect import Connected, _attempt_once
from sshdeck.core.ssh.connect_errors import ConnectError
from sshdeck.core.ssh.connect_spec import ConnectSpec, resolve_target
from sshdeck.core.ssh.login_secrets import LoginSecrets
from sshdeck.core.trust.check import TrustPolicy
from sshdeck.core.trust.gate import HostKeyGate, host_key_algorithms
from sshdeck.core.trust.fingerprint import openssh_key_line
from sshdeck.core.trust.known_hosts import KnownHosts, KnownHostsRef, lookup_name, parse_line

Ticket = dict[str, Any]


def ticket_for(session, secrets: LoginSecrets | None = None) -> Ticket | None:
    """A ticket for one more connection like `session`'s, or None when a worker cannot log in like it."""
    if not session.connected or session.target is None:
        return None
    target = session.target
    if target.jump:
        return None  # each hop's key would have to travel too: the parent copies alone
    key = session.connection.get_server_host_key()
    if key is None or isinstance(key, asyncssh.SSHCertificate):
        return None  # GSS key exchange (no key) or a host certificate (judged by its CA): not pinned here
    auth = session.auth
    by_secret = {"password", "keyboard-interactive"} & set(auth.methods_tried if auth else ())
    if by_secret and session.login_key_fingerprint is None and (secrets is None or secrets.empty):
        return None  # the login needs a password that was not kept
    spec = dataclasses.replace(session.spec, policy=TrustPolicy.STRICT, agent_forwarding=False,
                               remote_command=None, force_pty=False)
    return {
        "spec": _spec_out(spec),
        "host_key": openssh_key_line(key),
        "keys": _keys_out(session._key_cache),  # noqa: SLF001 - the decrypted keys, as bulk.py reuses them
        "secrets": secrets.export() if secrets is not None else None,
    }


async def connect_ticket(ticket: Ticket) -> Connected:
    """In the worker: the connection the ticket describes, or ConnectError (host key differs, login refused…)."""
    spec = _spec_in(ticket["spec"])
    try:
        target = resolve_target(spec)
    except (ValueError, OSError) as exc:
        raise ConnectError("config", f"cannot use the settings for {spec.host}: {exc}") from None
    if target.jump:
        raise ConnectError("config", "a worker does not connect through jump hosts")
    verified = asyncssh.import_public_key(ticket["host_key"])
    line = f"{lookup_name(target.trust_name, target.port)} {ticket['host_key']}"
    entry = parse_line(line, KnownHostsRef(Path("<the parent's verified key>"), 1))
    known = KnownHosts(entries=[entry] if entry is not None else [])
    gate = HostKeyGate(known)
    algs = host_key_algorithms(known, target.trust_name, target.port, plain_only=True)
    secrets = LoginSecrets.imported(ticket.get("secrets"))
    callbacks = dataclasses.replace(secrets.replaying(), server_text=_ignore)
    try:
        connected = await _attempt_once(spec, target, gate, algs, True, callbacks, _keys_in(ticket.get("keys")), None)
    except asyncssh.HostKeyNotVerifiable:
        raise ConnectError("host-key", "the host offered another host key than the one verified") from None
    used = connected.conn.get_server_host_key()
    if used is None or used.public_data != verified.public_data:
        await connected.close()
        raise ConnectError("host-key", "the host offered another host key than the one verified")
    return connected


def _ignore(_text: object) -> None:
    return None


def _spec_out(spec: ConnectSpec) -> dict[str, Any]:
    out = {}
    for item in dataclasses.fields(spec):
        value = getattr(spec, item.name)
        out[item.name] = value.value if isinstance(value, TrustPolicy) else list(value) if isinstance(value, tuple) else value
    return out


def _spec_in(data: dict[str, Any]) -> ConnectSpec:
    names = {item.name for item in dataclasses.fields(ConnectSpec)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
    values["policy"] = TrustPolicy.STRICT
    return ConnectSpec(**values)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _keys_out(cache: KeyCache) -> list[list[Any]]:
    """[path, [[private key, certificate or None], ...]] for every key file already read (decrypted)."""
    out = []
    for path, batch in cache.items():
        entries = []
        for item in batch:
            key, cert = item if isinstance(item, tuple) else (item, None)
            entries.append([_b64(key.export_private_key("openssh")),
                            _b64(cert.export_certificate()) if cert is not None else None])
        out.append([path, entries])
    return out


def _keys_in(data: list[list[Any]] | None) -> KeyCache:
    cache: KeyCache = {}
    for path, entries in data or []:
        batch: list[Any] = []
        for key_text, cert_text in entries:
            key = asyncssh.import_private_key(base64.b64decode(key_text))
            batch.append((key, asyncssh.import_certificate(base64.b64decode(cert_text))) if cert_text else key)
        cache[path] = batch
    return cache
