"""The keys offered for public-key login: the agent's, then key files, with certificates.

Keys are loaded only when the server asks for public-key authentication, so a
passphrase is never asked for before the host key is trusted.  An encrypted
key gets three tries; a wrong passphrase is said plainly and the key is then
skipped.  Decrypted keys are cached per session, so a second connection to the
same host (MaxSessions) does not ask again; passphrases themselves are not kept.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import asyncssh

from sshdeck.core.ssh.auth import (
    MAX_PASSPHRASE_TRIES,
    AuthRecord,
    ConnectCallbacks,
    PassphraseRequest,
    UserCertificateInfo,
)

log = logging.getLogger(__name__)

# OpenSSH's default IdentityFile list (ssh(1), 9.x), tried when none is configured.
DEFAULT_IDENTITY_FILES = (
    "~/.ssh/id_rsa",
    "~/.ssh/id_ecdsa",
    "~/.ssh/id_ecdsa_sk",
    "~/.ssh/id_ed25519",
    "~/.ssh/id_ed25519_sk",
    "~/.ssh/id_dsa",
)

KeyCache = dict[str, list[Any]]

try:  # OpenSSH-format encrypted keys (ssh-keygen's default) need bcrypt's KDF.
    import bcrypt  # noqa: F401

    _HAVE_BCRYPT = True
except ImportError:
    _HAVE_BCRYPT = False

_BCRYPT_MESSAGE = (
    "key {path} is encrypted in OpenSSH's format, which needs the 'bcrypt' Python package "
    "(pip install bcrypt); key skipped"
)


def _is_openssh_format(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(64).startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----")
    except OSError:
        return False


class KeyOffer:
    """Hands asyncssh one batch of key pairs per request: agent keys first, then each file."""

    def __init__(
        self,
        *,
        identity_files: list[str],
        certificate_files: list[str],
        agent_path: str | None,
        identities_only: bool,
        callbacks: ConnectCallbacks,
        record: AuthRecord,
        cache: KeyCache,
        user_waits: Any,
    ) -> None:
        self._files = [str(Path(p).expanduser()) for p in identity_files]
        self._certificate_files = [str(Path(p).expanduser()) for p in certificate_files]
        self._agent_path = agent_path
        self._identities_only = identities_only
        self._callbacks = callbacks
        self._record = record
        self._cache = cache
        self._user_waits = user_waits
        self._agent: asyncssh.SSHAgentClient | None = None
        self._agent_done = False
        self._next_file = 0
        self.last_source = ""  # where the last batch came from: "agent" or a key file

    def close(self) -> None:
        if self._agent is not None:
            self._agent.close()
            self._agent = None

    async def next_batch(self) -> list[Any] | None:
        """The next key pairs to offer, or None when there are no more."""
        if not self._agent_done:
            self._agent_done = True
            keys = await self._agent_keys()
            if keys:
                self.last_source = "agent"
                return keys
        while self._next_file < len(self._files):
            path = self._files[self._next_file]
            self._next_file += 1
            keys = await self._file_keys(path)
            if keys:
                self.last_source = path
                return keys
        return None

    async def _agent_keys(self) -> list[Any]:
        if not self._agent_path:
            return []
        try:
            self._agent = await asyncssh.connect_agent(self._agent_path)
            keys = list(await self._agent.get_keys())
        except (OSError, asyncssh.Error, ValueError) as exc:
            log.info("ssh-agent at %s not usable: %s", self._agent_path, exc)
            self.close()
            return []
        if self._identities_only:
            wanted = {pub.public_data for pub in self._file_public_keys()}
            keys = [k for k in keys if k.public_data in wanted]
        log.info("ssh-agent offers %d key(s)", len(keys))
        self._record.keys_offered += len(keys)
        return keys

    def _file_public_keys(self) -> list[asyncssh.SSHKey]:
        found = []
        for path in self._files:
            try:
                found.append(asyncssh.read_public_key(path + ".pub"))
            except (OSError, asyncssh.KeyImportError, ValueError):
                continue
        return found

    async def _file_keys(self, path: str) -> list[Any]:
        if path in self._cache:
            return self._cache[path]
        if not Path(path).is_file():
            return []
        key = await self._read_key(path)
        if key is None:
            return []
        batch: list[Any] = []
        cert = self._certificate_for(path, key)
        if cert is not None:
            batch.append((key, cert))
        batch.append(key)
        self._cache[path] = batch
        self._record.keys_offered += 1
        return batch

    async def _read_key(self, path: str) -> asyncssh.SSHKey | None:
        try:
            return asyncssh.read_private_key(path)
        except (asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as exc:
            if "assphrase" not in str(exc):
                return self._skip(path, f"cannot read key {path}: {exc}")
        except OSError as exc:
            return self._skip(path, f"cannot read key {path}: {exc.strerror or exc}")
        if not _HAVE_BCRYPT and _is_openssh_format(path):
            return self._skip(path, _BCRYPT_MESSAGE.format(path=path))
        ask = self._callbacks.passphrase
        if ask is None:
            return self._skip(path, f"key {path} is encrypted and no passphrase can be asked for")
        error: str | None = None
        for attempt in range(1, MAX_PASSPHRASE_TRIES + 1):
            async with self._user_waits():
                passphrase = await ask(PassphraseRequest(path, attempt, error))
            if passphrase is None:
                return self._skip(path, f"key {path} skipped (no passphrase given)")
            try:
                return asyncssh.read_private_key(path, passphrase)
            except (asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as exc:
                if "bcrypt" in str(exc):
                    return self._skip(path, _BCRYPT_MESSAGE.format(path=path))
                error = "Wrong passphrase."
            finally:
                passphrase = None
        return self._skip(path, f"wrong passphrase for {path} ({MAX_PASSPHRASE_TRIES} tries); key skipped")

    def _skip(self, path: str, message: str) -> None:
        log.info("%s", message)
        self._record.problems.append(message)
        self._callbacks.tell(message)
        return None

    def _certificate_for(self, path: str, key: asyncssh.SSHKey) -> asyncssh.SSHCertificate | None:
        for cert_path in [path + "-cert.pub", *self._certificate_files]:
            if not Path(cert_path).is_file():
                continue
            try:
                cert = asyncssh.read_certificate(cert_path)
            except (OSError, asyncssh.KeyImportError, ValueError) as exc:
                self._skip(path, f"cannot read certificate {cert_path}: {exc}")
                continue
            if cert.key.public_data != key.public_data:
                continue
            info = UserCertificateInfo.from_certificate(cert_path, cert)
            self._record.certificates.append(info)
            log.info("%s", info.summary())
            warning = info.warning()
            if warning:
                self._callbacks.tell(warning)
            return cert
        return None
