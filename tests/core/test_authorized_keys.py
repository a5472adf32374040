"""The authorized_keys manager against OpenSSH's sshd: what sshd then accepts and refuses is the proof."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from sshdeck.core.keys.authorized_keys import AuthorizedKeys, ConcurrentChange, LockOutRefused, NotReachable
from sshdeck.core.keys.authorized_keys_format import public_key_from_text
from sshdeck.core.keys.generate import KeyGenerationError, generate_key
from sshdeck.core.ssh.auth import ConnectCallbacks
from sshdeck.core.ssh.connect_errors import AuthenticationFailed
from sshdeck.core.ssh.session import ConnectSpec, Session
from tests.core.conftest import keygen
from tests.core.fs_servers import sftp_client
from tests.support.openssh import HomeOpenSSHServer, find_sshd


def pub_text(key: Path) -> str:
    return Path(str(key) + ".pub").read_text().strip()


@pytest.fixture
def sshd(tmp_path: Path):
    if find_sshd() is None:
        pytest.fail("sshd is required")
    with HomeOpenSSHServer(tmp_path / "sshd") as server:
        yield server


@pytest.fixture
def support_key(tmp_path: Path) -> Path:
    return keygen(tmp_path / "support_key")


def messy_file(sshd: HomeOpenSSHServer, support_key: Path) -> bytes:
    """A file an admin really has: comments, blanks, unknown options, CRLF, junk, and two keys."""
    data = (
        "# managed by hand\n"
        "\n"
        f"{pub_text(sshd.client_key)}\n"
        f'frobnicate="x, y",no-pty {pub_text(keygen(sshd.workdir / "other_key"))}\r\n'
        "this line is not a key\n"
        f'from="127.0.0.1,::1" {pub_text(support_key)}\n'
        "# trailing comment"
    ).encode()
    sshd.authorized_keys.write_bytes(data)
    return data


def spec(sshd: HomeOpenSSHServer, key: Path) -> ConnectSpec:
    return ConnectSpec(host=sshd.host, port=sshd.port, user=sshd.username, ssh_config=None, identity_files=(str(key),), use_agent=False)


async def logs_in(sshd, trust_store, key: Path, passphrase: str | None = None) -> bool:
    async def ask(_request):
        return passphrase

    sshd.write_known_hosts(trust_store.read_files[0])
    try:
        async with Session(spec(sshd, key), ConnectCallbacks(passphrase=ask), trust=trust_store) as session:
            return (await session.run("echo ok")).stdout == "ok\n"
    except AuthenticationFailed:
        return False


async def manager(sshd, trust_store) -> tuple[Session, AuthorizedKeys]:
    sshd.write_known_hosts(trust_store.read_files[0])
    session = Session(spec(sshd, sshd.client_key), trust=trust_store)
    await session.connect()
    return session, AuthorizedKeys(await session.sftp(), session.login_key_fingerprint)


async def test_listing_shows_state_options_place_bad_lines_and_the_login_key(sshd, trust_store, support_key) -> None:
    messy_file(sshd, support_key)
    session, keys = await manager(sshd, trust_store)
    try:
        listing = await keys.load()
        assert session.login_key_fingerprint == public_key_from_text(pub_text(sshd.client_key)).fingerprint
    finally:
        await session.close()
    assert [(e.where, e.enabled, e.options) for e in listing.entries] == [
        ("authorized_keys:3", True, ()),
        ("authorized_keys:4", True, ('frobnicate="x, y"', "no-pty")),
        ("authorized_keys:6", True, ('from="127.0.0.1,::1"',)),
    ]
    assert [listing.is_login_key(e) for e in listing.entries] == [True, False, False]
    assert [b.message() for b in listing.bad_lines] == ["authorized_keys line 5: not a key"]


async def test_disabled_key_is_refused_by_sshd_and_enabling_restores_the_exact_bytes(sshd, trust_store, support_key) -> None:
    original = messy_file(sshd, support_key)
    fp = public_key_from_text(pub_text(support_key)).fingerprint
    assert await logs_in(sshd, trust_store, support_key)
    session, keys = await manager(sshd, trust_store)
    try:
        assert "disabled" in await keys.disable(fp)
        assert sshd.authorized_keys.read_bytes() == original.replace(b'from="127', b'#from="127')
        assert not await logs_in(sshd, trust_store, support_key)
        assert await logs_in(sshd, trust_store, sshd.client_key)
        await keys.enable(fp)
    finally:
        await session.close()
    assert sshd.authorized_keys.read_bytes() == original
    assert stat.S_IMODE(sshd.authorized_keys.stat().st_mode) == 0o600
    assert await logs_in(sshd, trust_store, support_key)
    assert not [p for p in sshd.ssh_dir.iterdir() if p.name.startswith(".")]  # no temp file left


async def test_removed_key_is_refused_and_only_its_line_is_gone(sshd, trust_store, support_key) -> None:
    original = messy_file(sshd, support_key)
    fp = public_key_from_text(pub_text(support_key)).fingerprint
    session, keys = await manager(sshd, trust_store)
    try:
        await keys.remove(fp)
    finally:
        await session.close()
    line = f'from="127.0.0.1,::1" {pub_text(support_key)}\n'.encode()
    assert sshd.authorized_keys.read_bytes() == original.replace(line, b"")
    assert not await logs_in(sshd, trust_store, support_key)


async def test_adding_into_a_missing_authorized_keys2_creates_it_private_and_a_second_add_is_a_no_op(sshd, trust_store, support_key) -> None:
    key = public_key_from_text(pub_text(support_key))
    session, keys = await manager(sshd, trust_store)
    try:
        assert not sshd.authorized_keys2.exists()
        assert await keys.add(key, from_patterns="127.0.0.1", file="authorized_keys2") == f"added {key.fingerprint} to authorized_keys2"
        first = sshd.authorized_keys2.read_bytes()
        assert "nothing changed" in await keys.add(key, file="authorized_keys")
    finally:
        await session.close()
    assert first == f'from="127.0.0.1" {key.line()}\n'.encode()
    assert sshd.authorized_keys2.read_bytes() == first
    assert stat.S_IMODE(sshd.authorized_keys2.stat().st_mode) == 0o600
    assert await logs_in(sshd, trust_store, support_key)


async def test_a_from_restriction_that_does_not_match_keeps_the_key_out(sshd, trust_store, support_key) -> None:
    session, keys = await manager(sshd, trust_store)
    try:
        await keys.add(public_key_from_text(pub_text(support_key)), from_patterns="10.99.99.99")
    finally:
        await session.close()
    assert not await logs_in(sshd, trust_store, support_key)


async def test_missing_ssh_folder_is_created_0700(sshd, trust_store, support_key) -> None:
    sshd.authorized_keys.unlink()
    sshd.ssh_dir.rmdir()
    session = Session(spec(sshd, sshd.client_key), trust=trust_store)
    sshd.write_known_hosts(trust_store.read_files[0])
    # Nothing authorizes the client now; put its key in by hand, then remove the folder's files again.
    sshd.ssh_dir.mkdir()
    sshd.authorized_keys2.write_text(pub_text(sshd.client_key) + "\n")
    await session.connect()
    try:
        keys = AuthorizedKeys(await session.sftp(), session.login_key_fingerprint)
        listing = await keys.load()
        assert [e.where for e in listing.entries] == ["authorized_keys2:1"]
        sshd.authorized_keys2.unlink()
        sshd.ssh_dir.rmdir()
        await keys.add(public_key_from_text(pub_text(support_key)))
    finally:
        await session.close()
    assert stat.S_IMODE(sshd.ssh_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(sshd.authorized_keys.stat().st_mode) == 0o600


async def test_lock_out_guard_refuses_to_disable_the_login_key_without_force(sshd, trust_store, support_key) -> None:
    original = messy_file(sshd, support_key)
    session, keys = await manager(sshd, trust_store)
    try:
        with pytest.raises(LockOutRefused, match="logged in with"):
            await keys.disable(session.login_key_fingerprint)
        with pytest.raises(LockOutRefused):
            await keys.remove(session.login_key_fingerprint)
        assert sshd.authorized_keys.read_bytes() == original
        await keys.disable(session.login_key_fingerprint, force=True)
    finally:
        await session.close()
    assert not await logs_in(sshd, trust_store, sshd.client_key)


class _ChangedMeanwhile(AuthorizedKeys):
    """Someone edits the file on the server between our read and our write."""

    def __init__(self, sftp, login, path: Path) -> None:
        super().__init__(sftp, login)
        self.path = path

    async def _ensure_folder(self, folder: str) -> None:
        with open(self.path, "ab") as handle:
            handle.write(b"# edited by someone else\n")
        await super()._ensure_folder(folder)


async def test_a_file_changed_since_reading_is_not_overwritten(sshd, trust_store, support_key) -> None:
    messy_file(sshd, support_key)
    session, _ = await manager(sshd, trust_store)
    try:
        keys = _ChangedMeanwhile(await session.sftp(), session.login_key_fingerprint, sshd.authorized_keys)
        with pytest.raises(ConcurrentChange, match="changed on the server"):
            await keys.disable(public_key_from_text(pub_text(support_key)).fingerprint)
    finally:
        await session.close()
    assert sshd.authorized_keys.read_bytes().endswith(b"# edited by someone else\n")
    assert b'#from="127' not in sshd.authorized_keys.read_bytes()


async def test_chrooted_sftp_says_the_files_are_not_reachable(demo_server) -> None:
    async with sftp_client(
        demo_server.host, demo_server.port, demo_server.username, demo_server.client_key, demo_server.known_hosts()
    ) as (_conn, sftp):
        with pytest.raises(NotReachable, match=r"~/.ssh is not reachable over SFTP on this host \(chrooted or no home\)"):
            await AuthorizedKeys(sftp).load()


@pytest.mark.parametrize("passphrase", [None, "correct horse"])
async def test_generated_key_is_read_by_ssh_keygen_and_logs_in_once_installed(sshd, trust_store, tmp_path, passphrase) -> None:
    made = generate_key(tmp_path / "id_new", comment="new@sshdeck", passphrase=passphrase)
    assert stat.S_IMODE(made.private_path.stat().st_mode) == 0o600
    shown = subprocess.run(["ssh-keygen", "-l", "-f", str(made.private_path)], capture_output=True, text=True, check=True).stdout
    assert shown.split()[1] == made.public_key.fingerprint and "new@sshdeck" in shown
    assert not await logs_in(sshd, trust_store, made.private_path, passphrase)
    session, keys = await manager(sshd, trust_store)
    try:
        await keys.add(made.public_key)
    finally:
        await session.close()
    assert await logs_in(sshd, trust_store, made.private_path, passphrase)


def test_generating_never_overwrites_either_half(tmp_path) -> None:
    (tmp_path / "id_x.pub").write_text("keep me")
    with pytest.raises(KeyGenerationError, match="already exists"):
        generate_key(tmp_path / "id_x")
    assert not (tmp_path / "id_x").exists()
    assert (tmp_path / "id_x.pub").read_text() == "keep me"
