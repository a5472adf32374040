"""Start Debian's OpenSSH sshd on a free 127.0.0.1 port with a throwaway config.

Used by the test fixtures and by the benchmarks, which compare sshdeck with
OpenSSH's own `sftp` against the same server.  Everything it writes lives in
the folder it is given; it logs in as the user running the tests.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SSHD_CANDIDATES = ("/usr/sbin/sshd", "/usr/local/sbin/sshd")


def find_sshd() -> str | None:
    for candidate in SSHD_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("sshd")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def keygen(path: Path, key_type: str = "ed25519", comment: str = "sshdeck-test") -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", key_type, "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return path


class OpenSSHServer:
    """One sshd process; `extra_config` lines are appended to its sshd_config."""

    host = "127.0.0.1"

    def __init__(self, workdir: Path, extra_config: str = "", host_key_type: str = "ed25519") -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.extra_config = extra_config
        self.host_key_type = host_key_type
        self.username = getpass.getuser()
        self.port = 0
        self.host_key = self.workdir / f"ssh_host_{host_key_type}_key"
        self.client_key = self.workdir / "client_key"
        self.authorized_keys = self.workdir / "authorized_keys"
        self.config = self.workdir / "sshd_config"
        self.log = self.workdir / "sshd.log"
        self._process: subprocess.Popen[bytes] | None = None

    # -- facts the tests use -------------------------------------------------

    def host_public_key(self) -> str:
        return (self.workdir / f"{self.host_key.name}.pub").read_text().strip()

    def known_hosts_line(self) -> str:
        key_type, key_b64 = self.host_public_key().split()[:2]
        return f"[{self.host}]:{self.port} {key_type} {key_b64}\n"

    def write_known_hosts(self, path: Path) -> Path:
        path.write_text(self.known_hosts_line())
        return path

    # -- life cycle ------------------------------------------------------------

    def start(self) -> "OpenSSHServer":
        sshd = find_sshd()
        if sshd is None:
            raise FileNotFoundError("sshd not found (install Debian's openssh-server)")
        if not self.host_key.exists():
            keygen(self.host_key, self.host_key_type, "sshdeck-test-host")
        if not self.client_key.exists():
            keygen(self.client_key)
        if not self.authorized_keys.exists():
            self.authorized_keys.write_text((self.workdir / "client_key.pub").read_text())
        if os.geteuid() == 0:
            # Privilege separation folder Debian's sshd insists on.
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        last_error = ""
        for _attempt in range(5):
            self.port = free_port()
            self.config.write_text(self._config_text())
            log_handle = open(self.log, "ab")
            self._process = subprocess.Popen(
                [sshd, "-D", "-e", "-f", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=log_handle,
                stderr=log_handle,
            )
            log_handle.close()
            if self._wait_ready():
                return self
            self.stop()
            last_error = self.log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"sshd did not start:\n{last_error}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def __enter__(self) -> "OpenSSHServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _config_text(self) -> str:
        return "\n".join(
            [
                f"Port {self.port}",
                f"ListenAddress {self.host}",
                f"HostKey {self.host_key}",
                "PidFile none",
                f"AuthorizedKeysFile {self.authorized_keys}",
                "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "Subsystem sftp internal-sftp",
                "MaxStartups 100:30:200",
                "LogLevel VERBOSE",
                self.extra_config,
                "",
            ]
        )

    def _wait_ready(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                return False
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
                    if sock.recv(4).startswith(b"SSH-"):
                        return True
            except OSError:
                time.sleep(0.05)
        return False


# -- user certificates (sshd's TrustedUserCAKeys) -------------------------------


def user_ca(workdir: Path) -> tuple[Path, str]:
    """A user CA key in `workdir` and the sshd_config line that trusts it."""
    ca = keygen(Path(workdir) / "user_ca", comment="sshdeck-test-user-ca")
    return ca, f"TrustedUserCAKeys {ca}.pub"


def sign_user_key(ca: Path, key: Path, principals: str, validity: str | None = None) -> Path:
    """Sign `key`.pub with `ca` for `principals` ("web,alice"); validity as ssh-keygen -V takes it, in UTC."""
    window = ["-V", validity] if validity else []
    subprocess.run(
        ["ssh-keygen", "-q", "-s", str(ca), "-I", "sshdeck-test-cert", "-n", principals, *window, f"{key}.pub"],
        check=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "TZ": "UTC"},
    )
    return Path(f"{key}-cert.pub")
class HomeOpenSSHServer(OpenSSHServer):
    """sshd that reads keys from `<workdir>/home/.ssh/authorized_keys{,2}`, and whose SFTP starts in that home.

    The tests run as root; this stands in for the user's home so nothing ever
    reads or writes the real ~/.ssh.
    """

    def __init__(self, workdir: Path, extra_config: str = "", host_key_type: str = "ed25519") -> None:
        super().__init__(workdir, extra_config, host_key_type)
        self.home = self.workdir / "home"
        self.ssh_dir = self.home / ".ssh"
        self.ssh_dir.mkdir(parents=True, exist_ok=True)
        self.authorized_keys = self.ssh_dir / "authorized_keys"
        self.authorized_keys2 = self.ssh_dir / "authorized_keys2"

    def _config_text(self) -> str:
        lines = []
        for line in super()._config_text().split("\n"):
            if line.startswith("AuthorizedKeysFile "):
                line = f"AuthorizedKeysFile {self.authorized_keys} {self.authorized_keys2}"
            elif line.startswith("Subsystem sftp"):
                line = f"Subsystem sftp internal-sftp -d {self.home}"
            lines.append(line)
        return "\n".join(lines)
