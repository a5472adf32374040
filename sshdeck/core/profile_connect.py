"""From a saved host profile to a ConnectSpec, so every entry point connects the same way.

The sidebar, quick connect (when the name is a profile) and `sshdeck ls
alias:path` all turn a `HostProfile` into the spec the session manager takes.
A jump host naming another profile becomes that profile's `user@host:port`.
"""

from __future__ import annotations

from sshdeck.core.connect_spec import DEFAULT_SSH_CONFIG, ConnectSpec
from sshdeck.core.profile_store import ProfileStore
from sshdeck.core.profiles import HostProfile
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
    )
