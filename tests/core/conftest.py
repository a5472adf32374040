"""Fixtures for the connection tests: key files, trust stores and asyncssh servers.

The asyncssh server here can be told which authentication methods to offer
(keys, a password, a two-prompt keyboard-interactive flow), whether to serve
SFTP, and what banner to send; it records every authentication attempt so a
test can prove nothing was offered before the host key was decided.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh
import pytest
import pytest_asyncio

from sshdeck.core.trust.known_hosts import TrustStore

PASSWORD = "correct horse battery staple"
OTP = "123456"


def keygen(path: Path, key_type: str = "ed25519", passphrase: str = "", extra: tuple[str, ...] = ()) -> Path:
    """A key pair made by OpenSSH's ssh-keygen at `path` (and `path`.pub)."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", key_type, "-N", passphrase, "-C", "test", "-f", str(path), *extra],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return path


@pytest.fixture
def trust_store(tmp_path: Path) -> TrustStore:
    """sshdeck's own file plus a stand-in for ~/.ssh/known_hosts, both in tmp_path."""
    return TrustStore(own_file=tmp_path / "own_known_hosts", read_files=[tmp_path / "user_known_hosts"])


@dataclass
class ServerLog:
    auth_attempts: list[str] = field(default_factory=list)
    passwords: list[str] = field(default_factory=list)
    kbdint_answers: list[list[str]] = field(default_factory=list)


class _TestSSHServer(asyncssh.SSHServer):
    def __init__(self, server: "AsyncsshServer") -> None:
        self._server = server
        self._round = 0

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._server.connections += 1
        self._server.server_connections.append(conn)
        if self._server.banner:
            conn.send_auth_banner(self._server.banner)

    def begin_auth(self, username: str) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return self._server.authorized is not None

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        self._server.log.auth_attempts.append("publickey")
        assert self._server.authorized is not None
        return self._server.authorized.validate(key, username, "127.0.0.1") is not None

    def validate_ca_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        self._server.log.auth_attempts.append("publickey-cert")
        return self._server.user_ca is not None and key == self._server.user_ca

    def password_auth_supported(self) -> bool:
        return self._server.password is not None

    def validate_password(self, username: str, password: str) -> bool:
        self._server.log.auth_attempts.append("password")
        self._server.log.passwords.append(password)
        return password == self._server.password

    def kbdint_auth_supported(self) -> bool:
        return self._server.kbdint

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> Any:
        self._server.log.auth_attempts.append("keyboard-interactive")
        self._round = 0
        return ("Two-step login", "Answer both questions.\x1b[31m", "en", [("Password: ", False), ("Code (echoed): ", True)])

    def validate_kbdint_response(self, username: str, responses: list[str]) -> Any:
        self._server.log.kbdint_answers.append(list(responses))
        return responses == [self._server.kbdint_password, OTP]


