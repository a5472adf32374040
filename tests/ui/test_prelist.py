"""The folder named at start, listed by a child process while the app loads (ui/prelist.py).

Real parts: Debian's sshd, a real child process (`sshdeck.ui.prelist_child`) with its own
connection, the app's own connection.  HOME and XDG point at temp folders (conftest), so the
child and the app read the same known_hosts and ssh_config written here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sshdeck.app import SshdeckApp
from sshdeck.core.fs.base import Entry, EntryKind
from sshdeck.core.fs.listing import sort_entries
from sshdeck.core.fs.sftp import SftpFS
from sshdeck.core.hosts.profile_store import ProfileStore
from sshdeck.core.inert import Inert
from sshdeck.core.trust import own_known_hosts_path
from sshdeck.ui.early_connect import initial_connection
from sshdeck.ui.prelist import Prelist, _entries
from sshdeck.ui.prelist_spawn import spawn_for
from sshdeck.ui.prelist_child import columns
from sshdeck.ui.screens.host_key_prompt import HostKeyPrompt
from tests.core.conftest import keygen
from tests.core.test_session_auth import authorize, ssh_agent  # noqa: F401 -- a fixture
from tests.ui.test_connecting import names, pane
from tests.ui.waiting import until


def listed_folder(tmp_path: Path, count: int = 30) -> Path:
    folder = tmp_path / "many"
    folder.mkdir()
    (folder / "a folder").mkdir()
    for index in range(count):
        (folder / f"file-{index:03d}.txt").write_text("x")
    return folder


def ssh_config(tmp_path: Path, server) -> Path:
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host box\n  HostName {server.host}\n  Port {server.port}\n  User {server.username}\n"
        f"  IdentityFile {server.client_key}\n  IdentitiesOnly yes\n"
    )
    return config


def trust_the_server(server) -> None:
    known = own_known_hosts_path()
    known.parent.mkdir(parents=True, exist_ok=True)
    server.write_known_hosts(known)


def count_listings(monkeypatch) -> list[str]:
    """The folders the app lists over its own connection (SftpFS.list itself runs unchanged)."""
    listed: list[str] = []
    original = SftpFS.list

    def counted(self, path):
        listed.append(path)
        return original(self, path)

    monkeypatch.setattr(SftpFS, "list", counted)
    return listed


def count_sorts(monkeypatch) -> set[bytes]:
    """The names of every entry a pane's model sorted itself (sort_entries runs unchanged)."""
    from sshdeck.core import pane_model

    sorted_names: set[bytes] = set()
    original = pane_model.sort_entries

    def counted(entries, *args, **kwargs):
        sorted_names.update(e.name for e in entries)
        return original(entries, *args, **kwargs)

    monkeypatch.setattr(pane_model, "sort_entries", counted)
    return sorted_names


async def test_the_start_folder_is_listed_by_the_child_while_the_app_loads(tmp_path, openssh_server, monkeypatch) -> None:
    folder = listed_folder(tmp_path)
    config = ssh_config(tmp_path, openssh_server)
    trust_the_server(openssh_server)
    listed = count_listings(monkeypatch)
    sorted_here = count_sorts(monkeypatch)
    target = f"box:{folder}"
    app = SshdeckApp(local_path=str(tmp_path), ssh_config=str(config), initial_target=target,
                     prelist=Prelist(spawn_for(target, None, str(config))))
    async with app.run_test(size=(140, 40)) as pilot:
        right = await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.path == str(folder) and p, "the listing")
        assert names(right) == ["..", "a folder", *(f"file-{index:03d}.txt" for index in range(30))]
        assert app.prelist.state == "end"
        assert b"file-000.txt" not in sorted_here  # in the order the child worked out (ui/prelist_order.py)
        assert str(folder) not in listed  # the rows came from the child, not a second listing
        assert right.model.summary().text() == "1 folder, 30 files"
        # The "Connecting to box…" toast went once connected: it covered this pane's status line.
        assert not [n for n in app._notifications if "Connecting to" in n.message]
        # The next listing of the same folder is the app's own.
        right.file_list.focus()
        await pilot.press("ctrl+r")
        await until(pilot, lambda: listed.count(str(folder)) == 1 and right.is_idle, "the reload")
        assert len(names(right)) == 32


