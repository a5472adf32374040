"""`sshdeck tunnel [-F ssh_config] [--batch] [--accept-new] TARGET [-L …] [-R …] [-D …]`: run port forwards.

-L [BIND:]PORT:HOST:HOSTPORT listens here and connects to HOST:HOSTPORT from
the server; -R the other way round; -D [BIND:]PORT is a SOCKS4/4a/5 proxy.
Without forward flags, the saved profile's tunnels (or the ssh_config
alias's LocalForward/RemoteForward/DynamicForward lines) run.  One line per
forward once it listens; runs until SIGINT/SIGTERM (exit 0); a dropped
connection is retried with backoff while the local ports stay bound.  Exit 1
when a forward cannot listen (the port is named) or the connection fails,
2 for bad arguments or nothing to forward.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import IO

import dataclasses

from sshdeck.commands.connect_flags import add_connect_flags, report_host_key_refusal
from sshdeck.commands import output
from sshdeck.commands.cli_login import cli_callbacks
from sshdeck.core.hosts.profiles import Tunnel
from sshdeck.core.hosts.ssh_config_import import preview_ssh_config
from sshdeck.core.hosts.targets import TargetError, parse_target
from sshdeck.core.ssh.connect_errors import ConnectError, HostKeyRefused
from sshdeck.core.ssh.connect_spec import DEFAULT_SSH_CONFIG
from sshdeck.core.ssh.session import Session
from sshdeck.core.ssh.profile_connect import spec_for_target
from sshdeck.core.trust import TrustPolicy, TrustStore
from sshdeck.core.tunnels import ForwardSpecError, TunnelEvent, TunnelSet, TunnelState, parse_forward

NAME = "tunnel"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="run port forwards (-L, -R, -D) until interrupted",
        description="Run SSH port forwards with the same host-key checks as the app; reconnects after a drop.",
    )
    add_connect_flags(parser)
    parser.add_argument("-L", dest="local", action="append", default=[], metavar="[BIND:]PORT:HOST:HOSTPORT", help="local forward")
    parser.add_argument("-R", dest="remote", action="append", default=[], metavar="[BIND:]PORT:HOST:HOSTPORT", help="remote forward")
    parser.add_argument("-D", dest="dynamic", action="append", default=[], metavar="[BIND:]PORT", help="SOCKS proxy")
    parser.add_argument("target", metavar="TARGET", help="user@host[:port], a saved profile's name or an ssh_config alias")
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(run_async(args))
    except KeyboardInterrupt:
        return 0


def _say(stream: IO[str], text: str) -> None:
    output.out(text, file=stream, flush=True)


def _config_forwards(alias: str, ssh_config: str) -> list[Tunnel]:
    path = Path(ssh_config).expanduser()
    if not path.is_file():
        return []
    for candidate in preview_ssh_config(path).candidates:
        if candidate.alias == alias:
            return candidate.profile.tunnels
    return []


async def run_async(
    args: argparse.Namespace,
    *,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    trust: TrustStore | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """The command; streams, trust store and the stop event are injectable for tests."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        target = parse_target(args.target)
        forwards = [parse_forward(kind, text) for kind in ("local", "remote", "dynamic") for text in getattr(args, kind)]
    except (TargetError, ForwardSpecError) as exc:
        _say(err, f"sshdeck tunnel: {exc}")
        return 2
    spec, profile = spec_for_target(target, ssh_config=args.ssh_config or DEFAULT_SSH_CONFIG)
    if args.accept_new and spec.policy == TrustPolicy.ASK:
        spec = dataclasses.replace(spec, policy=TrustPolicy.ACCEPT_NEW)
    if not forwards:
        if profile is not None:
            forwards = list(profile.tunnels)
        elif target.user is None and target.port is None:
            forwards = _config_forwards(target.host, args.ssh_config or DEFAULT_SSH_CONFIG)
    if not forwards:
        _say(err, f"sshdeck tunnel: no tunnel for {args.target}: give -L, -R or -D, or save tunnels in its profile")
        return 2
    trust = trust or TrustStore()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass

    def on_event(event: TunnelEvent) -> None:
        if event.kind == "listening" and event.status is not None:
            _say(out, f"listening {event.status.tunnel.describe()}")
        elif event.kind == "lost":
            _say(out, f"connection lost; reconnecting in {event.delay:g} s")
        elif event.kind == "retry":
            _say(err, f"sshdeck tunnel: reconnect failed: {event.reason}")
        elif event.kind == "reconnected":
            _say(out, "reconnected")
        elif event.kind == "error" and event.status is not None:
            _say(err, f"sshdeck tunnel: {event.status.tunnel.describe()}: {event.reason}")

    session = Session(spec, cli_callbacks(args, stdin or sys.stdin, err), trust=trust)
    tunnels = TunnelSet(session, forwards, on_event)
    try:
        await session.connect()
        await tunnels.start(list(range(len(forwards))))
        if any(s.state == TunnelState.ERROR for s in tunnels.statuses):
            return 1
        await stop.wait()
        return 0
    except HostKeyRefused as exc:
        report_host_key_refusal(exc, args, command="tunnel", target=args.target, own_file=str(trust.own_file), err=err)
        return 1
    except ConnectError as exc:
        _say(err, f"sshdeck tunnel: {exc}")
        return 1
    finally:
        await tunnels.close()
        await session.close()
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.remove_signal_handler(signum)
            except (NotImplementedError, RuntimeError, ValueError):
                pass


__all__ = ["add_parser", "run", "run_async"]
