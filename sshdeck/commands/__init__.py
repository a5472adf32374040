"""`sshdeck` command-line subcommands (ls, cp, …): one module each.

Each module defines `add_parser(subparsers)` and `run(args) -> int`; cli.py
registers the modules listed in SUBCOMMANDS.
"""

SUBCOMMANDS: tuple[str, ...] = ("ls", "cp", "tunnel", "sync", "keys", "find")
