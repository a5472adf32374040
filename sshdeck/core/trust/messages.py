"""The words OpenSSH uses for host-key trouble, for the CLI and the hard-stop screen.

Users have seen these texts for decades; keeping their shape (and their
shouting) tells them at once that this is the same warning.
"""

from __future__ import annotations

from sshdeck.core.trust.check import HostKeyCheck, HostKeyStatus

_BAR = "@" * 59
# OpenSSH's banner lines, spacing included (sshconnect.c).
_CHANGED_TITLE = "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @"
_REVOKED_TITLE = "@       WARNING: REVOKED HOST KEY DETECTED!               @"


def _banner(title: str) -> str:
    return f"{_BAR}\n{title}\n{_BAR}"


def changed_key_warning(check: HostKeyCheck, *, own_file: str | None = None) -> str:
    """OpenSSH's "REMOTE HOST IDENTIFICATION HAS CHANGED" text for a changed or pin-mismatched key."""
    lines = [
        _banner(_CHANGED_TITLE),
        "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
        "Someone could be eavesdropping on you right now (man-in-the-middle attack)!",
        "It is also possible that a host key has just been changed.",
        f"The fingerprint for the {check.key_type} key sent by the remote host is",
        f"{check.fingerprint}.",
        "Please contact your system administrator.",
    ]
    if check.pinned:
        lines.append("The key does not match any fingerprint pinned in this host's profile.")
        lines.append("Update the pinned fingerprints in the profile once you have verified the new key.")
    elif check.known_at is not None:
        if own_file is not None and str(check.known_at.path) == own_file:
            lines.append("Use \"Forget this host's key\" in sshdeck to remove the old key.")
            lines.append(f"Offending {check.key_type} key in {check.known_at}")
        else:
            lines.append(f"Add correct host key in {check.known_at.path} to get rid of this message.")
            lines.append(f"Offending {check.key_type} key in {check.known_at}")
            lines.append("  remove with:")
            lines.append(f'  ssh-keygen -f "{check.known_at.path}" -R "{check.name}"')
    lines.append(f"Host key for {check.name} has changed and sshdeck refuses to connect.")
    lines.append("Host key verification failed.")
    return "\n".join(lines)


def revoked_key_warning(check: HostKeyCheck) -> str:
    """OpenSSH's "REVOKED HOST KEY DETECTED" text."""
    what = "certificate authority" if check.ca_fingerprint and check.fingerprint == check.ca_fingerprint else "host key"
    lines = [
        _banner(_REVOKED_TITLE),
        f"The {check.key_type} {what} for {check.name} is marked as revoked.",
        "This could mean that a stolen key is being used to",
        "impersonate this host.",
    ]
    if check.fingerprint:
        lines.append(f"Revoked key: {check.fingerprint}")
    if check.known_at is not None:
        lines.append(f"Marked @revoked in {check.known_at}")
    lines.append("Host key verification failed.")
    return "\n".join(lines)


def unknown_key_text(check: HostKeyCheck) -> str:
    """OpenSSH's "authenticity of host … can't be established" text, with randomart."""
    where = check.name if not check.address or check.address == check.host else f"{check.name} ({check.address})"
    lines = [f"The authenticity of host '{where}' can't be established."]
    if check.other_types_known:
        lines.append("but keys of different type are already known for this host: " + ", ".join(check.other_types_known))
    if check.ca_fingerprint:
        lines.append(
            f"The server presented a certificate signed by an untrusted {check.ca_key_type} CA {check.ca_fingerprint}."
        )
    lines.append(f"{check.key_type} key fingerprint is {check.fingerprint}.")
    art = check.randomart
    if art:
        lines.append(art)
    return "\n".join(lines)


def refusal_text(check: HostKeyCheck, *, own_file: str | None = None) -> str:
    """The full explanation for a refused key, whatever the reason."""
    if check.status == HostKeyStatus.CHANGED:
        return changed_key_warning(check, own_file=own_file)
    if check.status == HostKeyStatus.REVOKED:
        return revoked_key_warning(check)
    return unknown_key_text(check)


def refusal_line(check: HostKeyCheck) -> str:
    """One line saying why the host key was refused (for notifications and logs)."""
    if check.status == HostKeyStatus.CHANGED:
        if check.pinned:
            return f"host key for {check.name} does not match the pinned fingerprint (server sent {check.fingerprint})"
        return f"host key for {check.name} has changed (server sent {check.fingerprint}; old key at {check.known_at})"
    if check.status == HostKeyStatus.REVOKED:
        return f"host key for {check.name} is revoked ({check.fingerprint}, {check.known_at})"
    if check.status == HostKeyStatus.CERT_UNTRUSTED_CA:
        return f"host key for {check.name} is signed by an untrusted CA ({check.ca_fingerprint}) and not known"
    return f"host key for {check.name} is not known ({check.key_type} {check.fingerprint})"
