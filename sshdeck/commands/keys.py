"""`sshdeck keys list|add|disable|enable|remove|generate`: authorized_keys and local keys.

    sshdeck keys list TARGET
    sshdeck keys add TARGET PUBKEY_FILE [--from PATTERNS] [--file authorized_keys|authorized_keys2]
    sshdeck keys disable|enable|remove TARGET SHA256:FP [--force]
    sshdeck keys generate PATH [--type ed25519|rsa] [--comment TEXT] [--no-passphrase]

TARGET connects like `sshdeck ls` (same -F/--batch/--accept-new, host-key
checks and login).  Comments and options come from the server's files and
are printed escaped.  Exit status 0 on success, 1 on failure, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path
from typing import IO

import asyncssh

from sshdeck.commands import output
from sshdeck.commands.connect_flags import add_connect_flags, report_host_key_refusal
from sshdeck.commands.cli_login import cli_callbacks, cli_spec
from sshdeck.core.fs.names import clean_reason, display_path
from sshdeck.core.hosts.targets import TargetError, parse_target
from sshdeck.core.keys.authorized_keys import FILES, AuthorizedKeys, KeysError, KeysListing
from sshdeck.core.keys.authorized_keys_format import KeyTextError, public_key_from_text
from sshdeck.core.keys.generate import KeyGenerationError, generate_key
from sshdeck.core.ssh.connect_errors import ConnectError, HostKeyRefused
from sshdeck.core.ssh.session import Session
from sshdeck.core.trust import TrustStore

NAME = "keys"
PROG = "sshdeck keys"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME,
        help="manage a host's authorized_keys; generate keys",
        description="List, add, disable, enable and remove keys in ~/.ssh/authorized_keys{,2} over SFTP; generate local keys.",
    )
    actions = parser.add_subparsers(dest="keys_action", metavar="ACTION", required=True)

    def remote(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text)
        add_connect_flags(sub)
        sub.add_argument("target", metavar="TARGET", help="user@host, alias or sftp://user@host:port")
        return sub

    remote("list", "list the keys of ~/.ssh/authorized_keys and authorized_keys2")
    add = remote("add", "add a public key (a no-op when it is already there)")
    add.add_argument("pubkey_file", metavar="PUBKEY_FILE", help="a local .pub file")
    add.add_argument("--from", dest="from_patterns", metavar="PATTERNS", help='restrict the key to these hosts (from="…")')
    add.add_argument("--file", choices=FILES, default="authorized_keys", help="which file to add it to")
    for name, text in (("disable", "comment a key out with #"), ("enable", "uncomment a disabled key"), ("remove", "delete a key's line")):
        sub = remote(name, text)
        sub.add_argument("fingerprint", metavar="SHA256:FP", help="the key's fingerprint, as `keys list` shows it")
        if name != "enable":
            sub.add_argument("--force", action="store_true", help="even if it is the key this session logged in with")
    gen = actions.add_parser("generate", help="make a new key pair (never overwrites)")
    gen.add_argument("path", metavar="PATH", help="private key file; the public half goes to PATH.pub")
    gen.add_argument("--type", dest="key_type", choices=("ed25519", "rsa"), default="ed25519", help="ed25519 (default) or rsa (4096 bits)")
    gen.add_argument("--comment", default="", help="the key's comment")
    gen.add_argument("--no-passphrase", action="store_true", help="do not ask for a passphrase")
    return parser


def run(args: argparse.Namespace) -> int:
    """Entry point used by cli.py."""
    if args.keys_action == "generate":
        return run_generate(args)
    try:
        return asyncio.run(run_async(args))
    except KeyboardInterrupt:
        output.err(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def run_generate(args: argparse.Namespace, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None, ask=getpass.getpass) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    passphrase = None
    if not args.no_passphrase:
        try:
            first = ask("Passphrase for the new key (empty for none): ")
            second = ask("Same passphrase again: ")
        except (EOFError, KeyboardInterrupt):
            output.err(f"{PROG}: no passphrase given; nothing written", file=err)
            return 1
        if first != second:
            output.err(f"{PROG}: the passphrases differ; nothing written", file=err)
            return 1
        passphrase = first or None
    try:
        key = generate_key(Path(args.path), key_type=args.key_type, comment=args.comment, passphrase=passphrase)
    except KeyGenerationError as exc:
        output.err(f"{PROG}: {exc}", file=err)
        return 1
    output.err(f"wrote {key.private_path} and {key.public_path} ({key.public_key.fingerprint})", file=err)
    output.out(key.public_text, file=out)
    return 0


async def run_async(
    args: argparse.Namespace,
    *,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    trust: TrustStore | None = None,
) -> int:
    """The remote actions; streams and trust store are injectable for tests."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        target = parse_target(args.target)
    except TargetError as exc:
        output.err(f"{PROG}: {exc}", file=err)
        return 2
    key = None
    if args.keys_action == "add":
        try:
            key = public_key_from_text(Path(args.pubkey_file).read_text(encoding="utf-8", errors="replace"))
        except OSError as exc:
            output.err(f"{PROG}: cannot read {args.pubkey_file}: {exc.strerror}", file=err)
            return 1
        except KeyTextError as exc:
            output.err(f"{PROG}: {args.pubkey_file}: {exc}", file=err)
            return 1
    trust = trust or TrustStore()
    session = Session(cli_spec(target, args), cli_callbacks(args, stdin or sys.stdin, err), trust=trust)
    try:
        await session.connect()
        manager = AuthorizedKeys(await session.sftp(), session.login_key_fingerprint)
        action = args.keys_action
        if action == "list":
            listing = await manager.load()
            for line in listing_lines(listing):
                output.out(line, file=out)
            return 0
        if action == "add":
            assert key is not None
            message = await manager.add(key, from_patterns=args.from_patterns, file=args.file)
        elif action == "disable":
            message = await manager.disable(args.fingerprint, force=args.force)
        elif action == "enable":
            message = await manager.enable(args.fingerprint)
        else:
            message = await manager.remove(args.fingerprint, force=args.force)
        output.out(message, file=out)
        return 0
    except HostKeyRefused as exc:
        report_host_key_refusal(exc, args, command=f"keys {args.keys_action}", target=args.target,
                                own_file=str(trust.own_file), err=err)
        return 1
    except (ConnectError, KeysError, KeyTextError) as exc:
        output.err(f"{PROG}: {exc}", file=err)
        return 1
    except (asyncssh.SFTPError, asyncssh.ChannelOpenError) as exc:
        output.err(f"{PROG}: {clean_reason(str(getattr(exc, 'reason', exc)))}", file=err)
        return 1
    finally:
        await session.close()


def listing_lines(listing: KeysListing) -> list[str]:
    """One line per entry: state, type, fingerprint, comment, options, file:line, and the login mark."""
    lines = []
    for entry in listing.entries:
        parts = [
            "enabled " if entry.enabled else "disabled",
            entry.key.key_type,
            entry.fingerprint,
            display_path(entry.key.comment) or "-",
            display_path(",".join(entry.options)) or "-",
            entry.where,
        ]
        if listing.is_login_key(entry):
            parts.append("(this session)")
        lines.append("  ".join(parts))
    lines.extend(bad.message() for bad in listing.bad_lines)
    if not listing.entries and not listing.bad_lines:
        lines.append(f"no keys in {display_path(listing.ssh_dir)}/authorized_keys or authorized_keys2")
    return lines


__all__ = ["add_parser", "listing_lines", "run", "run_async", "run_generate"]
