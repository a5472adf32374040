"""What every `sshdeck cp` pays before and after its bytes: the sync of one file, and what it loads.

A copy of one file (no -r) fsyncs that file before its rename instead of a
syncfs(2) of the whole file system (a group commit has nothing to share for
one file, and a syncfs writes back every dirty page of the disk: 145 ms on
the shared machine against ~1 ms).  A recursive copy still shares syncfs
calls.  Starting `cp` runs no helper process (`ldconfig`) and loads neither
`sshdeck ls`'s listing code nor Textual.  Counted, never timed.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sshdeck.core.transfer.durable as durable
from sshdeck.commands import cp
from tests.core.cp_support import explicit_connect, parse  # noqa: F401 -- explicit_connect is a fixture


@pytest.fixture
def syncs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """("syncfs" | "fsync" | "rename", file name) in the order they happened."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace, real_syncfs = os.fsync, os.replace, durable._syncfs

    def fsync(fd: int) -> None:
        events.append(("fsync", os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))))
        real_fsync(fd)

    def syncfs(fd: int) -> None:
        events.append(("syncfs", ""))
        real_syncfs(fd)

    def replace(src, dst, *args, **kwargs) -> None:
        events.append(("rename", os.fsdecode(src)))
        real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(durable, "_syncfs", syncfs)
    monkeypatch.setattr(durable.SyncGroup, "SLOW", 3600.0)  # a loaded machine must not turn syncfs off here
    return events


@pytest.mark.skipif(durable._load_syncfs() is None, reason="syncfs(2) is Linux's; elsewhere every file is fsynced")
@pytest.mark.parametrize("sources", [1, 3])
async def test_a_copy_without_r_fsyncs_each_file_before_its_rename_and_never_syncs_the_whole_disk(
    explicit_connect, syncs, tmp_path: Path, sources: int
) -> None:
    server = explicit_connect
    (tmp_path / "remote").mkdir()
    (tmp_path / "here").mkdir()
    names = [f"f{index}.txt" for index in range(sources)]
    for index, name in enumerate(names):
        (tmp_path / "remote" / name).write_bytes(b"x" * (index + 1))
    err = io.StringIO()
    remote = [f"{server.username}@{server.host}:{tmp_path / 'remote' / name}" for name in names]
    assert await cp.run_async(parse(*remote, str(tmp_path / "here")), stderr=err) == 0, err.getvalue()
    for index, name in enumerate(names):
        assert (tmp_path / "here" / name).read_bytes() == b"x" * (index + 1)
        part = f".{name}.sshdeck-part"
        assert syncs.index(("fsync", part)) < syncs.index(("rename", part))  # durable before its final name
    assert ("syncfs", "") not in syncs


@pytest.mark.skipif(durable._load_syncfs() is None, reason="syncfs(2) is Linux's; elsewhere every file is fsynced")
async def test_a_recursive_copy_of_small_files_still_shares_syncfs_calls(
    explicit_connect, syncs, tmp_path: Path
) -> None:
    server = explicit_connect
    (tmp_path / "remote" / "tree").mkdir(parents=True)
    (tmp_path / "here").mkdir()
    for index in range(20):
        (tmp_path / "remote" / "tree" / f"f{index:02d}").write_bytes(os.urandom(100 + index))
    err = io.StringIO()
    remote = f"{server.username}@{server.host}:{tmp_path / 'remote' / 'tree'}"
    assert await cp.run_async(parse("-r", remote, str(tmp_path / "here")), stderr=err) == 0, err.getvalue()
    assert len(list((tmp_path / "here" / "tree").iterdir())) == 20
    assert 1 <= syncs.count(("syncfs", "")) < 20
    assert not [name for kind, name in syncs if kind == "fsync" and name.endswith(".sshdeck-part")]


