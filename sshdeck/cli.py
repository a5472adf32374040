"""The `sshdeck` command: the TUI by default, `--demo`, and subcommands (ls, cp, …)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from sshdeck import __version__
from sshdeck.commands import SUBCOMMANDS

log = logging.getLogger("sshdeck")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sshdeck",
        description="A terminal file and session manager for SSH/SFTP.",
        epilog="Run `sshdeck --demo` to try it against a built-in local server.",
    )
    parser.add_argument("--version", action="version", version=f"sshdeck {__version__}")
    parser.add_argument(
        "--demo",
        nargs="?",
        const="",
        metavar="DIR",
        help="start a local in-process SSH/SFTP server (serving DIR, or a sample sandbox) and connect to it",
    )
    parser.add_argument("--theme", metavar="NAME", help="colour theme (saved for next time when changed in the app)")
    parser.add_argument("--local", metavar="DIR", help="folder for the local pane (default: the current folder)")
    if SUBCOMMANDS:
        subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
        for name in SUBCOMMANDS:
            importlib.import_module(f"sshdeck.commands.{name}").add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from sshdeck.core.logs import setup_logging

    try:
        setup_logging()
    except OSError as exc:
        print(f"sshdeck: cannot write the log file: {exc}", file=sys.stderr)
    command = getattr(args, "command", None)
    if command:
        module = importlib.import_module(f"sshdeck.commands.{command}")
        try:
            return module.run(args)
        except KeyboardInterrupt:
            print("sshdeck: interrupted", file=sys.stderr)
            return 130
    return run_tui(args)


def run_tui(args: argparse.Namespace) -> int:
    from sshdeck.app import SshdeckApp
    from sshdeck.core.remote_source import DemoSource

    remote = None
    if args.demo is not None:
        try:
            remote = DemoSource(Path(args.demo) if args.demo else None)
        except OSError as exc:
            print(f"sshdeck: {exc}", file=sys.stderr)
            return 2
    local = args.local
    if local is not None and not Path(local).is_dir():
        print(f"sshdeck: {local}: not a folder", file=sys.stderr)
        return 2
    app = SshdeckApp(local_path=str(Path(local).resolve()) if local else None, remote=remote, theme_name=args.theme)
    try:
        app.run()
    finally:
        # The app closes the demo on unmount; this catches a failure before mount.
        if remote is not None:
            remote.sandbox.cleanup()
    return app.return_code or 0


if __name__ == "__main__":
    raise SystemExit(main())
