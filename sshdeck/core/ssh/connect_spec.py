"""What to connect to, and how ssh_config fills in what the caller left out.

`ConnectSpec` is what a profile, the quick-connect bar or `sshdeck ls` hands
the session manager.  `resolve_target` reads the user's ssh_config the way
asyncssh will (HostName, Port, User, IdentityFile, CertificateFile,
ProxyJump, …) so sshdeck can do itself the parts it must not leave to
asyncssh: jump hosts, key loading and the host-key checks.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

from asyncssh.config import SSHClientConfig

from sshdeck.core.ssh.client_keys import DEFAULT_IDENTITY_FILES
from sshdeck.core.trust.check import TrustPolicy

DEFAULT_SSH_CONFIG = "~/.ssh/config"
WINDOW_SIZE = 16 * 1024 * 1024
# asyncssh's default largest packet (32 KiB) is kept on purpose: with bigger packets sshd does send
# fewer of them when the client falls behind, but asyncssh gathers a packet that arrives in pieces
# by concatenating bytes (quadratic in the packet size), and a 512 MiB get from sshd cost ~30 %
# more client CPU with 252 KiB packets (benchmarks/cpu.py, alternating runs, 2026-11-29).
DEFAULT_CONNECT_TIMEOUT = 20.0

# AES-GCM is one call per packet in asyncssh, chacha20-poly1305 several:
# measured 1.5–2× faster on bulk transfers (see DESIGN.md).
PREFERRED_CIPHERS = (
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
    "aes256-ctr",
    "aes192-ctr",
    "aes128-ctr",
)


@dataclass(frozen=True)
class ConnectSpec:
    """One host to connect to, with everything a profile can say about it.

    None means "not set here": ssh_config, then OpenSSH's default, decides.
    `ssh_config` is the config file to honour (None: no config at all).
    `jump` is a ProxyJump list (`user@host:port,...`); "none" ignores ssh_config's.
    """

    host: str
    port: int | None = None
    user: str | None = None
    identity_files: tuple[str, ...] = ()
    certificate_file: str | None = None
    jump: str | None = None
    keepalive_interval: float | None = None
    keepalive_count_max: int | None = None
    pinned_fingerprints: tuple[str, ...] = ()
    policy: TrustPolicy = TrustPolicy.ASK
    remote_command: str | None = None
    force_pty: bool = False
    ssh_config: str | None = DEFAULT_SSH_CONFIG
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    remote_folder: str | None = None
    use_agent: bool = True
    agent_path: str | None = None  # None: IdentityAgent from ssh_config, else $SSH_AUTH_SOCK
    use_key_files: bool = True
    # SSH method names in the order to try ("publickey", "keyboard-interactive", "password"); None: asyncssh's.
    preferred_auth: tuple[str, ...] | None = None
    # A local command that carries the connection (OpenSSH's ProxyCommand, tokens unexpanded); None: ssh_config's.
    proxy_command: str | None = None
    # Forward the ssh-agent to the server; None: ssh_config's ForwardAgent (off when unset).
    agent_forwarding: bool | None = None

    def config_paths(self) -> list[str]:
        if not self.ssh_config:
            return []
        path = Path(self.ssh_config).expanduser()
        return [str(path)] if path.is_file() else []


@dataclass(frozen=True)
class ResolvedTarget:
    """A ConnectSpec with ssh_config applied: what will really be used."""

    alias: str
    host: str
    port: int
    user: str
    host_key_alias: str | None
    identity_files: list[str]
    certificate_files: list[str]
    jump: str | None
    agent_path: str | None
    identities_only: bool
    ciphers_configured: bool
    host_key_algs_configured: bool
    connect_timeout: float
    known_hosts_files: list[str] = field(default_factory=list)
    gss_auth: bool = False
    proxy_command: str | None = None  # expanded, ready to run
    # The agent socket to forward, or None: no agent forwarding.
    forward_agent_path: str | None = None

    @property
    def trust_name(self) -> str:
        """The name host keys are checked and saved under (HostKeyAlias or HostName)."""
        return self.host_key_alias or self.host


def local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "user")


def resolve_target(spec: ConnectSpec) -> ResolvedTarget:
    """Apply the spec's ssh_config to it, the way asyncssh will when connecting."""
    config = SSHClientConfig.load(
        None, spec.config_paths(), False, False, False, local_user(), spec.user or (), spec.host, spec.port or ()
    )
    get = config.get
    identity_files = list(spec.identity_files) or list(get("IdentityFile", None) or ()) or list(DEFAULT_IDENTITY_FILES)
    if not spec.use_key_files:
        identity_files = []
    certificates = [spec.certificate_file] if spec.certificate_file else list(get("CertificateFile", None) or ())
    jump = spec.jump if spec.jump is not None else get("ProxyJump", None)
    if isinstance(jump, str) and jump.lower() == "none":
        jump = None
    agent: str | None = None
    if spec.use_agent:
        agent = spec.agent_path or _agent_from_config(get("IdentityAgent", None))
    timeout = get("ConnectTimeout", None)
    host = str(get("Hostname", None) or spec.host)
    port = int(spec.port or get("Port", None) or 22)
    user = str(spec.user or get("User", None) or local_user())
    if spec.proxy_command is not None:
        proxy = expand_proxy_command(spec.proxy_command, host=host, port=port, user=user, alias=spec.host) or None
    else:
        # asyncssh's config reader already expanded the tokens.
        configured = get("ProxyCommand", None)
        proxy = configured if isinstance(configured, str) and configured.lower() != "none" else None
    forward_path = _forward_agent_path(spec, get("ForwardAgent", None), get("IdentityAgent", None))
    known_files = [
        str(Path(p).expanduser())
        for option in ("UserKnownHostsFile", "GlobalKnownHostsFile")
        for p in (get(option, None) or ())
        if p and p.lower() != "none"
    ]
    return ResolvedTarget(
        alias=spec.host,
        host=host,
        port=port,
        user=user,
        host_key_alias=get("HostKeyAlias", None),  # type: ignore[arg-type]
        identity_files=[str(p) for p in identity_files],
        certificate_files=[str(p) for p in certificates],
        jump=jump,  # type: ignore[arg-type]
        agent_path=agent,
        identities_only=bool(get("IdentitiesOnly", False)),
        ciphers_configured=get("Ciphers", None) is not None,
        host_key_algs_configured=get("HostKeyAlgorithms", None) is not None,
        connect_timeout=float(timeout) if timeout else spec.connect_timeout,
        known_hosts_files=known_files,
        gss_auth=bool(get("GSSAPIAuthentication", False)),
        proxy_command=proxy,
        forward_agent_path=forward_path,
    )