class AsyncsshServer:
    """An asyncssh server on loopback with the authentication the test asks for."""

    host = "127.0.0.1"
    username = "tester"

    def __init__(
        self,
        *,
        authorized_keys: str | None = None,
        password: str | None = None,
        kbdint: bool = False,
        sftp_root: Path | None = None,
        banner: str = "",
        host_key: asyncssh.SSHKey | None = None,
        host_cert: asyncssh.SSHCertificate | None = None,
        user_ca: asyncssh.SSHKey | None = None,
    ) -> None:
        self.authorized = asyncssh.import_authorized_keys(authorized_keys) if authorized_keys else None
        self.password = password
        self.kbdint = kbdint
        self.kbdint_password = PASSWORD
        self.sftp_root = sftp_root
        self.banner = banner
        self.host_key = host_key or asyncssh.generate_private_key("ssh-ed25519")
        self.host_cert = host_cert
        self.user_ca = user_ca
        self.log = ServerLog()
        self.connections = 0
        self.server_connections: list[asyncssh.SSHServerConnection] = []
        self.port = 0
        self._acceptor: asyncssh.SSHAcceptor | None = None

    async def start(self) -> "AsyncsshServer":
        options: dict[str, Any] = {}
        if self.sftp_root is not None:
            root = str(self.sftp_root)
            options["sftp_factory"] = lambda chan: asyncssh.SFTPServer(chan, chroot=root)
        host_keys: list[Any] = [(self.host_key, self.host_cert)] if self.host_cert else [self.host_key]
        self._acceptor = await asyncssh.create_server(
            lambda: _TestSSHServer(self),
            self.host,
            0,
            server_host_keys=host_keys,
            config=None,
            process_factory=self._process,
            **options,
        )
        self.port = self._acceptor.sockets[0].getsockname()[1]
        return self

    @staticmethod
    def _process(process: asyncssh.SSHServerProcess) -> None:
        terminal = f" on {process.term_type}" if process.term_type else ""
        process.stdout.write(f"ran {process.command}{terminal}\n")
        process.exit(0)

    async def close(self) -> None:
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()

    def known_hosts_line(self) -> str:
        key = self.host_key.export_public_key().decode().split()[:2]
        return f"[{self.host}]:{self.port} {key[0]} {key[1]}\n"

    def fingerprint(self) -> str:
        return self.host_key.get_fingerprint("sha256")


@pytest_asyncio.fixture
async def make_asyncssh_server():
    """Start asyncssh servers with the given options; all closed at the end."""
    started: list[AsyncsshServer] = []

    async def make(**kwargs: Any) -> AsyncsshServer:
        server = await AsyncsshServer(**kwargs).start()
        started.append(server)
        return server

    yield make
    for server in started:
        await server.close()


# -- OpenSSH servers with certificates ---------------------------------------------

import getpass  # noqa: E402

from tests.support.openssh import OpenSSHServer  # noqa: E402


@pytest.fixture
def ca_signed_sshd(tmp_path_factory: pytest.TempPathFactory):
    """sshd presenting a host certificate for 127.0.0.1 signed by a fresh host CA.

    Yields (server, ca_public_key_path).
    """
    from tests.conftest import _require_sshd

    _require_sshd()
    work = tmp_path_factory.mktemp("sshd-cert")
    ca = keygen(work / "host_ca")
    host_key = keygen(work / "ssh_host_ed25519_key")
    subprocess.run(
        ["ssh-keygen", "-q", "-s", str(ca), "-h", "-I", "test-host", "-n", "127.0.0.1", "-V", "-5m:+1h", str(host_key) + ".pub"],
        check=True,
        capture_output=True,
    )
    server = OpenSSHServer(work, f"HostCertificate {host_key}-cert.pub")
    server.start()
    try:
        yield server, Path(str(ca) + ".pub")
    finally:
        server.stop()


def sign_user_key(ca: Path, key: Path, *, validity: str = "-5m:+2h", principal: str | None = None) -> Path:
    """Sign `key`.pub with the user CA `ca`; returns the `-cert.pub` path beside the key."""
    subprocess.run(
        [
            "ssh-keygen", "-q", "-s", str(ca), "-I", "test-user",
            "-n", principal or getpass.getuser(), "-V", validity, str(key) + ".pub",
        ],
        check=True,
        capture_output=True,
    )
    return Path(str(key) + "-cert.pub")


class _NoSftpOpenSSHServer(OpenSSHServer):
    """sshd without a Subsystem line: shell only, like a PaaS gateway."""

    def _config_text(self) -> str:
        return super()._config_text().replace("Subsystem sftp internal-sftp\n", "")


@pytest.fixture
def shell_only_sshd(tmp_path_factory: pytest.TempPathFactory):
    from tests.conftest import _require_sshd

    _require_sshd()
    server = _NoSftpOpenSSHServer(tmp_path_factory.mktemp("sshd-nosftp"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
