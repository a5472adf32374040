"""Opening one authenticated SSH connection, with the host-key decision in the middle.

The flow (asyncssh cannot await a dialog inside its handshake):

1. connect with a gate that trusts only what is already trusted; anything else
   fails the handshake *before authentication*, so no password or key has
   been offered to an untrusted server;
2. classify the refused key; changed and revoked keys stop here;
3. ask `decide_host_key` (or apply accept-new / strict), save if asked to;
4. reconnect trusting exactly the accepted key.

A host certificate from an unknown CA falls back to the server's plain key, as
OpenSSH does, and the prompt names the CA.  Jump hosts are connected first by
this same function, so every hop gets the same checks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

from sshdeck.core.ssh.auth import AuthRecord, ConnectCallbacks, escape_server_text
from sshdeck.core.ssh.client_keys import KeyCache, KeyOffer
from sshdeck.core.ssh.connect_errors import AuthenticationFailed, ConnectError, HostKeyRefused, describe
from sshdeck.core.ssh.connect_spec import WINDOW_SIZE, ConnectSpec, ResolvedTarget, cipher_list, resolve_target
from sshdeck.core.ssh.login_client import LoginClient, StallTimer
from sshdeck.core.hosts.targets import TargetError, parse_target
from sshdeck.core.trust.check import (
    HostKeyCheck,
    HostKeyDecision,
    HostKeyStatus,
    TrustPolicy,
    classify_host_key,
    normalise_pins,
)
from sshdeck.core.trust.gate import HostKeyGate, host_key_algorithms
from sshdeck.core.trust.known_hosts import KnownHosts, TrustStore, lookup_name
from sshdeck.core.trust.messages import refusal_line

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
# Keys the user accepted ("once" or saved), per (trust name, port), for this session.
AcceptedKeys = dict[tuple[str, int], asyncssh.SSHKey]


@dataclass
class Connected:
    """An authenticated connection and what was learned opening it."""

    conn: asyncssh.SSHClientConnection
    target: ResolvedTarget
    host_key: HostKeyCheck | None
    auth: AuthRecord
    client: LoginClient
    jumps: list["Connected"] = field(default_factory=list)

    async def close(self) -> None:
        self.client.closing = True
        self.conn.close()
        await self.conn.wait_closed()
        for hop in reversed(self.jumps):
            await hop.close()


async def open_connection(
    spec: ConnectSpec,
    callbacks: ConnectCallbacks,
    *,
    trust: TrustStore,
    accepted: AcceptedKeys | None = None,
    key_cache: KeyCache | None = None,
    tunnel: asyncssh.SSHClientConnection | None = None,
) -> Connected:
    """Connect, check the host key (asking if needed), authenticate; ConnectError on failure."""
    accepted = {} if accepted is None else accepted
    key_cache = {} if key_cache is None else key_cache
    try:
        target = resolve_target(spec)
        pins = normalise_pins(spec.pinned_fingerprints)
    except (ValueError, OSError) as exc:
        raise ConnectError("config", f"cannot use the settings for {spec.host}: {exc}") from None
    jumps: list[Connected] = []
    try:
        if tunnel is None and target.jump:
            for hop in _jump_specs(target.jump, spec):
                previous = jumps[-1].conn if jumps else None
                jumps.append(
                    await open_connection(
                        hop, callbacks, trust=trust, accepted=accepted, key_cache=key_cache, tunnel=previous
                    )
                )
            tunnel = jumps[-1].conn
        connected = await _connect_checked(spec, target, pins, callbacks, trust, accepted, key_cache, tunnel)
    except BaseException:
        for hop in reversed(jumps):
            await hop.close()
        raise
    connected.jumps = jumps
    return connected


def _jump_specs(jump: str, spec: ConnectSpec) -> list[ConnectSpec]:
    hops = []
    for text in jump.split(","):
        try:
            hop = parse_target(text.strip())
        except TargetError as exc:
            raise ConnectError("config", f"bad jump host {text.strip()!r}: {exc}") from None
        # jump="none": each hop is reached through the previous one, as ProxyJump lists them.
        # The profile's keys are offered to the hops too (after the hop's own ssh_config ones).
        hops.append(
            ConnectSpec(
                host=hop.host, port=hop.port, user=hop.user, jump="none", policy=spec.policy,
                identity_files=spec.identity_files, certificate_file=spec.certificate_file,
                ssh_config=spec.ssh_config, connect_timeout=spec.connect_timeout,
                use_agent=spec.use_agent, agent_path=spec.agent_path,
            )
        )
    return hops


async def _connect_checked(
    spec: ConnectSpec,
    target: ResolvedTarget,
    pins: tuple[str, ...],
    callbacks: ConnectCallbacks,
    trust: TrustStore,
    accepted: AcceptedKeys,
    key_cache: KeyCache,
    tunnel: asyncssh.SSHClientConnection | None,
) -> Connected:
    trust_key = (target.trust_name.lower(), target.port)
    untrusted_ca: HostKeyCheck | None = None
    plain_only = bool(pins)
    for _ in range(MAX_ATTEMPTS):
        known = _load_known(trust, target)
        gate = HostKeyGate(known, pins, accepted.get(trust_key))
        if untrusted_ca is not None:
            gate.note_untrusted_ca(untrusted_ca)
        algs = host_key_algorithms(known, target.trust_name, target.port, plain_only=plain_only)
        try:
            return await _attempt_once(spec, target, gate, algs, plain_only, callbacks, key_cache, tunnel)
        except asyncssh.HostKeyNotVerifiable as exc:
            check = gate.refused or await _probe_refusal(exc, spec, target, known, tunnel)
        if check.status == HostKeyStatus.CERT_UNTRUSTED_CA and not plain_only:
            # OpenSSH's fallback: an unknown CA's certificate is judged by its plain key.
            untrusted_ca, plain_only = check, True
            continue
        accepted[trust_key] = await _decide(check, spec, callbacks, trust)
    raise ConnectError("host-key", f"{lookup_name(target.trust_name, target.port)} offered a different host key on every attempt")


def _load_known(trust: TrustStore, target: ResolvedTarget) -> KnownHosts:
    if not target.known_hosts_files:
        return trust.load()
    files = trust.files() + [Path(p) for p in target.known_hosts_files if Path(p) not in trust.files()]
    return KnownHosts.load(files)


async def _attempt_once(
    spec: ConnectSpec,
    target: ResolvedTarget,
    gate: HostKeyGate,
    algs: list[str],
    plain_only: bool,
    callbacks: ConnectCallbacks,
    key_cache: KeyCache,
    tunnel: asyncssh.SSHClientConnection | None,
) -> Connected:
    record = AuthRecord()
    timer = StallTimer(target.connect_timeout)
    keys = KeyOffer(
        identity_files=target.identity_files,
        certificate_files=target.certificate_files,
        agent_path=target.agent_path,
        identities_only=target.identities_only,
        callbacks=callbacks,
        record=record,
        cache=key_cache,
        user_waits=timer.user_waits,
    )
    client = LoginClient(
        gate=gate, keys=keys, callbacks=callbacks, record=record, timer=timer,
        user=target.user, host=target.host, port=target.port,
        preferred_auth=list(spec.preferred_auth) if spec.preferred_auth else None, gss=bool(target.gss_auth),
    )
    options = _connect_options(spec, target, algs, plain_only)
    try:
        conn = await timer.run(
            asyncssh.connect(
                spec.host,
                spec.port or (),
                tunnel=tunnel,
                config=spec.config_paths() or None,
                client_factory=lambda: client,
                known_hosts=gate.known_hosts_lists,
                **options,
            )
        )
    except asyncssh.HostKeyNotVerifiable:
        raise
    except asyncssh.PermissionDenied:
        if tunnel is not None:
            # Through a jump host the server sees the jump host's address, not ours.
            record.local_address = None
        raise AuthenticationFailed(target.user, target.host, record) from None
    except BaseException as exc:
        keys.close()
        if isinstance(exc, Exception):
            error = describe(exc, target.host, target.port)
            if target.proxy_command and error.kind in ("lost", "unreachable", "refused", "timeout"):
                # The command, not the network, is the first suspect.
                command = escape_server_text(target.proxy_command, keep_newlines=False)
                error = ConnectError(error.kind, f"{error.message} (through ProxyCommand `{command}`)")
            raise error from None
        raise
    finally:
        keys.close()
    log.info("connected to %s@%s port %d (auth: %s)", target.user, target.host, target.port, ", ".join(record.methods_tried) or "none")
    return Connected(conn, target, gate.check, record, client)


def _connect_options(spec: ConnectSpec, target: ResolvedTarget, algs: list[str], plain_only: bool) -> dict[str, Any]:
    options: dict[str, Any] = {
        "username": spec.user or (),
        # Keys and the agent are offered by LoginClient, lazily; None here also
        # stops asyncssh from loading ~/.ssh/id_* or asking the agent by itself.
        "client_keys": None,
        "agent_path": None,
        # Forwarding is asked for per profile (off by default); the path is the agent to forward.
        "agent_forwarding": target.forward_agent_path or False,
        # None also stops asyncssh from running ssh_config's ProxyCommand behind our back.
        "proxy_command": target.proxy_command,
        "host_based_auth": False,
        "gss_auth": target.gss_auth,
        "gss_kex": target.gss_auth,
        "x509_trusted_certs": None,
        "connect_timeout": None,
        "window": WINDOW_SIZE,
    }
    if not target.ciphers_configured:
        options["encryption_algs"] = cipher_list()
    if not target.host_key_algs_configured or plain_only:
        options["server_host_key_algs"] = algs
    if spec.preferred_auth:
        options["preferred_auth"] = list(spec.preferred_auth)
    if spec.keepalive_interval is not None:
        options["keepalive_interval"] = spec.keepalive_interval
    if spec.keepalive_count_max is not None:
        options["keepalive_count_max"] = spec.keepalive_count_max
    return options


async def _probe_refusal(
    exc: asyncssh.HostKeyNotVerifiable,
    spec: ConnectSpec,
    target: ResolvedTarget,
    known: KnownHosts,
    tunnel: asyncssh.SSHClientConnection | None,
) -> HostKeyCheck:
    """asyncssh refused on its own (a revoked key, an invalid certificate): find out which key."""
    reason = str(exc)
    if "revoked" not in reason.lower():
        reason = escape_server_text(reason, keep_newlines=False)
        raise ConnectError("host-key", f"host certificate for {target.host} port {target.port} rejected: {reason}")
    try:
        key = await asyncssh.get_server_host_key(
            spec.host, spec.port or (), tunnel=tunnel, config=spec.config_paths() or None,
            proxy_command=target.proxy_command,
            server_host_key_algs=host_key_algorithms(known, target.trust_name, target.port, plain_only=True),
        )
    except (OSError, asyncssh.Error):
        key = None
    check = classify_host_key(known, target.trust_name, target.port, key) if key is not None else None
    if check is not None and check.status == HostKeyStatus.REVOKED:
        return check
    # The certificate's CA or its key is revoked; report the verdict we have.
    return HostKeyCheck(HostKeyStatus.REVOKED, target.trust_name, target.port, "", key)


async def _decide(
    check: HostKeyCheck, spec: ConnectSpec, callbacks: ConnectCallbacks, trust: TrustStore
) -> asyncssh.SSHKey:
    """Apply the policy (and the user's answer) to a key that is not trusted yet."""
    if not check.may_ask or check.key is None:
        raise HostKeyRefused(check)
    if spec.policy == TrustPolicy.STRICT:
        raise HostKeyRefused(check, f"host key rejected: {refusal_line(check)}; the host's policy is strict")
    if spec.policy == TrustPolicy.ACCEPT_NEW:
        decision = HostKeyDecision.TRUST_AND_SAVE
    elif callbacks.decide_host_key is None:
        raise HostKeyRefused(check, f"host key rejected: {refusal_line(check)}; no one can be asked to trust it")
    else:
        decision = await callbacks.decide_host_key(check)
    if decision == HostKeyDecision.TRUST_AND_SAVE:
        ref = trust.save(check.host, check.port, check.key)
        callbacks.tell(f"saved the {check.key_type} host key {check.fingerprint} for {check.name} to {ref}")
    elif decision == HostKeyDecision.ONCE:
        log.info("host key %s for %s accepted for this session only", check.fingerprint, check.name)
    else:
        raise HostKeyRefused(check, f"host key rejected by the user: {refusal_line(check)}", asked=True)
    return check.key
