"""How a host key is shown to a person: SHA256 fingerprint, type, size, randomart.

Everything here reproduces `ssh-keygen -lv` exactly, so what sshdeck shows can
be compared character for character with what an admin panel, a PaaS's docs
or OpenSSH on another machine shows.
"""

from __future__ import annotations

import base64
import hashlib
import struct

import asyncssh

# OpenSSH's names for key types (sshkey_type), keyed by the key blob's type string.
_KEY_TYPE_LABELS = {
    "ssh-rsa": "RSA",
    "ssh-dss": "DSA",
    "ecdsa-sha2-nistp256": "ECDSA",
    "ecdsa-sha2-nistp384": "ECDSA",
    "ecdsa-sha2-nistp521": "ECDSA",
    "ssh-ed25519": "ED25519",
    "ssh-ed448": "ED448",
    "sk-ecdsa-sha2-nistp256@openssh.com": "ECDSA-SK",
    "sk-ssh-ed25519@openssh.com": "ED25519-SK",
}

_FIXED_BITS = {
    "ecdsa-sha2-nistp256": 256,
    "ecdsa-sha2-nistp384": 384,
    "ecdsa-sha2-nistp521": 521,
    "ssh-ed25519": 256,
    "ssh-ed448": 456,
    "sk-ecdsa-sha2-nistp256@openssh.com": 256,
    "sk-ssh-ed25519@openssh.com": 256,
}

# The drunken bishop's field (OpenSSH sshkey.c, fingerprint_randomart).
_FIELD_X = 17
_FIELD_Y = 9
_SYMBOLS = " .o+=*BOX@%&#/^SE"


def _read_string(blob: bytes, offset: int) -> tuple[bytes, int]:
    (length,) = struct.unpack(">I", blob[offset : offset + 4])
    start = offset + 4
    return blob[start : start + length], start + length


def blob_type(key: asyncssh.SSHKey) -> str:
    """The type string inside the public key blob, e.g. 'ssh-ed25519'."""
    name, _ = _read_string(key.public_data, 0)
    return name.decode("ascii", "replace")


def fingerprint(key: asyncssh.SSHKey) -> str:
    """The key's `SHA256:...` fingerprint, as `ssh-keygen -l` prints it."""
    digest = hashlib.sha256(key.public_data).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def key_type_label(key: asyncssh.SSHKey) -> str:
    """OpenSSH's short name for the key type: ED25519, RSA, ECDSA, …"""
    kind = blob_type(key)
    return _KEY_TYPE_LABELS.get(kind, kind.upper())


def key_bits(key: asyncssh.SSHKey) -> int:
    """The key size OpenSSH reports (modulus bits for RSA/DSA, curve size otherwise)."""
    kind = blob_type(key)
    if kind in _FIXED_BITS:
        return _FIXED_BITS[kind]
    if kind in ("ssh-rsa", "ssh-dss"):
        _, offset = _read_string(key.public_data, 0)
        if kind == "ssh-rsa":
            _, offset = _read_string(key.public_data, offset)  # e comes before n
        number, _ = _read_string(key.public_data, offset)
        return int.from_bytes(number, "big").bit_length()
    return 0


def openssh_key_line(key: asyncssh.SSHKey) -> str:
    """`type base64`, without a comment: the key part of a known_hosts line."""
    return f"{blob_type(key)} {base64.b64encode(key.public_data).decode('ascii')}"


def randomart(key: asyncssh.SSHKey) -> str:
    """The "drunken bishop" picture `ssh-keygen -lv` draws under a SHA256 fingerprint."""
    digest = hashlib.sha256(key.public_data).digest()
    field = [[0] * _FIELD_Y for _ in range(_FIELD_X)]
    top = len(_SYMBOLS) - 1
    x, y = _FIELD_X // 2, _FIELD_Y // 2
    for byte in digest:
        for _ in range(4):
            x += 1 if byte & 0x1 else -1
            y += 1 if byte & 0x2 else -1
            x = min(max(x, 0), _FIELD_X - 1)
            y = min(max(y, 0), _FIELD_Y - 1)
            if field[x][y] < top - 2:
                field[x][y] += 1
            byte >>= 2
    field[_FIELD_X // 2][_FIELD_Y // 2] = top - 1
    field[x][y] = top

    label = key_type_label(key)
    title = f"[{label} {key_bits(key)}]"
    # OpenSSH formats into a 17-byte buffer and falls back to "[TYPE]" when too long.
    if len(title) > _FIELD_X:
        title = f"[{label}]"
    title = title[: _FIELD_X - 1]
    lines = [_border(title)]
    for row in range(_FIELD_Y):
        lines.append("|" + "".join(_SYMBOLS[min(field[col][row], top)] for col in range(_FIELD_X)) + "|")
    lines.append(_border("[SHA256]"))
    return "\n".join(lines)


def _border(label: str) -> str:
    left = (_FIELD_X - len(label)) // 2
    return "+" + "-" * left + label + "-" * (_FIELD_X - left - len(label)) + "+"
