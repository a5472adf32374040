"""Making a new local key pair: ed25519 (default) or RSA-4096, OpenSSH's file format.

Never overwrites: both halves are created with O_EXCL, the private half 0600
from its first byte, and nothing is left behind if either cannot be written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from sshdeck.core.keys.authorized_keys_format import PublicKey, public_key_from_text

ALGORITHMS = {"ed25519": ("ssh-ed25519", {}), "rsa": ("ssh-rsa", {"key_size": 4096})}


class KeyGenerationError(Exception):
    """A one-line reason no key was written."""


@dataclass(frozen=True)
class GeneratedKey:
    private_path: Path
    public_path: Path
    public_key: PublicKey

    @property
    def public_text(self) -> str:
        return self.public_key.line()


def generate_key(path: Path, *, key_type: str = "ed25519", comment: str = "", passphrase: str | None = None) -> GeneratedKey:
    """Write PATH (private, 0600) and PATH.pub; refuse if either exists."""
    if key_type not in ALGORITHMS:
        raise KeyGenerationError(f"unknown key type {key_type!r} (use ed25519 or rsa)")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in comment):
        raise KeyGenerationError("the comment must not hold control characters")
    path = Path(path).expanduser()
    public_path = Path(str(path) + ".pub")
    for existing in (path, public_path):
        if existing.exists() or existing.is_symlink():
            raise KeyGenerationError(f"{existing} already exists; not overwriting it")
    if not path.parent.is_dir():
        raise KeyGenerationError(f"{path.parent} is not a folder")
    alg, kwargs = ALGORITHMS[key_type]
    key = asyncssh.generate_private_key(alg, comment=comment or None, **kwargs)
    private = key.export_private_key("openssh", passphrase=passphrase or None)
    public = key.export_public_key("openssh")
    written: list[Path] = []
    try:
        for target, data, mode in ((path, private, 0o600), (public_path, public, 0o644)):
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            written.append(target)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(target, mode)
    except OSError as exc:
        for target in written:
            target.unlink(missing_ok=True)
        raise KeyGenerationError(f"cannot write {exc.filename or path}: {exc.strerror}") from None
    return GeneratedKey(path, public_path, public_key_from_text(public.decode("ascii")))
