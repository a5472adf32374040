"""`sshdeck cp` end to end: first with the connect step swapped for an explicit-key connection, then the real one."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncssh
import pytest

from sshdeck.commands import cp
from sshdeck.commands.cp_report import format_size
from sshdeck.core.transfer import Journal
from tests.core.cp_support import explicit_connect, parse  # noqa: F401 -- explicit_connect is a fixture
from tests.support.throttled_proxy import ThrottledProxy


async def test_cp_uploads_a_tree_and_downloads_it_back(explicit_connect, tmp_path: Path) -> None:
    server = explicit_connect
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "tree" / "sub" / "a b.txt").write_bytes(b"alpha")
    (tmp_path / "remote").mkdir()
    (tmp_path / "back").mkdir()
    err = io.StringIO()
    remote = f"{server.username}@{server.host}:{tmp_path / 'remote'}"
    assert await cp.run_async(parse("-r", str(tmp_path / "tree"), remote), stderr=err) == 0, err.getvalue()
    assert (tmp_path / "remote" / "tree" / "sub" / "a b.txt").read_bytes() == b"alpha"
    err = io.StringIO()
    assert await cp.run_async(parse("-r", f"{remote}/tree", str(tmp_path / "back")), stderr=err) == 0
    assert (tmp_path / "back" / "tree" / "sub" / "a b.txt").read_bytes() == b"alpha"
    assert "1 of 1 files copied" in err.getvalue()


async def test_cp_exits_nonzero_when_an_item_fails(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"new")
    (tmp_path / "dst").mkdir()
    (tmp_path / "dst" / "a.txt").write_bytes(b"old")
    err = io.StringIO()
    status = await cp.run_async(parse("--on-conflict=skip", str(tmp_path / "a.txt"), str(tmp_path / "dst")), stderr=err)
    assert status == 0 and (tmp_path / "dst" / "a.txt").read_bytes() == b"old"
    status = await cp.run_async(parse(str(tmp_path / "missing.txt"), str(tmp_path / "dst")), stderr=err)
    assert status == 1 and "FAILED" in err.getvalue() and "no such file" in err.getvalue()


async def test_cp_without_recursive_refuses_folders(tmp_path: Path) -> None:
    (tmp_path / "tree").mkdir()
    (tmp_path / "dst").mkdir()
    err = io.StringIO()
    status = await cp.run_async(parse(str(tmp_path / "tree"), str(tmp_path / "dst")), stderr=err)
    assert "is a folder (use -r)" in err.getvalue()
    assert status == 1


# -- the real connect step (no swap): trust against OpenSSH's sshd ------------------------


@pytest.fixture
def ssh_config(tmp_path: Path, openssh_server) -> Path:
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host box\n  HostName 127.0.0.1\n  Port {openssh_server.port}\n  User {openssh_server.username}\n"
        f"Host *\n  IdentityFile {openssh_server.client_key}\n  IdentitiesOnly yes\n"
    )
    return config


@pytest.fixture
def remote_file(tmp_path: Path) -> Path:
    folder = tmp_path / "remote"
    folder.mkdir()
    (folder / "f.txt").write_bytes(b"from the server")
    (tmp_path / "local").mkdir()
    return folder / "f.txt"


async def test_real_cp_refuses_an_unknown_host_in_batch_mode_naming_its_fingerprint(
    openssh_server, ssh_config, trust_store, remote_file, tmp_path: Path
) -> None:
    fingerprint = asyncssh.import_public_key(openssh_server.host_public_key()).get_fingerprint("sha256")
    err = io.StringIO()
    status = await cp.run_async(parse("-F", str(ssh_config), "--batch", f"box:{remote_file}", str(tmp_path / "local")),
                                stderr=err, trust=trust_store)
    assert status == 1
    last = err.getvalue().strip().splitlines()[-1]
    assert last.startswith("sshdeck cp: host key for ") and fingerprint in last and "--accept-new" in last
    assert not trust_store.own_file.exists()
    assert list((tmp_path / "local").iterdir()) == []


async def test_real_cp_accept_new_records_the_key_and_copies(
    openssh_server, ssh_config, trust_store, remote_file, tmp_path: Path
) -> None:
    err = io.StringIO()
    args = parse("-F", str(ssh_config), "--batch", "--accept-new", f"box:{remote_file}", str(tmp_path / "local"))
    assert await cp.run_async(args, stderr=err, trust=trust_store) == 0, err.getvalue()
    assert trust_store.own_file.read_text() == openssh_server.known_hosts_line()
    assert (tmp_path / "local" / "f.txt").read_bytes() == b"from the server"


async def test_real_cp_to_a_known_host_connects_without_questions(
    openssh_server, ssh_config, trust_store, remote_file, tmp_path: Path
) -> None:
    openssh_server.write_known_hosts(trust_store.read_files[0])
    (tmp_path / "up.txt").write_bytes(b"to the server")
    err = io.StringIO()
    args = parse("-F", str(ssh_config), "--batch", str(tmp_path / "up.txt"), f"box:{remote_file.parent}")
    assert await cp.run_async(args, stderr=err, trust=trust_store) == 0, err.getvalue()
    assert (remote_file.parent / "up.txt").read_bytes() == b"to the server"
    assert not trust_store.own_file.exists()  # nothing new to remember


# -- interrupted and run again: continues from the partial file ------------------------------

REPO = Path(__file__).resolve().parents[2]
BIG = 24 * 1024 * 1024


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return -1


@pytest.mark.parametrize(
    ("direction", "signum"),
    [("download", signal.SIGINT), ("upload", signal.SIGINT), ("download", signal.SIGTERM)],
    ids=["download-ctrl-c", "upload-ctrl-c", "download-sigterm"],
)
def test_cp_rerun_after_ctrl_c_resumes_from_the_partial(openssh_server, tmp_path: Path, direction: str,
                                                        signum: int) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    source_dir, dest_dir = (there, here) if direction == "download" else (here, there)
    (source_dir / "big.bin").write_bytes(os.urandom(BIG))
    proxy = ThrottledProxy(openssh_server.port, rate=3 * 1024 * 1024)
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host box\n  HostName 127.0.0.1\n  Port {proxy.port}\n  User {openssh_server.username}\n"
        f"  IdentityFile {openssh_server.client_key}\n  IdentitiesOnly yes\n"
    )
    src, dst = (f"box:{there}/big.bin", str(here)) if direction == "download" else (str(here / "big.bin"), f"box:{there}")
    command = [sys.executable, "-m", "sshdeck", "cp", "-F", str(config), "--batch", "--accept-new", src, dst]
    partial = dest_dir / ".big.bin.sshdeck-part"
    try:
        first = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while size_of(partial) < 2 * 1024 * 1024 and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        first.send_signal(signum)
        _out, first_err = first.communicate(timeout=30)
        assert first.returncode == 128 + signum, first_err
        assert "run the same command again to resume" in first_err
        assert "Traceback" not in first_err
        kept = size_of(partial)
        assert 0 < kept < BIG and not (dest_dir / "big.bin").exists()
        [record] = Journal().unfinished()  # consistent: the job is marked interrupted, its partial recorded
        assert record.state == "interrupted" and len(Journal().partials(record.id)) == 1

        proxy.rate = 24 * 1024 * 1024
        second = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        samples = []
        while second.poll() is None:
            samples.append(size_of(partial))
            time.sleep(0.01)
        _out, second_err = second.communicate(timeout=60)
    finally:
        proxy.close()
    assert second.returncode == 0, second_err
    assert f"resuming big.bin from {format_size(kept)}" in second_err
    # Never shrinks: every size seen while the file was still a partial is at least what the first run kept.
    seen = [s for s in samples if s >= 0]
    assert all(s >= kept for s in seen), (kept, seen[:20])
    assert seen == sorted(seen)
    assert sha256(dest_dir / "big.bin") == sha256(source_dir / "big.bin")
    assert not partial.exists()


def interrupted_local_copy(tmp_path: Path) -> tuple[Path, Path, bytes]:
    """What a killed `sshdeck cp here/f.bin there` leaves: a journaled job and a partial file."""
    from sshdeck.core.transfer import ConflictChoice, LocalEndpoint, TransferOptions

    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    data = os.urandom(1_000_000)
    (here / "f.bin").write_bytes(data)
    (there / ".f.bin.sshdeck-part").write_bytes(data[:600_000])
    journal = Journal()
    requests = [((b"f.bin",), (b"f.bin",))]
    job = journal.start_job(LocalEndpoint(str(here)).describe(), LocalEndpoint(str(there)).describe(), requests,
                            TransferOptions(conflict=ConflictChoice.OVERWRITE).to_journal())
    journal.item_started(job, (b"f.bin",), (b".f.bin.sshdeck-part",), len(data), (here / "f.bin").stat().st_mtime)
    journal.finish_job(job, "interrupted")
    journal.close()
    return here, there, data


async def test_cp_rerun_continues_an_interrupted_copy_and_says_so(tmp_path: Path) -> None:
    here, there, data = interrupted_local_copy(tmp_path)
    err = io.StringIO()
    assert await cp.run_async(parse(str(here / "f.bin"), str(there)), stderr=err) == 0, err.getvalue()
    assert f"sshdeck cp: resuming f.bin from {format_size(600_000)}" in err.getvalue()
    assert (there / "f.bin").read_bytes() == data
    assert Journal().unfinished() == []


async def test_cp_on_conflict_given_starts_afresh_instead_of_resuming(tmp_path: Path) -> None:
    here, there, data = interrupted_local_copy(tmp_path)
    err = io.StringIO()
    status = await cp.run_async(parse("--on-conflict=overwrite", str(here / "f.bin"), str(there)), stderr=err)
    assert status == 0, err.getvalue()
    assert "resuming" not in err.getvalue()
    assert (there / "f.bin").read_bytes() == data
    assert Journal().unfinished() == []  # the old job was forgotten, the new one finished
