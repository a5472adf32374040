"""How ssh_config's ProxyCommand and ForwardAgent become profile settings on import.

A ProxyCommand runs on this computer, so it is imported as written but only
after the user confirms it (the confirmation text shows the command).  Its
%-tokens stay for connect time, except %n (the alias), which only the file
knows.  ForwardAgent turns the profile's agent forwarding on, with the
warning the editor shows too.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"%(.)")
# What sshdeck expands when connecting (core/ssh/connect_spec.expand_proxy_command).
_TOKENS_AT_CONNECT = {"%", "h", "p", "r", "u", "d"}
_MAX_SHOWN = 200


def proxy_command(raw: str, alias: str, host: str, confirmations: list[str], notes: list[str]) -> str:
    """The profile's proxy_command for ProxyCommand `raw`; adds the confirmation to ask and any note."""
    # "\0" holds "%%" aside so an alias's own "%" stays literal.
    command = raw.strip().replace("%%", "\0").replace("%n", alias.replace("%", "\0")).replace("\0", "%%")
    unknown = sorted({t for t in _TOKEN.findall(command.replace("%%", "")) if t not in _TOKENS_AT_CONNECT})
    if unknown:
        tokens = ", ".join("%" + t for t in unknown)
        notes.append(f"ProxyCommand uses {tokens}, which sshdeck does not expand; fix it in the editor")
    shown = command if len(command) <= _MAX_SHOWN else command[: _MAX_SHOWN - 1] + "…"
    confirmations.append(f"ProxyCommand runs this command on this computer to reach {host}: `{shown}`")
    return command


def forward_agent(value: str, host: str, notes: list[str]) -> bool:
    """Whether ForwardAgent `value` turns agent forwarding on; notes the warning when it does."""
    lowered = value.lower()
    if lowered in ("no", "false"):
        return False
    notes.append(f"ForwardAgent: anyone with root on {host} can use your agent while you are connected")
    if lowered not in ("yes", "true"):
        notes.append(f"ForwardAgent {value}: sshdeck forwards the agent it logs in with")
    return True