async def test_an_unknown_host_key_is_asked_by_the_app_and_the_child_lists_nothing(tmp_path, openssh_server, monkeypatch) -> None:
    folder = listed_folder(tmp_path)
    config = ssh_config(tmp_path, openssh_server)
    listed = count_listings(monkeypatch)
    target = f"box:{folder}"
    app = SshdeckApp(local_path=str(tmp_path), ssh_config=str(config), initial_target=target,
                     prelist=Prelist(spawn_for(target, None, str(config))))
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HostKeyPrompt), "the host-key prompt")
        await until(pilot, lambda: app.prelist.state == "fail", "the child giving up")
        assert not own_known_hosts_path().exists()  # the child saved nothing
        await pilot.click("#connect-once")
        right = await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.path == str(folder) and p, "the listing")
        assert len(names(right)) == 32
        assert listed == [str(folder)]  # listed by the app itself


def app_with_a_scripted_child(tmp_path, server, monkeypatch, rows: str, then: str = ""):
    """(app, folder, the app's own listings, child): a child that announces the start folder and sends `rows`
    (a Python expression of Entry objects), then runs `then`, instead of the real child."""
    folder = listed_folder(tmp_path)
    config = ssh_config(tmp_path, server)
    trust_the_server(server)
    listed = count_listings(monkeypatch)
    target = f"box:{folder}"
    key = initial_connection(target, ProfileStore.load(), str(config))[0]
    script = (
        "import time; from sshdeck.ui.prelist_child import _send, columns; from sshdeck.core.fs.base import Entry, EntryKind; "
        f"_send(1, ('start', {key!r}, {str(folder)!r})); _send(1, ('rows', columns({rows}))); {then}"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    app = SshdeckApp(local_path=str(tmp_path), ssh_config=str(config), initial_target=target, prelist=Prelist(child))
    return app, folder, listed, child


async def test_a_child_that_stops_half_way_leaves_the_listing_to_the_app(tmp_path, openssh_server, monkeypatch) -> None:
    # A child that says it lists the folder, sends one batch, then dies before the end.
    app, folder, listed, _child = app_with_a_scripted_child(
        tmp_path, openssh_server, monkeypatch, "[Entry(b'only-half.txt', EntryKind.FILE, 1)]")
    async with app.run_test(size=(140, 40)) as pilot:
        right = await until(pilot, lambda: (p := pane(app, "right")).is_idle and p.path == str(folder) and p, "the listing")
        assert "only-half.txt" not in names(right)
        assert len(names(right)) == 32
        assert listed == [str(folder)]


def test_rows_cross_the_pipe_unchanged_inert_text_included() -> None:
    odd = Inert("\\x1b[31mred")
    batch = [
        Entry(b"plain.txt", EntryKind.FILE, 12, 1700000000.0, 0o644, Inert("alice"), Inert("staff"), None, False, "plain.txt", 1000, 50),
        Entry(b"\x1b[31mred", EntryKind.FILE, 0, None, None, None, None, None, False, odd, None, None),
        Entry(b"link", EntryKind.LINK, 4, 1.0, 0o777, Inert("alice"), Inert("staff"), Inert("../target"), True, "link", 1000, 50),
        Entry(b"dir", EntryKind.DIR, 0, 2.0, 0o755, Inert("bob"), Inert("staff"), None, False, "dir", 1001, 50),
    ]
    import marshal

    rebuilt = _entries(marshal.loads(marshal.dumps(columns(batch))))
    assert rebuilt == batch
    assert [e.display for e in rebuilt] == [e.display for e in batch]
    for before, after in zip(batch, rebuilt):
        for field in ("owner", "group", "link_target", "display"):
            assert type(getattr(after, field)) is type(getattr(before, field)), field


def child_messages(child: subprocess.Popen) -> list[tuple]:
    """Every frame the child wrote, read to its end (the child ends by itself)."""
    import marshal
    import struct

    data = child.stdout.read()
    child.wait(timeout=60)
    messages, offset = [], 0
    while offset < len(data):
        (length,) = struct.unpack_from(">I", data, offset)
        messages.append(marshal.loads(data[offset + 4 : offset + 4 + length]))
        offset += 4 + length
    return messages


def test_the_child_never_runs_a_proxy_command(tmp_path) -> None:
    ran = tmp_path / "proxy-ran"
    config = tmp_path / "ssh_config"
    config.write_text(f"Host viaproxy\n  HostName 127.0.0.1\n  ProxyCommand sh -c 'touch {ran}; exec cat'\n")
    prelist = spawn_for("viaproxy:/srv", None, str(config))
    assert child_messages(prelist) == [("fail",)]
    assert not ran.exists()  # the command could ask, or open a browser: only the app runs it


def test_the_child_lists_nothing_for_an_unknown_host_key_and_saves_nothing(tmp_path, openssh_server) -> None:
    folder = listed_folder(tmp_path)
    config = ssh_config(tmp_path, openssh_server)
    prelist = spawn_for(f"box:{folder}", None, str(config))
    assert child_messages(prelist) == [("fail",)]
    assert not own_known_hosts_path().exists()


def test_the_child_lists_a_trusted_host_start_folder_in_batches(tmp_path, openssh_server) -> None:
    folder = listed_folder(tmp_path, count=12_000)
    config = ssh_config(tmp_path, openssh_server)
    trust_the_server(openssh_server)
    target = f"box:{folder}"
    prelist = spawn_for(target, None, str(config))
    messages = child_messages(prelist)
    key = initial_connection(target, ProfileStore.load(), str(config))[0]
    assert messages[0] == ("start", key, str(folder))
    assert messages[-1] == ("fail",)  # "fail" after "end" is never read
    batches = [_entries(message[1]) for message in messages if message[0] == "rows"]
    assert len(batches) >= 3  # streamed as they arrive, not all at the end
    rows = [e for batch in batches for e in batch]
    assert sorted(e.display for e in rows) == sorted(p.name for p in folder.iterdir())
    # The end says in which order a pane sorted by name shows the rows, and how many are dotfiles.
    end, order, hidden = messages[-2]
    assert end == "end" and hidden == 0
    assert [rows[index] for index in order] == sort_entries(rows, "name")


async def test_escape_stops_a_listing_the_child_is_still_sending_and_ends_the_child(tmp_path, openssh_server, monkeypatch) -> None:
    # A child that sends its first batch, then keeps the listing open (a slow server, say).
    app, _folder, listed, child = app_with_a_scripted_child(
        tmp_path, openssh_server, monkeypatch, "[Entry(b'first-%d.txt' % i, EntryKind.FILE, 1) for i in range(7)]",
        then="time.sleep(120)")
    async with app.run_test(size=(140, 40)) as pilot:
        right = await until(pilot, lambda: (p := pane(app, "right")).loading_count == 7 and p, "the count of the first batch")
        await until(pilot, lambda: "loading… 7" in str(right.query_one(".pane-path").content), "the count drawn")
        right.file_list.focus()
        await pilot.press("escape")
        await until(pilot, lambda: right.is_idle, "the listing to stop")
        assert names(right) == ["..", *(f"first-{i}.txt" for i in range(7))]
        assert "incomplete: listing stopped" in right.model.summary().text()
        assert child.wait(timeout=30) is not None  # the child was ended, not left sleeping
        assert listed == []


def test_the_child_never_asks_the_ssh_agent(tmp_path, openssh_server, ssh_agent, monkeypatch) -> None:
    # An agent may ask the user to confirm each signature (ssh-add -c) or a security key to be touched: the
    # child would make the user confirm a login they never see. Only the app's own login may use the agent.
    folder = listed_folder(tmp_path)
    key = keygen(tmp_path / "agent_key")
    authorize(openssh_server, key)
    config = tmp_path / "ssh_config"
    config.write_text(f"Host box\n  HostName {openssh_server.host}\n  Port {openssh_server.port}\n"
                      f"  User {openssh_server.username}\n  IdentityFile {tmp_path / 'none'}\n")
    trust_the_server(openssh_server)
    subprocess.run(["ssh-add", "-q", str(key)], env={"SSH_AUTH_SOCK": str(ssh_agent), "PATH": "/usr/bin:/bin"},
                   check=True, capture_output=True)
    key.unlink()  # only the agent holds it now
    monkeypatch.setenv("SSH_AUTH_SOCK", str(ssh_agent))
    prelist = spawn_for(f"box:{folder}", None, str(config))
    assert child_messages(prelist) == [("fail",)]


async def test_the_child_queues_its_frames_while_the_app_is_not_reading_up_to_a_bound(monkeypatch) -> None:
    # The app reads the pipe between its own work; a blocking write to the full pipe stopped the child's listing.
    # Frames wait in the child instead, up to _Pipe.QUEUE_MOST bytes; past that the listing waits for the app.
    import asyncio
    import fcntl
    import marshal
    import os
    import struct

    from sshdeck.ui.prelist_child import _Pipe, columns

    monkeypatch.setattr(_Pipe, "QUEUE_MOST", 300_000)
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, getattr(fcntl, "F_SETPIPE_SZ", 1031), 4096)
    batch = [Entry(f"caf\u00e9-{index:05d}".encode(), EntryKind.FILE, index) for index in range(3000)]
    messages = [("start", "key", "/big"), *(("rows", columns(batch)) for _ in range(6)), ("end", [0], 0)]
    size = sum(len(marshal.dumps(m)) + 4 for m in messages)
    try:
        pipe = await _Pipe.open(write_end)
        await pipe.send(messages[0])
        await pipe.send(messages[1])  # nobody has read a byte, yet the listing goes on: queued
        assert pipe.transport.get_write_buffer_size() > 100_000
        rest = asyncio.ensure_future(_send_all(pipe, messages[2:]))
        for _ in range(20):
            await asyncio.sleep(0)
        assert not rest.done()  # past the bound the listing waits for the app to read
        assert pipe.transport.get_write_buffer_size() < 300_000 + 200_000  # one frame past the bound at most

        received = bytearray()

        def read_all() -> None:
            while len(received) < size:
                received.extend(os.read(read_end, 1 << 16))

        await asyncio.gather(rest, asyncio.to_thread(read_all))
        await pipe.flush()
        frames, offset = [], 0
        while offset < len(received):
            (length,) = struct.unpack_from(">I", received, offset)
            frames.append(marshal.loads(bytes(received[offset + 4 : offset + 4 + length])))
            offset += 4 + length
        assert frames == messages  # whole and in order
    finally:
        os.close(read_end)
        os.close(write_end)