def expand_proxy_command(command: str, *, host: str, port: int, user: str, alias: str) -> str:
    """ProxyCommand's %-tokens expanded as OpenSSH does (%h %p %r %n %u %d %%); ValueError on an unknown one."""
    values = {"%": "%", "h": host, "p": str(port), "r": user, "n": alias, "u": local_user(),
              "d": os.path.expanduser("~")}
    out: list[str] = []
    i = 0
    while i < len(command):
        ch = command[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        token = command[i + 1 : i + 2]
        if token not in values:
            raise ValueError(f"ProxyCommand has an unknown token %{token} (known: %h %p %r %n %u %d %%)")
        out.append(values[token])
        i += 2
    return "".join(out)


def _forward_agent_path(spec: ConnectSpec, configured: object, identity_agent: object) -> str | None:
    """The agent socket to forward, or None.  ForwardAgent may also name a socket (or $VAR) itself."""
    if spec.agent_forwarding is False:
        return None
    if spec.agent_forwarding is None:
        if configured in (None, False) or str(configured).lower() in ("no", "false"):
            return None
        if isinstance(configured, str) and configured.lower() not in ("yes", "true"):
            return _agent_from_config(configured)
    return spec.agent_path or _agent_from_config(identity_agent)


def _agent_from_config(value: object) -> str | None:
    if isinstance(value, str) and value:
        if value.lower() == "none":
            return None
        if value == "SSH_AUTH_SOCK":
            return os.environ.get("SSH_AUTH_SOCK") or None
        if value.startswith("$"):
            return os.environ.get(value[1:]) or None
        return str(Path(value).expanduser())
    return os.environ.get("SSH_AUTH_SOCK") or None


def cipher_list() -> list[str]:
    """Our cipher preference, limited to what this asyncssh build supports."""
    import asyncssh.encryption

    supported = {alg.decode() for alg in asyncssh.encryption.get_encryption_algs()}
    return [alg for alg in PREFERRED_CIPHERS if alg in supported]