def test_cp_starts_without_a_helper_process_and_without_ls_or_textual() -> None:
    """`ctypes.util.find_library` runs `ldconfig` (and gcc for a missing library): only the asyncssh import may ask."""
    code = (
        "import sys, ctypes.util\n"
        "asked = []\n"
        "real = ctypes.util.find_library\n"
        "ctypes.util.find_library = lambda name: asked.append(name) or real(name)\n"
        "from sshdeck.core.ssh.quick_import import import_asyncssh\n"
        "import_asyncssh()\n"  # replaces find_library by its own while asyncssh loads
        "asked.clear()\n"
        "from sshdeck import cli\n"
        "cli.build_command_parser('cp').parse_args(['cp', 'host:/a', '.'])\n"
        "import sshdeck.commands.cp, sshdeck.commands.cp_sides, sshdeck.commands.cli_login, sshdeck.core.transfer.durable\n"
        "import sshdeck.core.ssh.session, sshdeck.core.ssh.login_secrets, sshdeck.core.ssh.worker_ticket\n"
        "from sshdeck.core.transfer import durable\n"
        "print(asked, durable._syncfs is not None or not sys.platform.startswith('linux'),\n"
        "      'sshdeck.commands.ls' in sys.modules, 'textual' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "True", "False", "False"]


def test_cp_offers_every_conflict_choice_but_cancel() -> None:
    from sshdeck.core.transfer import ConflictChoice

    assert cp.CONFLICT_CHOICES == tuple(c.value for c in ConflictChoice if c is not ConflictChoice.CANCEL)


def test_cp_is_parsed_and_connects_before_the_transfer_engine_is_loaded() -> None:
    """The engine, the journal and SQLite load in a thread while the handshake waits on the server (cp._preload)."""
    code = (
        "import sys\n"
        "from sshdeck import cli\n"
        "cli.build_command_parser('cp').parse_args(['cp', '--limit', '1M', 'host:/a', '.'])\n"
        "import sshdeck.commands.cp as cp\n"
        "loaded = [m for m in ('sshdeck.core.transfer.engine', 'sshdeck.core.transfer.journal', 'sqlite3',\n"
        "                      'sshdeck.commands.cp_copy') if m in sys.modules]\n"
        "thread = cp._preload()\n"
        "thread.join()\n"
        "print(loaded, 'sshdeck.commands.cp_copy' in sys.modules, 'sshdeck.core.transfer.engine' in sys.modules,\n"
        "      cp._preload())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "True", "True", "None"]


def test_a_subcommand_loads_asyncio_without_tls_and_the_app_keeps_it() -> None:
    """SSH never uses TLS: a subcommand's process skips Python's `ssl` (~5-8 ms), and shutil's bz2/lzma archive
    support (~2 ms); the app's asyncio keeps TLS."""
    command = (
        "import sys\n"
        "from sshdeck import cli\n"
        "try:\n"
        "    cli.main(['cp', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "import asyncio.base_events\n"
        "print('ssl' in sys.modules, 'bz2' in sys.modules, 'lzma' in sys.modules, asyncio.base_events.ssl is None)\n"
        "import ssl, bz2, lzma\n"  # nothing is left behind that would break a later import
        "print(ssl.PROTOCOL_TLS_CLIENT is not None and bz2.compress(b'x') != b'' and lzma.compress(b'x') != b'')\n"
    )
    app = (
        "from sshdeck.core.ssh.quick_import import import_asyncssh\n"
        "import_asyncssh()\n"
        "import asyncio.base_events\n"
        "print(asyncio.base_events.ssl is not None)\n"
    )
    out = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, check=True).stdout
    assert out.split()[-5:] == ["False", "False", "False", "True", "True"]
    out = subprocess.run([sys.executable, "-c", app], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True"]


def test_the_cp_command_leaves_its_journal_committed_without_a_checkpoint(tmp_path: Path) -> None:
    """The commits stay in SQLite's write-ahead log for the next opener: no checkpoint's syncs at exit, and
    none to create the log again at the next start; what the run recorded is all there."""
    from sshdeck.core import paths
    from sshdeck.core.transfer import Journal

    (tmp_path / "here").mkdir()
    (tmp_path / "here" / "a.txt").write_bytes(b"a")
    (tmp_path / "there").mkdir()
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "sshdeck", "cp", str(tmp_path / "here" / "a.txt"),
                                 str(tmp_path / "there")], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "there" / "a.txt").read_bytes() == b"a"
    journal_file = paths.data_dir() / "transfers.sqlite3"
    assert journal_file.with_name("transfers.sqlite3-wal").stat().st_size > 0  # not checkpointed, not deleted
    journal = Journal(journal_file)
    try:
        states = [row[0] for row in journal.db.execute("SELECT state FROM jobs ORDER BY id")]
    finally:
        journal.close()
    assert states == ["done", "done"]


def test_a_journal_closed_without_a_checkpoint_is_read_whole_by_the_next_opener(tmp_path: Path) -> None:
    from sshdeck.core.transfer import Journal

    path = tmp_path / "journal.sqlite3"
    first = Journal(path)
    job = first.start_job("local:/a", "local:/b", [((b"f",), (b"f",))], {})
    first.item_started(job, (b"f",), (b".f.sshdeck-part",), 10, 1.0)  # not urgent: pending in a transaction
    first.close(checkpoint=False)
    second = Journal(path)
    try:
        assert second.partials(job) == [((b"f",), (b".f.sshdeck-part",), 10, 1.0)]
    finally:
        second.close()
        first.db.close()
