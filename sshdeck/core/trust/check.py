"""Classifying an offered host key: trusted, unknown, changed, revoked, or signed by a CA.

The rules are OpenSSH's (sshconnect.c check_host_key): a revoked key is always
refused; a key matching any line for the host is trusted; a key of a type the
host already has under a different key is *changed*; otherwise it is unknown,
and the prompt says when keys of other types are known.  Pinned fingerprints
from a profile replace the known_hosts verdict: a match is trusted, anything
else is treated as a changed key.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import asyncssh

from sshdeck.core.trust.fingerprint import blob_type, fingerprint, key_type_label, randomart
from sshdeck.core.trust.known_hosts import KnownHosts, KnownHostsRef, lookup_name


class HostKeyStatus(enum.Enum):
    """The verdict on the key a server offered."""

    TRUSTED = "trusted"
    UNKNOWN = "unknown"
    CHANGED = "changed"
    REVOKED = "revoked"
    CERT_TRUSTED = "cert-trusted"
    CERT_UNTRUSTED_CA = "cert-untrusted-ca"


class TrustPolicy(str, enum.Enum):
    """What to do with an unknown key (changed and revoked keys are always refused)."""

    ASK = "ask"
    ACCEPT_NEW = "accept-new"
    STRICT = "strict"


class HostKeyDecision(enum.Enum):
    """The user's answer to an unknown-key prompt."""

    REJECT = "reject"
    ONCE = "once"
    TRUST_AND_SAVE = "trust-and-save"


@dataclass(frozen=True)
class HostKeyCheck:
    """Everything a prompt, a hard-stop screen or a log line needs about one offered key.

    For CERT_* verdicts `key` is the CA's key until the server's own key is known.
    """

    status: HostKeyStatus
    host: str
    port: int
    address: str
    key: asyncssh.SSHKey | None = field(compare=False, repr=False)
    key_type: str = ""
    fingerprint: str = ""
    # TRUSTED: the trusting line; CHANGED: the offending line; REVOKED: the @revoked line.
    known_at: KnownHostsRef | None = None
    other_types_known: tuple[str, ...] = ()
    # Set when the server presented a host certificate.
    ca_key_type: str = ""
    ca_fingerprint: str = ""
    # True when a profile's pinned fingerprints decided (trusted or refused).
    pinned: bool = False

    @property
    def name(self) -> str:
        """The host as OpenSSH names it: `host` or `[host]:port`."""
        return lookup_name(self.host, self.port)

    @property
    def trusted(self) -> bool:
        return self.status in (HostKeyStatus.TRUSTED, HostKeyStatus.CERT_TRUSTED)

    @property
    def may_ask(self) -> bool:
        """Whether the user may be asked (only unknown keys; never changed or revoked)."""
        return self.status in (HostKeyStatus.UNKNOWN, HostKeyStatus.CERT_UNTRUSTED_CA)

    @property
    def randomart(self) -> str:
        return randomart(self.key) if self.key is not None else ""

    def matches_fingerprint(self, text: str) -> bool:
        """Exact comparison with a pasted fingerprint (the `SHA256:` prefix may be left out)."""
        pasted = text.strip()
        if not pasted or not self.fingerprint:
            return False
        if not pasted.startswith("SHA256:"):
            pasted = "SHA256:" + pasted
        return pasted.rstrip("=") == self.fingerprint

    def with_ca(self, ca: "HostKeyCheck") -> "HostKeyCheck":
        """This (plain key) verdict, noting the untrusted CA that signed the server's certificate."""
        status = HostKeyStatus.CERT_UNTRUSTED_CA if self.status == HostKeyStatus.UNKNOWN else self.status
        return HostKeyCheck(
            status, self.host, self.port, self.address, self.key, self.key_type, self.fingerprint,
            self.known_at, self.other_types_known, ca.ca_key_type, ca.ca_fingerprint, self.pinned,
        )


def normalise_pins(pins: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Pinned fingerprints as `SHA256:...` strings; other formats are refused."""
    result = []
    for pin in pins:
        pin = pin.strip()
        if not pin.startswith("SHA256:"):
            raise ValueError(f"pinned fingerprint {pin!r} must start with 'SHA256:' (as ssh-keygen -l shows it)")
        result.append(pin.rstrip("="))
    return tuple(result)


def _same_type(a: asyncssh.SSHKey, b: asyncssh.SSHKey) -> bool:
    return blob_type(a) == blob_type(b)


def classify_host_key(
    known: KnownHosts,
    host: str,
    port: int,
    key: asyncssh.SSHKey,
    *,
    address: str = "",
    pins: tuple[str, ...] = (),
) -> HostKeyCheck:
    """The verdict on a plain host key offered by `host:port`."""
    entries = known.lookup(host, port)
    fp = fingerprint(key)

    def verdict(status: HostKeyStatus, **extra: object) -> HostKeyCheck:
        return HostKeyCheck(status, host, port, address, key, key_type_label(key), fp, **extra)  # type: ignore[arg-type]

    for entry in entries:
        if entry.marker == "revoked" and entry.key.public_data == key.public_data:
            return verdict(HostKeyStatus.REVOKED, known_at=entry.ref)
    if pins:
        if fp in pins:
            return verdict(HostKeyStatus.TRUSTED, pinned=True)
        return verdict(HostKeyStatus.CHANGED, pinned=True)
    plain = [entry for entry in entries if entry.marker is None]
    for entry in plain:
        if entry.key.public_data == key.public_data:
            return verdict(HostKeyStatus.TRUSTED, known_at=entry.ref)
    for entry in plain:
        if _same_type(entry.key, key):
            return verdict(HostKeyStatus.CHANGED, known_at=entry.ref)
    others = tuple(dict.fromkeys(key_type_label(entry.key) for entry in plain))
    return verdict(HostKeyStatus.UNKNOWN, other_types_known=others)


def classify_host_ca(
    known: KnownHosts,
    host: str,
    port: int,
    ca_key: asyncssh.SSHKey,
    *,
    address: str = "",
) -> HostKeyCheck:
    """The verdict on the CA that signed a host certificate offered by `host:port`."""
    entries = known.lookup(host, port)
    ca_type, ca_fp = key_type_label(ca_key), fingerprint(ca_key)

    def verdict(status: HostKeyStatus, ref: KnownHostsRef | None = None) -> HostKeyCheck:
        return HostKeyCheck(
            status, host, port, address, ca_key, ca_type, ca_fp, ref, ca_key_type=ca_type, ca_fingerprint=ca_fp
        )

    for entry in entries:
        if entry.marker == "revoked" and entry.key.public_data == ca_key.public_data:
            return verdict(HostKeyStatus.REVOKED, entry.ref)
    for entry in entries:
        if entry.marker == "cert-authority" and entry.key.public_data == ca_key.public_data:
            return verdict(HostKeyStatus.CERT_TRUSTED, entry.ref)
    return verdict(HostKeyStatus.CERT_UNTRUSTED_CA)


def revoked_keys(known: KnownHosts, host: str, port: int) -> list[asyncssh.SSHKey]:
    """Keys marked @revoked for this host (asyncssh also checks them inside certificates)."""
    return [entry.key for entry in known.lookup(host, port) if entry.marker == "revoked"]


def host_has_ca(known: KnownHosts, host: str, port: int) -> bool:
    return any(entry.marker == "cert-authority" for entry in known.lookup(host, port))


def known_key_types(known: KnownHosts, host: str, port: int) -> list[str]:
    """Blob types of the plain keys known for this host, in file order."""
    return list(dict.fromkeys(blob_type(e.key) for e in known.lookup(host, port) if e.marker is None))
