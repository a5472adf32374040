"""A real (in-process asyncssh) SSH/SFTP server whose every word is an attack on the user's terminal.

Its login banner, keyboard-interactive name/instructions/prompt, file names,
link targets and SFTP STATUS messages carry ESC, CSI, OSC (title, OSC 52
clipboard), C1 controls, CR and BEL.  Paths:

- /evil   a folder of hostile names (a link with a hostile target among them)
- /evil/refused.txt   a file whose open is refused with a hostile reason
- /fail   a folder whose listing is refused with a hostile reason
- /nowhere/…   realpath refused with a hostile reason
- /ro     a folder where mkdir and file creation are refused with a hostile reason
- /dots   a folder listing `..`, `../x`, `a/b` (and one honest file)
"""

from __future__ import annotations

import os
import stat as st
from pathlib import Path

import asyncssh

# What the server says; each piece would act on a terminal if it got through.
ATTACK = (
    "\x1b[2J"  # CSI: clear the screen
    "\x1b]0;pwned-title\x07"  # OSC 0: set the window title (BEL-terminated)
    "\x1b]52;c;cm0gLXJmIH4=\x07"  # OSC 52: write the clipboard
    "\x9b31m"  # C1 CSI
    "\x9d0;c1-title\x9c"  # C1 OSC … ST
    "\rover"  # CR: overwrite the line
    "\x07"  # BEL
)
REASON = "quota exceeded " + ATTACK
BANNER = "Welcome " + ATTACK + "\nsecond line"
# The escaped form of the attack's first bytes, as sshdeck shows it.
SHOWN = "\\x1b[2J\\x1b]0;pwned-title\\x07"

EVIL_NAMES = [
    ("name" + ATTACK).encode(),
    b"plain.txt",
    b"bidi\xe2\x80\xaetxt.exe",
]
LINK_NAME = b"link"
LINK_TARGET = ("target" + ATTACK).encode()
DOT_NAMES = [b"..", b"../x", b"a/b", b"ok.txt"]
DATA = {b"/dots/ok.txt": b"good", b"/evil/plain.txt": b"plain"}


def _attrs(kind: str, size: int = 0) -> asyncssh.SFTPAttrs:
    modes = {"file": st.S_IFREG | 0o644, "dir": st.S_IFDIR | 0o755, "link": st.S_IFLNK | 0o777}
    types = {"file": asyncssh.FILEXFER_TYPE_REGULAR, "dir": asyncssh.FILEXFER_TYPE_DIRECTORY, "link": asyncssh.FILEXFER_TYPE_SYMLINK}
    return asyncssh.SFTPAttrs(type=types[kind], permissions=modes[kind], size=size, mtime=1_600_000_000, atime=1_600_000_000)


def _listing() -> dict[bytes, list[tuple[bytes, str]]]:
    return {
        b"/": [(b"evil", "dir"), (b"fail", "dir"), (b"ro", "dir"), (b"dots", "dir")],
        b"/evil": [(name, "file") for name in EVIL_NAMES] + [(b"refused.txt", "file"), (LINK_NAME, "link")],
        b"/fail": [],
        b"/ro": [],
        b"/dots": [(name, "file") for name in DOT_NAMES],
    }


class HostileTextSFTP(asyncssh.SFTPServer):
    """Answers with hostile names, link targets and STATUS reasons."""

    def _kind(self, path: bytes) -> tuple[str, int] | None:
        path = path.rstrip(b"/") or b"/"
        listing = _listing()
        if path in listing:
            return ("dir", 0)
        parent, _, name = path.rpartition(b"/")
        for entry, kind in listing.get(parent or b"/", []):
            if entry == name:
                return (kind, len(DATA.get(path, b"")))
        return None

    def realpath(self, path: bytes) -> bytes:
        if path.startswith(b"/nowhere"):
            raise asyncssh.SFTPFailure(REASON)
        full = path if path.startswith(b"/") else b"/" + path
        return os.path.normpath(full)

    def lstat(self, path: bytes) -> asyncssh.SFTPAttrs:
        found = self._kind(path)
        if found is None:
            raise asyncssh.SFTPNoSuchFile("no such file " + ATTACK)
        return _attrs(*found)

    def stat(self, path: bytes) -> asyncssh.SFTPAttrs:
        return self.lstat(path)

    def readlink(self, path: bytes) -> bytes:
        return LINK_TARGET

    async def scandir(self, path: bytes):
        path = path.rstrip(b"/") or b"/"
        if path == b"/fail":
            raise asyncssh.SFTPFailure(REASON)
        if self._kind(path) is None:
            raise asyncssh.SFTPNoSuchFile("no such folder " + ATTACK)
        for name, kind in _listing().get(path, []):
            yield asyncssh.SFTPName(name, attrs=_attrs(kind, len(DATA.get(path + b"/" + name, b""))))

    def mkdir(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        raise asyncssh.SFTPFailure(REASON)

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        if pflags & asyncssh.FXF_WRITE or path.endswith(b"refused.txt"):
            raise asyncssh.SFTPFailure(REASON)
        return path

    def read(self, file_obj: object, offset: int, size: int) -> bytes:
        return DATA.get(file_obj, b"")[offset:offset + size]

    def fstat(self, file_obj: object) -> asyncssh.SFTPAttrs:
        return _attrs("file", len(DATA.get(file_obj, b"")))

    def close(self, file_obj: object) -> None:
        return None


class _HostileSSH(asyncssh.SSHServer):
    def __init__(self, server: "HostileTextServer") -> None:
        self._server = server

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        conn.send_auth_banner(BANNER)

    def begin_auth(self, username: str) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return not self._server.kbdint

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return key.public_data == self._server.client_key.public_data

    def kbdint_auth_supported(self) -> bool:
        return self._server.kbdint

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str):
        return ("Login " + ATTACK, "Instructions " + ATTACK, "en", [("Code " + ATTACK + ": ", True)])

    def validate_kbdint_response(self, username: str, responses: list[str]) -> bool:
        return responses == ["42"]


class HostileTextServer:
    """The hostile server on 127.0.0.1, with an ssh_config naming it `evil` for the CLI."""

    def __init__(self, folder: Path, *, kbdint: bool = False) -> None:
        self.kbdint = kbdint
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key = asyncssh.generate_private_key("ssh-ed25519")
        self.folder = folder
        self.port = 0
        self._acceptor = None

    async def __aenter__(self) -> "HostileTextServer":
        self._acceptor = await asyncssh.create_server(
            lambda: _HostileSSH(self), "127.0.0.1", 0, server_host_keys=[self.host_key],
            sftp_factory=HostileTextSFTP, config=None, allow_scp=False,
        )
        self.port = self._acceptor.sockets[0].getsockname()[1]
        key_file = self.folder / "client_key"
        key_file.write_bytes(self.client_key.export_private_key())
        key_file.chmod(0o600)
        self.ssh_config = self.folder / "ssh_config"
        self.ssh_config.write_text(
            f"Host evil\n  HostName 127.0.0.1\n  Port {self.port}\n  User tester\n"
            f"  IdentityFile {key_file}\n  IdentitiesOnly yes\n"
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._acceptor.close()
        await self._acceptor.wait_closed()
