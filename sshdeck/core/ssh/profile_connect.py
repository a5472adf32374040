"""From a saved host profile to a ConnectSpec, so every entry point connects the same way.

The sidebar, quick connect (when the name is a profile) and `sshdeck ls
alias:path` all turn a `HostProfile` into the spec the session manager takes.
A jump host naming another profile becomes that profile's `user@host:port`.
"""

from __future__ import annotations

import dataclasses

from sshdeck.core.ssh.connect_spec import DEFAULT_SSH_CONFIG, ConnectSpec
from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.core.hosts.targets import Target
from sshdeck.core.trust.check import TrustPolicy


def jump_address(profile: HostProfile, store: ProfileStore | None) -> str | None:
    """The profile's jump host as `user@host:port` (resolving a profile name), or None."""
    jump = profile.jump_host.strip()
    if not jump:
        return None
    other = store.find_by_name(jump) if store is not None else None
    if other is None or other.id == profile.id:
        return jump
    host = f"[{other.host}]" if ":" in other.host else other.host
    user = f"{other.user}@" if other.user else ""
    return f"{user}{host}:{other.port}"


# A profile's auth methods, in its order, as SSH method names (agent and key files are both publickey).
_SSH_METHOD = {"agent": "publickey", "key": "publickey", "password": "password",
               "keyboard-interactive": "keyboard-interactive"}


def preferred_auth(methods: list[str]) -> tuple[str, ...]:
    order: list[str] = []
    for method in methods:
        name = _SSH_METHOD.get(method)
        if name and name not in order:
            order.append(name)
    return tuple(order)


def spec_from_profile(
    profile: HostProfile,
    store: ProfileStore | None = None,
    *,
    ssh_config: str | None = DEFAULT_SSH_CONFIG,
) -> ConnectSpec:
    """The ConnectSpec for a saved profile (ssh_config still fills in what it leaves out)."""
    try:
        policy = TrustPolicy(profile.host_key_policy or "ask")
    except ValueError:
        policy = TrustPolicy.ASK
    return ConnectSpec(
        host=profile.host,
        port=profile.port or None,
        user=profile.user or None,
        identity_files=tuple(profile.identity_files),
        certificate_file=profile.certificate_file or None,
        jump=jump_address(profile, store),
        # 0 in a profile means "off"; asyncssh takes 0 the same way.
        keepalive_interval=float(profile.keepalive_interval),
        pinned_fingerprints=tuple(profile.pinned_fingerprints),
        policy=policy,
        remote_command=profile.remote_command or None,
        force_pty=profile.force_pty,
        ssh_config=ssh_config,
        remote_folder=profile.remote_folder or None,
        use_agent="agent" in profile.auth_methods,
        use_key_files="key" in profile.auth_methods,
        preferred_auth=preferred_auth(profile.auth_methods) or None,
        # An empty field leaves ssh_config's ProxyCommand in charge, as for any other setting.
        proxy_command=profile.proxy_command.strip() or None,
        agent_forwarding=profile.agent_forwarding,
    )


def spec_for_target(
    target: Target,
    *,
    ssh_config: str | None = DEFAULT_SSH_CONFIG,
    store: ProfileStore | None = None,
) -> tuple[ConnectSpec, HostProfile | None]:
    """The spec for a typed target; a bare name that is a saved profile uses that profile.

    Otherwise ssh_config resolves it (HostName, User, Port, IdentityFile, …)
    exactly as `ssh TARGET` would.  Returns the profile used, if any.
    """
    profile = None
    if target.user is None and target.port is None:
        store = store if store is not None else ProfileStore.load()
        profile = store.find_by_name(target.host)
    if profile is not None:
        spec = spec_from_profile(profile, store, ssh_config=ssh_config)
        if target.path:
            spec = dataclasses.replace(spec, remote_folder=target.path)
        return spec, profile
    spec = ConnectSpec(
        host=target.host, port=target.port, user=target.user, ssh_config=ssh_config, remote_folder=target.path
    )
    return spec, None