async def _send_all(pipe, messages: list[tuple]) -> None:
    for message in messages:
        await pipe.send(message)


def test_the_child_lists_without_loading_tls(tmp_path, openssh_server, monkeypatch) -> None:
    """The child is a process of its own that only speaks SSH: asyncio is loaded without Python's TLS module
    (and shutil without bz2/lzma), as in a subcommand, since every ms of its start delays the first frame."""
    from sshdeck.ui import prelist_spawn

    probe = tmp_path / "modules"
    monkeypatch.setenv("SSHDECK_TEST_PROBE", str(probe))
    monkeypatch.setattr(prelist_spawn, "_CHILD", (
        "import os, sys\n"
        "_exit = os._exit\n"
        "def report(code):\n"
        "    loaded = sorted(m for m in ('ssl', '_ssl', 'bz2', 'lzma') if m in sys.modules)\n"
        "    open(os.environ['SSHDECK_TEST_PROBE'], 'w').write(' '.join(loaded) or 'none')\n"
        "    _exit(code)\n"
        "os._exit = report\n"
    ) + prelist_spawn._CHILD.replace("; ", "\n"))
    folder = listed_folder(tmp_path)
    config = ssh_config(tmp_path, openssh_server)
    trust_the_server(openssh_server)
    messages = child_messages(spawn_for(f"box:{folder}", None, str(config)))
    assert messages[0][0] == "start" and messages[-2][0] == "end"  # it listed the folder all the same
    assert probe.read_text() == "none"
