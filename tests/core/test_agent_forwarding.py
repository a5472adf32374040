"""Agent forwarding: off unless the profile (or ssh_config's ForwardAgent) turns it on.

A real ssh-agent on a temporary socket holds a key; with forwarding on, a
command on OpenSSH's sshd sees SSH_AUTH_SOCK and can list that key through it.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import asyncssh
import pytest

from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.profile_connect import spec_from_profile
from sshdeck.core.ssh.session import ConnectSpec, Session
from tests.core.conftest import keygen


@pytest.fixture
def agent(tmp_path: Path):
    """ssh-agent in the foreground on a socket in tmp_path, holding one key; yields (socket, fingerprint)."""
    sock = tmp_path / "agent.sock"
    process = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if sock.exists():
                break
            time.sleep(0.02)
        key = keygen(tmp_path / "agent_key")
        subprocess.run(["ssh-add", "-q", str(key)], check=True, env={**os.environ, "SSH_AUTH_SOCK": str(sock)},
                       stdin=subprocess.DEVNULL, capture_output=True)
        yield str(sock), asyncssh.read_public_key(f"{key}.pub").get_fingerprint("sha256")
    finally:
        process.terminate()
        process.wait()


def _profile(server, agent_sock: str, forwarding: bool) -> ConnectSpec:
    profile = HostProfile(
        name="box", host="127.0.0.1", port=server.port, user=server.username,
        identity_files=[str(server.client_key)], auth_methods=["key"], agent_forwarding=forwarding,
    )
    spec = spec_from_profile(profile, ssh_config=None)
    return ConnectSpec(**{**spec.__dict__, "agent_path": agent_sock})


async def _remote(spec: ConnectSpec, trust_store, command: str) -> str:
    async with Session(spec, ConnectCallbacks(), trust=trust_store) as session:
        result = await session.run(command)
    return str(result.stdout)


async def test_forwarded_agent_is_usable_on_the_server(openssh_server, trust_store, agent) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    sock, fingerprint = agent
    out = await _remote(_profile(openssh_server, sock, True), trust_store, 'echo "sock=${SSH_AUTH_SOCK:-none}"; ssh-add -l')
    assert "sock=none" not in out and "sock=/" in out
    assert fingerprint in out


async def test_agent_is_not_forwarded_by_default(openssh_server, trust_store, agent) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    assert HostProfile().agent_forwarding is False
    sock, _fingerprint = agent
    out = await _remote(_profile(openssh_server, sock, False), trust_store, 'echo "sock=${SSH_AUTH_SOCK:-none}"')
    assert out.strip() == "sock=none"


async def test_forward_agent_in_ssh_config_is_honoured_for_a_typed_target(openssh_server, trust_store, agent, tmp_path) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    sock, fingerprint = agent
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host box\n  HostName 127.0.0.1\n  Port {openssh_server.port}\n  User {openssh_server.username}\n"
        f"  IdentityFile {openssh_server.client_key}\n  IdentitiesOnly yes\n  ForwardAgent yes\n  IdentityAgent {sock}\n"
    )
    spec = ConnectSpec(host="box", ssh_config=str(config))
    out = await _remote(spec, trust_store, "ssh-add -l")
    assert fingerprint in out


async def test_forward_agent_naming_a_socket_forwards_that_agent(openssh_server, trust_store, agent, tmp_path) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    sock, fingerprint = agent
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host box\n  HostName 127.0.0.1\n  Port {openssh_server.port}\n  User {openssh_server.username}\n"
        f"  IdentityFile {openssh_server.client_key}\n  IdentitiesOnly yes\n  ForwardAgent {sock}\n"
    )
    out = await _remote(ConnectSpec(host="box", ssh_config=str(config), use_agent=False), trust_store, "ssh-add -l")
    assert fingerprint in out


async def test_forward_agent_no_in_ssh_config_keeps_it_off(openssh_server, trust_store, agent, tmp_path) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    sock, _fingerprint = agent
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host box\n  HostName 127.0.0.1\n  Port {openssh_server.port}\n  User {openssh_server.username}\n"
        f"  IdentityFile {openssh_server.client_key}\n  ForwardAgent no\n  IdentityAgent {sock}\n"
    )
    out = await _remote(ConnectSpec(host="box", ssh_config=str(config)), trust_store, 'echo "sock=${SSH_AUTH_SOCK:-none}"')
    assert out.strip() == "sock=none"
