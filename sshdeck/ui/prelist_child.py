"""The child process that lists the folder named at start while the app is still loading (ui/prelist.py).

Run as `python -P -c "…; from sshdeck.ui.prelist_child import main; main()" TARGET [SSH_CONFIG]` (prelist_spawn.py)
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


def _frame(message: tuple) -> bytes:
    data = marshal.dumps(message)
    return _LENGTH.pack(len(data)) + data


def _send(out: int, message: tuple) -> None:
    """One frame, written at once (blocking while the pipe is full)."""
    view = memoryview(_frame(message))
    while view:
        view = view[os.write(out, view) :]


class _Pipe(asyncio.Protocol):
    """The frames of the listing, queued rather than blocking it.

    The app reads them between its own work (importing Textual, building and
    drawing its screen): a blocking write to the full pipe stopped this process,
    and with it the READDIR requests that keep sshd busy (40-80 ms of each start
    on a busy machine).  Queued here, the rows wait in memory instead, up to
    QUEUE_MOST bytes (a folder of millions of names and an app slow to start
    must not fill this process); past that the listing waits for the app.
    """

    opened = False  # once frames went this way, a failure is said by closing the pipe, never mid-frame
    QUEUE_MOST = 32 << 20

    def __init__(self) -> None:
        self.transport: asyncio.WriteTransport | None = None
        self._room = asyncio.Event()
        self._room.set()

    @classmethod
    async def open(cls, out: int) -> "_Pipe":
        loop = asyncio.get_running_loop()
        pipe = cls()
        await loop.connect_write_pipe(lambda: pipe, open(out, "wb", buffering=0, closefd=False))
        _Pipe.opened = True
        return pipe

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.set_write_buffer_limits(high=self.QUEUE_MOST, low=self.QUEUE_MOST // 4)

    def pause_writing(self) -> None:
        self._room.clear()

    def resume_writing(self) -> None:
        self._room.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self._room.set()  # the app stopped reading: nobody waits for it

    async def send(self, message: tuple) -> None:
        assert self.transport is not None
        self.transport.write(_frame(message))
        await self._room.wait()

    async def flush(self) -> None:
        """Until every queued frame is in the pipe (or the app stopped reading)."""
        assert self.transport is not None
        while self.transport.get_write_buffer_size() and not self.transport.is_closing():
            await asyncio.sleep(0.002)


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


async def _run(target: str, ssh_config: str | None, out: int) -> None:
    pipe = await _Pipe.open(out)
    try:
        await _list(target, ssh_config, pipe)
    finally:
        pipe.transport.write(_frame(("fail",)))  # after "end" it is never read
        await pipe.flush()


async def _list(target: str, ssh_config: str | None, pipe: _Pipe) -> None:
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
        await pipe.send(("start", key, account.start_folder))
        order = NameOrder()
        async for batch in fs.list(account.start_folder):
            await pipe.send(("rows", columns(batch)))
            order.add(batch)  # while sshd works on the next replies (prelist_order.py)
        await pipe.send(("end", order.order(), order.hidden))
        await pipe.flush()  # the app has it all before this connection's goodbyes
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
        asyncio.run(_run(target, ssh_config, out))
    except BaseException:  # noqa: BLE001 -- any failure: the app lists the folder itself
        if not _Pipe.opened:
            try:
                _send(out, ("fail",))
            except OSError:
                pass
    os._exit(0)  # a frame cut short by a failure ends with the pipe: the app reads that as "fail" too
