"""Host-key trust with OpenSSH's semantics.

- `known_hosts`: reading known_hosts files defensively, writing sshdeck's own.
- `check`: the verdict on an offered key (trusted, unknown, changed, revoked, CA).
- `gate`: the synchronous check that runs inside asyncssh's handshake.
- `fingerprint`: SHA256 fingerprints and randomart exactly as `ssh-keygen -lv`.
- `messages`: OpenSSH's warning texts for the CLI and the hard-stop screen.
"""

from sshdeck.core.trust.check import (
    HostKeyCheck,
    HostKeyDecision,
    HostKeyStatus,
    TrustPolicy,
    classify_host_ca,
    classify_host_key,
    normalise_pins,
)
from sshdeck.core.trust.fingerprint import fingerprint, key_bits, key_type_label, randomart
from sshdeck.core.trust.gate import HostKeyGate, host_key_algorithms
from sshdeck.core.trust.known_hosts import (
    ForgetResult,
    KnownHosts,
    KnownHostsEntry,
    KnownHostsRef,
    TrustStore,
    hash_host_name,
    lookup_name,
    own_known_hosts_path,
)
from sshdeck.core.trust.messages import (
    changed_key_warning,
    refusal_line,
    refusal_text,
    revoked_key_warning,
    unknown_key_text,
)

__all__ = [
    "ForgetResult",
    "HostKeyCheck",
    "HostKeyDecision",
    "HostKeyGate",
    "HostKeyStatus",
    "KnownHosts",
    "KnownHostsEntry",
    "KnownHostsRef",
    "TrustPolicy",
    "TrustStore",
    "changed_key_warning",
    "classify_host_ca",
    "classify_host_key",
    "fingerprint",
    "hash_host_name",
    "host_key_algorithms",
    "key_bits",
    "key_type_label",
    "lookup_name",
    "normalise_pins",
    "own_known_hosts_path",
    "randomart",
    "refusal_line",
    "refusal_text",
    "revoked_key_warning",
    "unknown_key_text",
]
