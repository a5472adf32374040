"""What every subcommand that connects shares: the `-F`/`--batch`/`--accept-new` flags, and how a refused host key is told."""

from __future__ import annotations

import argparse
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from sshdeck.core.ssh.connect_errors import HostKeyRefused


def add_connect_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-F", dest="ssh_config", metavar="ssh_config", help="ssh_config file to use (default ~/.ssh/config)")
    parser.add_argument("--batch", action="store_true", help="never prompt; fail instead")
    parser.add_argument("--accept-new", action="store_true", help="trust and save unknown host keys (never changed ones)")


def report_host_key_refusal(exc: "HostKeyRefused", args: argparse.Namespace, *, command: str, target: str,
                            own_file: str, err: IO[str]) -> None:
    """OpenSSH's explanation of the refused key (unless the prompt just showed it), then one line naming the
    fingerprint and the flag that would trust it when `--batch` is what refused it."""
    from sshdeck.commands import output
    from sshdeck.core.trust import refusal_text

    if not exc.asked:
        output.err(refusal_text(exc.check, own_file=own_file), file=err)
    check = exc.check
    if check.may_ask and args.batch:
        reason = (f"host key for {check.name} is not known ({check.key_type} {check.fingerprint}); "
                  f"if that fingerprint is right, trust it with: sshdeck {command} --accept-new {target}")
    else:
        reason = str(exc)
    output.err(f"sshdeck {command}: {reason}", file=err)
