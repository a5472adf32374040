"""`sshdeck tunnel`: forwards from flags, profiles or ssh_config; listening lines, SIGTERM, ports in use, reconnect."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sshdeck.commands import tunnel
from tests.support.tunnel_tools import (
    EchoServer,
    busy_port,
    echo_through,
    eventually,
    free_port,
    kill_sshd_sessions,
    socks5_through,
)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sshdeck")
    tunnel.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["tunnel", *argv])


def write_config(path: Path, server, extra: str = "") -> Path:
    path.write_text(
        f"Host box\n  HostName 127.0.0.1\n  Port {server.port}\n  User {server.username}\n{extra}"
        f"Host *\n  IdentityFile {server.client_key}\n  IdentitiesOnly yes\n"
    )
    return path


class Running:
    """`sshdeck tunnel` in this event loop, with its output collected."""

    def __init__(self, args: argparse.Namespace, trust_store) -> None:
        self.out, self.err = io.StringIO(), io.StringIO()
        self.stop = asyncio.Event()
        self.task = asyncio.ensure_future(
            tunnel.run_async(args, stdin=io.StringIO(), stdout=self.out, stderr=self.err, trust=trust_store, stop=self.stop)
        )

    def lines(self) -> list[str]:
        return self.out.getvalue().splitlines()

    async def finish(self) -> int:
        self.stop.set()
        return await asyncio.wait_for(self.task, 30)


async def test_local_and_socks_forwards_print_listening_lines_and_carry_traffic(openssh_server, trust_store, tmp_path) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    config = write_config(tmp_path / "ssh_config", openssh_server)
    async with EchoServer() as echo:
        local, socks = free_port(), free_port()
        running = Running(parse("-F", str(config), "--batch", "box", "-L", f"{local}:127.0.0.1:{echo.port}", "-D", str(socks)), trust_store)
        await eventually(lambda: len(running.lines()) == 2 or running.task.done(), "both forwards listen")
        assert running.lines() == [f"listening 127.0.0.1:{local} -> 127.0.0.1:{echo.port}", f"listening 127.0.0.1:{socks} (SOCKS)"]
        assert await echo_through(local, b"ping") == b"ping"
        assert await running.finish() == 0


async def test_ssh_config_alias_forwards_run_without_flags(openssh_server, trust_store, tmp_path) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    async with EchoServer() as echo:
        local, remote = free_port(), free_port()
        config = write_config(
            tmp_path / "ssh_config", openssh_server,
            f"  LocalForward {local} 127.0.0.1:{echo.port}\n  RemoteForward {remote} 127.0.0.1:{echo.port}\n",
        )
        running = Running(parse("-F", str(config), "--batch", "box"), trust_store)
        await eventually(lambda: len(running.lines()) == 2 or running.task.done(), "both forwards listen")
        assert running.lines() == [
            f"listening 127.0.0.1:{local} -> 127.0.0.1:{echo.port}",
            f"listening remote 127.0.0.1:{remote} -> 127.0.0.1:{echo.port}",
        ]
        assert await echo_through(remote, b"back home") == b"back home"
        assert await running.finish() == 0


async def test_saved_profile_tunnels_run_without_flags(openssh_server, trust_store, tmp_path) -> None:
    from sshdeck.core.hosts.profile_store import ProfileStore
    from sshdeck.core.hosts.profiles import HostProfile, Tunnel

    openssh_server.write_known_hosts(trust_store.read_files[0])
    async with EchoServer() as echo:
        socks = free_port()
        store = ProfileStore.load()
        store.add(HostProfile(
            name="dbhost", host=openssh_server.host, port=openssh_server.port, user=openssh_server.username,
            identity_files=[str(openssh_server.client_key)], tunnels=[Tunnel("socks", socks, kind="dynamic", autostart=False)],
        ))
        store.save()
        empty = tmp_path / "empty_config"
        empty.write_text("")
        running = Running(parse("-F", str(empty), "--batch", "dbhost"), trust_store)
        await eventually(lambda: bool(running.lines()) or running.task.done(), "the saved tunnel listens")
        assert running.lines() == [f"listening 127.0.0.1:{socks} (SOCKS)"], running.err.getvalue()
        assert await socks5_through(socks, "127.0.0.1", echo.port, b"saved") == b"saved"
        assert await running.finish() == 0


async def test_port_in_use_exits_1_naming_the_port(openssh_server, trust_store, tmp_path) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    config = write_config(tmp_path / "ssh_config", openssh_server)
    with busy_port() as taken:
        port = taken.getsockname()[1]
        running = Running(parse("-F", str(config), "--batch", "box", "-L", f"{port}:127.0.0.1:5432"), trust_store)
        assert await asyncio.wait_for(running.task, 30) == 1
    assert f"port {port} already in use" in running.err.getvalue()


async def test_no_tunnel_given_or_saved_exits_2(trust_store, tmp_path) -> None:
    config = tmp_path / "ssh_config"
    config.write_text("Host box\n  HostName 127.0.0.1\n")
    running = Running(parse("-F", str(config), "--batch", "box"), trust_store)
    assert await asyncio.wait_for(running.task, 30) == 2
    assert running.err.getvalue() == "sshdeck tunnel: no tunnel for box: give -L, -R or -D, or save tunnels in its profile\n"


async def test_bad_forward_spec_exits_2_with_one_line(trust_store) -> None:
    running = Running(parse("box", "-L", "30000"), trust_store)
    assert await asyncio.wait_for(running.task, 30) == 2
    assert running.err.getvalue() == "sshdeck tunnel: '-L 30000': expected [BIND:]PORT:HOST:HOSTPORT\n"


async def test_reconnects_after_a_drop_and_keeps_its_local_port(make_openssh_server, trust_store, tmp_path) -> None:
    server = make_openssh_server()
    server.write_known_hosts(trust_store.read_files[0])
    config = write_config(tmp_path / "ssh_config", server)
    async with EchoServer() as echo:
        local = free_port()
        running = Running(parse("-F", str(config), "--batch", "box", "-L", f"{local}:127.0.0.1:{echo.port}"), trust_store)
        await eventually(lambda: bool(running.lines()) or running.task.done(), "the forward listens")
        assert kill_sshd_sessions(server) > 0
        await eventually(lambda: "reconnected" in running.lines() or running.task.done(), "the command reconnects")
        assert running.lines()[1] == "connection lost; reconnecting in 1 s"
        assert await echo_through(local, b"again") == b"again"
        assert await running.finish() == 0


def test_tunnel_subprocess_prints_listening_and_exits_0_on_sigterm(openssh_server, trust_store, tmp_path) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    config = write_config(tmp_path / "ssh_config", openssh_server)
    port = free_port()
    env = dict(os.environ)
    process = subprocess.Popen(
        [sys.executable, "-m", "sshdeck", "tunnel", "-F", str(config), "--batch", "--accept-new", "box", "-L", f"{port}:127.0.0.1:22"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        line = process.stdout.readline()
        assert line == f"listening 127.0.0.1:{port} -> 127.0.0.1:22\n", process.stderr.read() if not line else line
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
