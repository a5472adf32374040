"""ProxyCommand: hosts reached through a local command (bastions, cloud session managers).

The command is a small Python relay (tests/support/tcp_relay.py) that logs the
host and port it was given, so each test proves the connection went through
it with OpenSSH's %h and %p tokens expanded.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import pytest

from sshdeck.commands import ls
from sshdeck.core.hosts.profiles import HostProfile
from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.connect_errors import ConnectError
from sshdeck.core.ssh.connect_spec import ConnectSpec, expand_proxy_command
from sshdeck.core.ssh.profile_connect import spec_from_profile
from sshdeck.core.ssh.session import Session
from sshdeck.core.trust import HostKeyDecision

RELAY = Path(__file__).resolve().parent.parent / "support" / "tcp_relay.py"


async def _once(_check) -> HostKeyDecision:
    return HostKeyDecision.ONCE


def relay_command(log: Path) -> str:
    return f"{sys.executable} {RELAY} {log} %h %p"


async def _ls(config: Path, target: str, trust_store) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="sshdeck")
    ls.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["ls", "-F", str(config), "--batch", target])
    out, err = io.StringIO(), io.StringIO()
    code = await ls.run_async(args, stdin=io.StringIO(""), stdout=out, stderr=err, trust=trust_store)
    return code, out.getvalue(), err.getvalue()


def test_tokens_are_expanded_as_openssh_does(hermetic_home) -> None:
    from sshdeck.core.ssh.connect_spec import local_user

    text = expand_proxy_command("ssh -W %h:%p %r@bastion # %n 100%%", host="10.0.0.5", port=2222, user="bob", alias="db")
    assert text == "ssh -W 10.0.0.5:2222 bob@bastion # db 100%"
    text = expand_proxy_command("relay --as %u --home %d", host="h", port=22, user="bob", alias="h")
    assert text == f"relay --as {local_user()} --home {hermetic_home}"


async def test_the_command_runs_without_a_shell(openssh_server, trust_store, tmp_path) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    log, marker = tmp_path / "relay.log", tmp_path / "marker"
    spec = ConnectSpec(
        host="127.0.0.1", port=openssh_server.port, user=openssh_server.username, ssh_config=None, use_agent=False,
        identity_files=(str(openssh_server.client_key),), proxy_command=relay_command(log) + f" ; touch {marker}",
    )
    async with Session(spec, ConnectCallbacks(decide_host_key=_once), trust=trust_store) as session:
        assert session.connected
    assert log.exists() and not marker.exists()  # ";" reached the relay as a word, not a shell


def test_an_unknown_token_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown token %Z"):
        expand_proxy_command("relay %Z", host="h", port=22, user="u", alias="h")


async def test_ls_through_an_ssh_config_alias_with_proxy_command(openssh_server, trust_store, tmp_path) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    log = tmp_path / "relay.log"
    (tmp_path / "remote").mkdir()
    (tmp_path / "remote" / "through-the-relay.txt").write_text("x")
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host hidden\n  HostName 127.0.0.1\n  Port {openssh_server.port}\n  User {openssh_server.username}\n"
        f"  IdentityFile {openssh_server.client_key}\n  IdentitiesOnly yes\n"
        f"  ProxyCommand {relay_command(log)}\n"
    )
    code, out, err = await _ls(config, f"hidden:{tmp_path / 'remote'}", trust_store)
    assert code == 0, err
    assert out.splitlines() == ["through-the-relay.txt"]
    assert log.read_text().splitlines() == [f"127.0.0.1 {openssh_server.port}"]


async def test_a_profiles_proxy_command_carries_the_connection(openssh_server, trust_store, tmp_path) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    log = tmp_path / "relay.log"
    profile = HostProfile(
        name="behind-bastion", host="127.0.0.1", port=openssh_server.port, user=openssh_server.username,
        identity_files=[str(openssh_server.client_key)], auth_methods=["key"], proxy_command=relay_command(log),
    )
    spec = spec_from_profile(profile, ssh_config=None)
    async with Session(spec, ConnectCallbacks(decide_host_key=_once), trust=trust_store) as session:
        assert session.connected
        result = await session.run("echo over-the-relay")
    assert "over-the-relay" in str(result.stdout)
    assert log.read_text().splitlines() == [f"127.0.0.1 {openssh_server.port}"]


async def test_without_proxy_command_the_relay_is_not_used(openssh_server, trust_store, tmp_path) -> None:
    profile = HostProfile(
        name="direct", host="127.0.0.1", port=openssh_server.port, user=openssh_server.username,
        identity_files=[str(openssh_server.client_key)], auth_methods=["key"],
    )
    async with Session(spec_from_profile(profile, ssh_config=None), ConnectCallbacks(decide_host_key=_once), trust=trust_store) as session:
        assert session.connected
    assert not (tmp_path / "relay.log").exists()


async def test_a_proxy_command_that_fails_is_one_line(trust_store, tmp_path) -> None:
    spec = ConnectSpec(host="127.0.0.1", port=22, user="u", ssh_config=None, use_agent=False,
                       proxy_command=f"{sys.executable} -c 'import sys; sys.exit(3)'")
    with pytest.raises(ConnectError) as caught:
        await Session(spec, ConnectCallbacks(decide_host_key=_once), trust=trust_store).connect()
    message = str(caught.value)
    assert "\n" not in message and "127.0.0.1" in message
    assert "through ProxyCommand" in message and "sys.exit(3)" in message


async def test_a_bad_token_in_a_profile_is_a_config_error(trust_store) -> None:
    spec = ConnectSpec(host="127.0.0.1", port=22, user="u", ssh_config=None, use_agent=False, proxy_command="relay %Z")
    with pytest.raises(ConnectError) as caught:
        await Session(spec, ConnectCallbacks(decide_host_key=_once), trust=trust_store).connect()
    assert caught.value.kind == "config" and "unknown token %Z" in str(caught.value)
