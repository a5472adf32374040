"""The child process that lists the folder named at start while the app is still loading (ui/prelist.py).

Run as `python -P -c "from sshdeck.ui.prelist_child import main; main()" TARGET [SSH_CONFIG]`
by the `sshdeck` command before it imports Textual: on the machine's other
core it imports asyncssh, connects to TARGET exactly as the app's main
screen would (same profile, ssh_config, known_hosts and pins), finds the
same start folder and lists it with the panes' pipelined, capped listing,
streaming the rows to the app on stdout.  It never asks anything and never
writes anything: the host key must already be trusted (the policy is forced
to strict, so accept-new saves nothing here), logins that need a password,
a passphrase, an answer or the ssh-agent are skipped, and a host reached through a
ProxyCommand is left alone (the command could ask or open a browser).
Whatever goes wrong it says only "fail" and ends; the app then lists the
folder itself over its own connection, and asks its questions there.

Frames on stdout: a 4-byte big-endian length, then `marshal` of one tuple:
("start", key, folder), ("rows", columns) — one list per `Entry` field in
field order, the kind as its value — then ("end", order, hidden) or ("fail",):
`order` lists the indices of all rows sent in the panes' name order (worked
out while waiting for sshd, prelist_order.py), `hidden` counts the dotfiles.
No Textual here (this process must start fast).
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import marshal
import os
import struct
import sys
from operator import attrgetter

from sshdeck.core.inert import Inert
from sshdeck.ui.prelist_order import NameOrder

_LENGTH = struct.Struct(">I")


def _send(out: int, message: tuple) -> None:
    data = marshal.dumps(message)
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(out, view) :]


# Entry fields that may hold `Inert` text (a str subclass marshal cannot carry): sent as plain str with
# a note of which were Inert, and made Inert again in the app (ui/prelist.py).
TEXT_FIELDS = (5, 6, 7, 9)  # owner, group, link_target, display
_FIELDS = tuple(map(attrgetter, (
    "name", "kind._value_", "size", "mtime", "mode", "owner", "group", "link_target", "target_is_dir", "display", "uid", "gid",
)))  # Entry's fields in order (read at C speed; `_value_`, Enum's plain attribute: `value` is a Python property)


def columns(batch: list) -> tuple[list, ...]:
    """One list per Entry field (the kind as its value); text fields as (values, which were Inert)."""
    cols: list = [list(map(getter, batch)) for getter in _FIELDS]
    for index in TEXT_FIELDS:
        cols[index] = plain_text(cols[index])
    return tuple(cols)


def plain_text(values: list) -> tuple:
    """(values as plain str, "all" / a list of the indices that were Inert / None)."""
    kinds = set(map(type, values))
    if Inert not in kinds:
        return values, None
    if kinds == {Inert}:  # owners and groups: a few distinct texts, each converted once
        plain = {text: str(text) for text in set(values)}
        return list(map(plain.__getitem__, values)), "all"
    marks = [index for index, value in enumerate(values) if type(value) is Inert]
    values = list(values)
    for index in marks:
        values[index] = str(values[index])
    return values, marks


async def _list(target: str, ssh_config: str | None, out: int) -> None:
    from sshdeck.core.fs.sftp import SftpFS
    from sshdeck.core.hosts.profile_store import ProfileStore
    from sshdeck.core.ssh.auth import ConnectCallbacks
    from sshdeck.core.ssh.connect_spec import resolve_target
    from sshdeck.core.ssh.session import Session
    from sshdeck.core.trust import TrustPolicy, TrustStore
    from sshdeck.ui.early_connect import initial_connection

    found = initial_connection(target, ProfileStore.load(), ssh_config)
    if found is None:
        return
    key, label, spec = found
    if spec.proxy_command or resolve_target(spec).proxy_command:
        return
    if spec.preferred_auth is not None and "publickey" not in spec.preferred_auth:
        return  # a password login: only the app may try it (and ask)
    # Known keys only: nothing is asked (all callbacks None) and nothing is saved (strict). No agent: it may ask
    # the user to confirm each signature (ssh-add -c) or to touch a security key, for a login they never see.
    spec = dataclasses.replace(spec, policy=TrustPolicy.STRICT, use_agent=False, agent_forwarding=False)
    session = Session(spec, ConnectCallbacks(), trust=TrustStore())
    try:
        await session.connect()
        account = await session.detect_account()
        if not account.sftp_available or account.start_folder is None:
            return
        sftp = await session.sftp()
        # The READDIR requests of one loop turn leave in one socket write: one send(2) per request was
        # a quarter of this process's time (the module is the transfers'; this connection does nothing else).
        from sshdeck.core.transfer.coalesce import coalesce_writes

        coalesce_writes(sftp)
        fs = SftpFS(sftp, label)
        _send(out, ("start", key, account.start_folder))
        order = NameOrder()
        async for batch in fs.list(account.start_folder):
            _send(out, ("rows", columns(batch)))
            order.add(batch)  # while sshd works on the next replies (prelist_order.py)
        _send(out, ("end", order.order(), order.hidden))
    finally:
        await session.close()


def main() -> None:
    """Entry point of the child: list, say how it ended, exit without the interpreter's teardown."""
    gc.disable()  # a short life: 100,000 entries, no cycles worth collecting
    out = sys.stdout.fileno()
    target = sys.argv[1]
    ssh_config = sys.argv[2] or None if len(sys.argv) > 2 else None  # "": no ssh_config at all
    try:
        from sshdeck.core.ssh.quick_import import import_asyncssh

        import_asyncssh()
        asyncio.run(_list(target, ssh_config, out))
    except BaseException:  # noqa: BLE001 -- any failure: the app lists the folder itself
        pass
    try:
        _send(out, ("fail",))  # after "end" it is never read
    except OSError:
        pass
    os._exit(0)
