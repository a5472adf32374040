"""The public keys ssh-agent holds, as authorized_keys lines (the manager's "from ssh-agent")."""

from __future__ import annotations

import base64
import os

import asyncssh

from sshdeck.core.keys.authorized_keys_format import KeyTextError, PublicKey, public_key_from_text


class AgentUnavailable(Exception):
    """No agent to ask (SSH_AUTH_SOCK unset) or it did not answer; the message says which."""


async def agent_public_keys(path: str | None = None) -> list[PublicKey]:
    """Every key the agent at `path` (default: $SSH_AUTH_SOCK) offers, in the agent's order."""
    path = path or os.environ.get("SSH_AUTH_SOCK")
    if not path:
        raise AgentUnavailable("no ssh-agent is running here (SSH_AUTH_SOCK is not set)")
    try:
        agent = await asyncssh.connect_agent(path)
    except (OSError, asyncssh.Error) as exc:
        raise AgentUnavailable(f"ssh-agent at {path} did not answer ({exc})") from None
    try:
        keypairs = await agent.get_keys()
    except (OSError, asyncssh.Error) as exc:
        raise AgentUnavailable(f"ssh-agent did not list its keys ({exc})") from None
    finally:
        agent.close()
    keys = []
    for keypair in keypairs:
        algorithm = keypair.algorithm.decode("ascii", errors="replace")
        comment = (keypair.get_comment() or "").replace("\n", " ")
        line = f"{algorithm} {base64.b64encode(keypair.public_data).decode('ascii')} {comment}".rstrip()
        try:
            keys.append(public_key_from_text(line))
        except KeyTextError:
            continue  # a certificate or a key type authorized_keys cannot hold
    return keys
