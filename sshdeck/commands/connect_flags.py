"""The flags every subcommand that connects shares: `-F ssh_config`, `--batch`, `--accept-new`."""

from __future__ import annotations

import argparse


def add_connect_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-F", dest="ssh_config", metavar="ssh_config", help="ssh_config file to use (default ~/.ssh/config)")
    parser.add_argument("--batch", action="store_true", help="never prompt; fail instead")
    parser.add_argument("--accept-new", action="store_true", help="trust and save unknown host keys (never changed ones)")
