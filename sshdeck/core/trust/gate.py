"""The host-key gate that runs inside asyncssh's key exchange.

asyncssh asks `validate_host_public_key` / `validate_host_ca_key` synchronously,
so no dialog can be awaited there.  The gate answers from what is already
decided (known_hosts, pins, a key the user accepted a moment ago) and records
its verdict; anything not trusted fails the handshake before authentication
starts, and the caller asks the user and reconnects.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import asyncssh

from sshdeck.core.trust.check import (
    HostKeyCheck,
    classify_host_ca,
    classify_host_key,
    host_has_ca,
    known_key_types,
    revoked_keys,
)
from sshdeck.core.trust.known_hosts import KnownHosts

log = logging.getLogger(__name__)

# OpenSSH 9's default HostKeyAlgorithms order.  asyncssh's own default puts RSA
# first, which would show users a different fingerprint than `ssh` shows them.
OPENSSH_CERT_ALGS = (
    "ssh-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "rsa-sha2-512-cert-v01@openssh.com",
    "rsa-sha2-256-cert-v01@openssh.com",
)
OPENSSH_PLAIN_ALGS = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
)


def _algs_for_type(blob_type: str) -> list[str]:
    if blob_type == "ssh-rsa":
        return ["rsa-sha2-512", "rsa-sha2-256"]
    return [blob_type]


def host_key_algorithms(known: KnownHosts, host: str, port: int, *, plain_only: bool = False) -> list[str]:
    """HostKeyAlgorithms for this host, OpenSSH-style: types already known come first.

    Certificates go first when a CA is known for the host or nothing is known
    (so an unknown server's CA can be shown); after known plain types otherwise,
    so a host whose plain key is trusted is not asked for a certificate first.
    """
    supported = {alg.decode() for alg in asyncssh.public_key.get_public_key_algs()}
    supported |= {alg.decode() for alg in asyncssh.public_key.get_certificate_algs()}
    known_plain = [alg for kind in known_key_types(known, host, port) for alg in _algs_for_type(kind)]
    plain = list(dict.fromkeys(known_plain + list(OPENSSH_PLAIN_ALGS)))
    if plain_only:
        order = plain
    elif host_has_ca(known, host, port) or not known_plain:
        order = list(OPENSSH_CERT_ALGS) + plain
    else:
        order = list(dict.fromkeys(known_plain + list(OPENSSH_CERT_ALGS) + plain))
    return [alg for alg in order if alg in supported]


@dataclass
class HostKeyGate:
    """Answers asyncssh's synchronous host-key questions and remembers the verdict.

    `accepted` is a key the user accepted for this host (once or saved); it is
    trusted only if it is exactly the key offered.
    """

    known: KnownHosts
    pins: tuple[str, ...] = ()
    accepted: asyncssh.SSHKey | None = None
    # The latest verdict (trusted or not) and, if the handshake was refused, why.
    check: HostKeyCheck | None = None
    refused: HostKeyCheck | None = None
    _ca_check: HostKeyCheck | None = field(default=None, repr=False)

    def known_hosts_lists(self, host: str, addr: str, port: int | None) -> tuple[list, list, list]:
        """asyncssh's `known_hosts` callable: trust nothing up front, revoke what is revoked.

        With no trusted keys or CAs, every key goes through the validate
        callbacks below; revoked keys are also handed to asyncssh because only
        asyncssh sees the key inside a host certificate.
        """
        return [], [], revoked_keys(self.known, host, port or 22)

    def validate_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        if self.accepted is not None and key.public_data == self.accepted.public_data:
            self.check = classify_host_key(self.known, host, port, key, address=addr, pins=self.pins)
            log.info("host key for %s accepted by the user (%s)", self.check.name, self.check.fingerprint)
            return True
        check = classify_host_key(self.known, host, port, key, address=addr, pins=self.pins)
        if self._ca_check is not None:
            check = check.with_ca(self._ca_check)
        self.check = check
        if check.trusted:
            how = "a pinned fingerprint" if check.pinned else str(check.known_at)
            log.info("host key %s for %s trusted by %s", check.fingerprint, check.name, how)
            return True
        self.refused = check
        return False

    def validate_ca_key(self, host: str, addr: str, port: int, ca_key: asyncssh.SSHKey) -> bool:
        check = classify_host_ca(self.known, host, port, ca_key, address=addr)
        self.check = check
        if check.trusted:
            log.info("host certificate for %s signed by trusted CA %s (%s)", check.name, check.fingerprint, check.known_at)
            return True
        self.refused = check
        return False

    def note_untrusted_ca(self, ca_check: HostKeyCheck) -> None:
        """Remember the CA so the plain-key verdict of the fallback connection names it."""
        self._ca_check = ca_check
