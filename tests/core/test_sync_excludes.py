"""Sync excludes against OpenSSH's sshd: a profile's list, a `.sshdeckignore` in the source, and their union."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w

from sshdeck.core.paths import config_dir
from sshdeck.core.sync import ActionKind, SyncOptions, plan_sync, run_plan
from sshdeck.core.sync.ignore_file import MAX_BYTES, parse_ignore
from sshdeck.core.transfer import LocalEndpoint, TransferError
from tests.core.test_sync_plan import lines, remote, sibling, snapshot  # noqa: F401 - fixtures

__all__ = ["remote", "sibling"]


def sshdeck(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sshdeck.cli", *argv],
        capture_output=True, text=True, timeout=60, env=dict(os.environ), stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def saved_box(openssh_server, hermetic_home: Path) -> str:
    """A saved profile "box" for the sshd fixture whose sync excludes are *.log and cache/."""
    folder = config_dir()
    folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    table = {
        "name": "box", "host": "127.0.0.1", "port": openssh_server.port, "user": openssh_server.username,
        "auth_methods": ["key"], "identity_files": [str(openssh_server.client_key)], "excludes": ["*.log", "cache/"],
    }
    hosts = folder / "hosts.toml"
    hosts.write_text(tomli_w.dumps({"schema_version": 1, "profiles": [table]}))
    hosts.chmod(0o600)
    known = hermetic_home / ".ssh" / "known_hosts"
    known.parent.mkdir(mode=0o700, exist_ok=True)
    openssh_server.write_known_hosts(known)
    return "box"


def test_a_profile_exclude_leaves_files_alone_on_both_sides(saved_box: str, tmp_path: Path, sibling: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "cache").mkdir(parents=True)
    (src / "index.html").write_bytes(b"<p>")
    (src / "debug.log").write_bytes(b"new log")
    (src / "cache" / "page").write_bytes(b"cached")
    dst.mkdir()
    (dst / "server.log").write_bytes(b"the server's own log")
    dry = sshdeck("sync", "--batch", "--dry-run", "--delete", str(src), f"{saved_box}:{dst}")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == ["copy index.html"]
    assert "sshdeck sync: excluding *.log, cache/ (profile box)" in dry.stderr.splitlines()
    real = sshdeck("sync", "--batch", "--delete", "--exclude", "*.html", str(src), f"{saved_box}:{dst}")
    assert real.returncode == 0, real.stderr
    # --exclude and the profile's list apply together: nothing to do at all.
    assert real.stdout.splitlines() == ["0 copied, 0 updated, 0 deleted, 0 B"]
    real = sshdeck("sync", "--batch", "--delete", str(src), f"{saved_box}:{dst}")
    assert real.stdout.splitlines() == ["copy index.html", "1 copied, 0 updated, 0 deleted, 3 B"], real.stderr
    assert snapshot(dst) == {"index.html": b"<p>", "server.log": b"the server's own log"}
    assert snapshot(sibling) == {"keep.txt": b"keep"}


async def test_sshdeckignore_in_the_remote_source_excludes_its_globs_and_is_synced_itself(
    remote, tmp_path: Path, sibling: Path
) -> None:
    src, dst = tmp_path / "served", tmp_path / "here"
    (src / "build").mkdir(parents=True)
    (src / "build" / "app.bin").write_bytes(b"binary")
    (src / "page.html").write_bytes(b"<p>")
    (src / "x.tmp").write_bytes(b"t")
    (src / "keep.tmp").write_bytes(b"k")
    ignore = b"# build output\n\n  build/  \n*.tmp\r\n!keep.tmp\nevil\x1b[2J*\n"
    (src / ".sshdeckignore").write_bytes(ignore)
    dst.mkdir()
    (dst / "local.tmp").write_bytes(b"mine: excluded, so never deleted")
    source, dest = await remote.endpoint(src), LocalEndpoint(dst)
    plan = await plan_sync(source, dest, SyncOptions(delete=True))
    assert lines(plan) == ["copy .sshdeckignore", "copy page.html"]
    assert plan.ignore_globs == ("build/", "*.tmp", "evil\x1b[2J*")
    assert plan.excluding() == "build/, *.tmp, evil\\x1b[2J* (.sshdeckignore)"
    assert len(plan.notes) == 1 and plan.notes[0].endswith(".sshdeckignore:5: '!' (re-include) is not supported; line skipped")
    assert (await run_plan(source, dest, plan)).ok
    assert snapshot(dst) == {".sshdeckignore": ignore, "page.html": b"<p>", "local.tmp": b"mine: excluded, so never deleted"}
    assert snapshot(sibling) == {"keep.txt": b"keep"}
    # With ignore_file off the file's globs no longer apply.
    plan = await plan_sync(source, dest, SyncOptions(ignore_file=False))
    assert "copy build/" in lines(plan) and "copy x.tmp" in lines(plan)


async def test_an_oversized_or_unreadable_ignore_file_stops_the_plan_and_changes_nothing(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (dst / "old.txt").write_bytes(b"old")
    (src / ".sshdeckignore").write_bytes(b"*.log\n" * (MAX_BYTES // 6 + 1))
    with pytest.raises(TransferError, match=r"\.sshdeckignore: larger than 64 KiB, not used \(sync stopped\)"):
        await plan_sync(LocalEndpoint(src), LocalEndpoint(dst), SyncOptions(delete=True))
    (src / ".sshdeckignore").write_bytes(b"*.log\n")
    (src / ".sshdeckignore").chmod(0)
    if os.access(src / ".sshdeckignore", os.R_OK):
        return  # running as root: permissions do not stop reading
    with pytest.raises(TransferError, match="cannot read"):
        await plan_sync(LocalEndpoint(src), LocalEndpoint(dst), SyncOptions(delete=True))
    assert snapshot(dst) == {"old.txt": b"old"}


async def test_an_ignore_file_that_is_a_link_is_not_followed(tmp_path: Path) -> None:
    src, dst, elsewhere = tmp_path / "src", tmp_path / "dst", tmp_path / "elsewhere"
    for folder in (src, dst, elsewhere):
        folder.mkdir()
    (elsewhere / "rules").write_bytes(b"*\n")
    (src / ".sshdeckignore").symlink_to(elsewhere / "rules")
    (src / "a.txt").write_bytes(b"a")
    plan = await plan_sync(LocalEndpoint(src), LocalEndpoint(dst))
    assert lines(plan) == ["copy a.txt"] and plan.ignore_globs == ()
    assert plan.notes and "not a regular file" in plan.notes[0]


def test_ignore_file_lines_are_globs_only_and_capped() -> None:
    parsed = parse_ignore(b"#c\n\n a \na\n$(rm -rf ~)\n", "x")
    assert parsed.globs == ("a", "$(rm -rf ~)") and parsed.notes == []
    with pytest.raises(TransferError, match="more than 256 globs"):
        parse_ignore(b"".join(b"g%d\n" % i for i in range(257)), "x")
    with pytest.raises(TransferError, match="longer than 256"):
        parse_ignore(b"a" * 257, "x")


async def test_two_way_reads_the_ignore_file_of_both_folders(tmp_path: Path) -> None:
    from sshdeck.core.sync import plan_two_way

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / ".sshdeckignore").write_bytes(b"*.a\n")
    (b / ".sshdeckignore").write_bytes(b"*.b\n")
    for name in ("x.a", "x.b", "x.c"):
        (a / name).write_bytes(b"1")
    plan = await plan_two_way(LocalEndpoint(a), LocalEndpoint(b), None)
    assert plan.ignore_globs == ("*.a", "*.b")
    assert {action.rel for action in plan.actions if action.kind is not ActionKind.CONFLICT} >= {(b"x.c",)}
    assert not any(action.rel in ((b"x.a",), (b"x.b",)) for action in plan.actions)


async def test_the_fast_tree_walk_leaves_partial_files_links_and_fifos_alone_and_excludes_paths(tmp_path: Path) -> None:
    from sshdeck.core.sync import scan_tree
    from sshdeck.core.sync.tree import Excludes

    root = tmp_path / "tree"
    (root / "sub" / "deep").mkdir(parents=True)
    (root / "sub" / "a.txt").write_bytes(b"a")
    (root / "sub" / ".a.txt.sshdeck-part").write_bytes(b"half")
    (root / "sub" / ".hidden").write_bytes(b"h")
    (root / "sub" / "deep" / "z").write_bytes(b"z")
    (root / "sub" / "link").symlink_to(root / "sub" / "a.txt")
    os.mkfifo(root / "sub" / "pipe")
    tree = await scan_tree(LocalEndpoint(root))
    assert sorted(tree.entries) == [(b"sub",), (b"sub", b".hidden"), (b"sub", b"a.txt"), (b"sub", b"deep"), (b"sub", b"deep", b"z")]
    assert tree.ignored == {(b"sub", b"link"), (b"sub", b"pipe")} and tree.problems == []
    tree = await scan_tree(LocalEndpoint(root), Excludes(["sub/deep", ".*"]))
    assert sorted(tree.entries) == [(b"sub",), (b"sub", b"a.txt")]


async def test_the_command_stops_with_one_line_on_an_oversized_ignore_file(tmp_path: Path) -> None:
    import io

    from tests.core.test_sync_command import parse
    from sshdeck.commands import sync

    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (src / "a.txt").write_bytes(b"a")
    (src / ".sshdeckignore").write_bytes(b"#" * (MAX_BYTES + 1))
    err = io.StringIO()
    assert await sync.run_async(parse(str(src), str(dst)), stdout=io.StringIO(), stderr=err) == 1
    assert err.getvalue() == "sshdeck sync: local: .sshdeckignore: larger than 64 KiB, not used (sync stopped)\n"
    assert os.listdir(dst) == []


def test_a_profiles_excludes_survive_hosts_toml_and_bad_globs_are_refused(tmp_path: Path) -> None:
    from sshdeck.core.hosts.profile_store import ProfileStore
    from sshdeck.core.hosts.profiles import HostProfile

    store = ProfileStore.load(tmp_path / "hosts.toml", tmp_path / "recent.toml")
    store.add(HostProfile(name="web", host="web.example.com", excludes=["*.log", "My Documents/"]))
    store.save()
    (profile,) = ProfileStore.load(tmp_path / "hosts.toml", tmp_path / "recent.toml").profiles
    assert profile.excludes == ["*.log", "My Documents/"]
    assert profile.duplicate().excludes == ["*.log", "My Documents/"]
    assert HostProfile(name="w", host="h", excludes=["a\x1bb"]).problems() == {"excludes": "exclude glob contains a control character"}
    assert HostProfile(name="w", host="h", excludes=["/"]).problems() == {"excludes": "an exclude glob is empty"}
    (tmp_path / "hosts.toml").write_text('[[profiles]]\nname = "x"\nhost = "h"\nexcludes = "*.log"\n')
    broken = ProfileStore.load(tmp_path / "hosts.toml", tmp_path / "recent.toml")
    assert broken.profiles == [] and "excludes must be a list of text" in broken.problems[0].message
