"""A hostile server's words never act on the user's terminal: every CLI subcommand, as a real process.

The server (tests/core/hostile_text_server.py) puts ESC, CSI, OSC (title,
OSC 52 clipboard), C1, CR and BEL in its banner, keyboard-interactive texts,
names, link targets and SFTP STATUS reasons.  Each row of `CASES` runs one
`sshdeck` subcommand against it and checks stdout, stderr and the log file
byte by byte.  A new subcommand that talks to a server is one more row.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from sshdeck.core.logs import log_file
from tests.core.hostile_text_server import SHOWN, HostileTextServer

# ESC, BEL, CR and every other C0 control but newline and tab; DEL; C1 (U+0080..U+009F,
# and the raw bytes 0x80..0x9f when they are not part of UTF-8).
_C0 = {chr(c) for c in range(0x20) if chr(c) not in "\n\t"}
_C1 = {chr(c) for c in range(0x7F, 0xA0)}
_RAW_C1 = {chr(0xDC00 + c) for c in range(0x80, 0xA0)}  # surrogateescape'd bytes


def terminal_actions(data: bytes) -> list[str]:
    """The control characters in `data` that a terminal would act on."""
    text = data.decode("utf-8", errors="surrogateescape")
    return sorted({repr(ch) for ch in text if ch in _C0 | _C1 | _RAW_C1})


async def run_sshdeck(*argv: str, stdin: bytes = b"") -> tuple[int, bytes, bytes]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sshdeck", *argv,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    out, err = await asyncio.wait_for(process.communicate(stdin), timeout=60)
    return process.returncode, out, err


def _local_tree(tmp: Path) -> Path:
    tree = tmp / "tree"
    tree.mkdir(exist_ok=True)
    (tree / "a.txt").write_bytes(b"a")
    return tree


# (id, argv with {cfg} and {tmp} filled in, exit status, what must show escaped in the output, kbdint server, stdin)
CASES = [
    ("ls-hostile-names", ["ls", "-F", "{cfg}", "--accept-new", "--batch", "evil:/evil"], 0, "name" + SHOWN, False, b""),
    ("ls-listing-refused", ["ls", "-F", "{cfg}", "--accept-new", "--batch", "evil:/fail"], 1, "quota exceeded " + SHOWN, False, b""),
    ("ls-kbdint-texts", ["ls", "-F", "{cfg}", "--accept-new", "evil:/evil"], 0, "Code " + SHOWN, True, b"42\n"),
    ("cp-download-open-refused", ["cp", "-F", "{cfg}", "--accept-new", "--batch", "evil:/evil/refused.txt", "{tmp}/dst"], 1,
     "quota exceeded " + SHOWN, False, b""),
    # "/nowhere/./x": a folder with "." is resolved by the server (a plain absolute one is taken as typed).
    ("cp-download-realpath-refused", ["cp", "-F", "{cfg}", "--accept-new", "--batch", "evil:/nowhere/./x", "{tmp}/dst"], 1,
     "quota exceeded " + SHOWN, False, b""),
    ("cp-download-hostile-names", ["cp", "-r", "-F", "{cfg}", "--accept-new", "--batch", "evil:/evil", "{tmp}/dst"], 1,
     SHOWN, False, b""),
    ("cp-upload-mkdir-refused", ["cp", "-r", "-F", "{cfg}", "--accept-new", "--batch", "{tmp}/tree", "evil:/ro"], 1,
     "cannot create folder (quota exceeded " + SHOWN, False, b""),
    ("cp-upload-open-refused", ["cp", "-F", "{cfg}", "--accept-new", "--batch", "{tmp}/tree/a.txt", "evil:/ro"], 1,
     "quota exceeded " + SHOWN, False, b""),
    ("sync-download-hostile-names", ["sync", "-F", "{cfg}", "--accept-new", "--batch", "evil:/evil", "{tmp}/dst"], 1,
     SHOWN, False, b""),
    ("find-hostile-names", ["find", "-F", "{cfg}", "--accept-new", "--batch", "evil:/evil", "--name", "*"], 0,
     SHOWN, False, b""),
    # The server refuses to listen: the tunnel ends with an error, after the banner was shown.
    ("tunnel-refused-remote-forward", ["tunnel", "-F", "{cfg}", "--accept-new", "--batch", "evil",
                                       "-R", "127.0.0.1:40999:127.0.0.1:9"], 1, SHOWN, False, b""),
]


@pytest.mark.parametrize(("argv", "status", "shown", "kbdint", "stdin"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_hostile_server_text_reaches_no_output_raw(tmp_path: Path, argv, status, shown, kbdint, stdin) -> None:
    (tmp_path / "dst").mkdir()
    _local_tree(tmp_path)
    async with HostileTextServer(tmp_path, kbdint=kbdint) as server:
        args = [a.format(cfg=server.ssh_config, tmp=tmp_path) for a in argv]
        code, out, err = await run_sshdeck(*args, stdin=stdin)
    both = out + err
    assert terminal_actions(out) == [] and terminal_actions(err) == [], both
    assert code == status, both
    assert shown.encode() in both, both  # the server's words are shown, escaped, not dropped
    assert b"Welcome " + SHOWN.encode() in err  # the login banner, escaped
    assert b"Traceback" not in both
    log = log_file().read_bytes() if log_file().exists() else b""
    assert terminal_actions(log) == [], log


async def test_cp_recursive_from_a_server_listing_dot_dot_writes_nothing_outside(tmp_path: Path) -> None:
    jail = tmp_path / "jail"
    dest = jail / "dest"
    dest.mkdir(parents=True)
    (jail / "outside.txt").write_text("keep")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    async with HostileTextServer(tmp_path / "jail" / "dest" / "..", kbdint=False) as server:
        code, out, err = await run_sshdeck("cp", "-r", "-F", str(server.ssh_config), "--accept-new", "--batch", "evil:/dots", str(dest))
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    new = [p for p in after if p not in before]
    server_files = {Path("jail/ssh_config"), Path("jail/client_key")}
    outside = [p for p in new if not str(p).startswith("jail/dest/") and p not in server_files]
    assert outside == [], (outside, err)
    assert (jail / "outside.txt").read_text() == "keep"
    assert (dest / "dots" / "ok.txt").read_bytes() == b"good"  # the honest file still arrives
    assert sorted(p.name for p in (dest / "dots").iterdir()) == ["ok.txt"]
    assert code == 1 and b"unsafe name" in err, err


async def test_a_download_the_server_refuses_to_open_leaves_no_partial_file(tmp_path: Path) -> None:
    (tmp_path / "dst").mkdir()
    async with HostileTextServer(tmp_path, kbdint=False) as server:
        code, _out, err = await run_sshdeck("cp", "-F", str(server.ssh_config), "--accept-new", "--batch",
                                            "evil:/evil/refused.txt", str(tmp_path / "dst"))
    assert code == 1, err
    assert list((tmp_path / "dst").iterdir()) == []  # not even an empty .refused.txt.sshdeck-part
