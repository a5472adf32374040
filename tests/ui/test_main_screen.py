"""The main screen's first slice: a local pane and a remote pane that browse."""

from __future__ import annotations

from pathlib import Path

import asyncssh

from sshdeck.app import SshdeckApp
from sshdeck.core.ssh.remote_source import DemoSource, DirectSftpSource
from sshdeck.ui.widgets.file_list import FileList
from sshdeck.ui.widgets.file_pane import FilePane


def names(pane: FilePane) -> list[str]:
    return [entry.display for entry in pane.file_list.entries]


async def wait_for_panes(pilot, app: SshdeckApp) -> tuple[FilePane, FilePane]:
    for _ in range(200):
        await pilot.pause(0.02)
        panes = list(app.screen.query(FilePane))
        if len(panes) == 2 and all(p.is_idle for p in panes):
            return panes[0], panes[1]
    raise AssertionError("the panes did not finish loading")


def local_tree(tmp_path: Path) -> Path:
    local = tmp_path / "local"
    (local / "docs").mkdir(parents=True)
    (local / "zeta.txt").write_text("z")
    (local / "alpha.txt").write_text("a")
    return local


async def test_demo_lists_local_and_remote_panes(tmp_path: Path, demo_root: Path) -> None:
    app = SshdeckApp(local_path=str(local_tree(tmp_path)), remote=DemoSource(demo_root))
    async with app.run_test(size=(120, 40)) as pilot:
        left, right = await wait_for_panes(pilot, app)
        # Folders first, then files, each sorted by name; '..' leads unless at the root.
        assert names(left) == ["..", "docs", "alpha.txt", "zeta.txt"]
        assert names(right) == [
            "empty folder", "logs", "photos 2024", "projects", "disk-image.bin", "README.txt",
        ]
        assert right.path == "/"
        sizes = {e.display: e.size for e in right.file_list.entries}
        assert sizes["disk-image.bin"] == (demo_root / "disk-image.bin").stat().st_size


async def test_browsing_into_a_remote_folder_and_back(tmp_path: Path, demo_root: Path) -> None:
    app = SshdeckApp(local_path=str(local_tree(tmp_path)), remote=DemoSource(demo_root))
    async with app.run_test(size=(120, 40)) as pilot:
        left, right = await wait_for_panes(pilot, app)
        assert app.focused is left.file_list
        await pilot.press("tab")
        assert app.focused is right.file_list
        await pilot.press("down", "down", "enter")  # photos 2024
        await wait_for_panes(pilot, app)
        assert right.path == "/photos 2024"
        assert names(right) == ["..", "café menu.txt", "été à Lyon.txt"]
        await pilot.press("backspace")
        await wait_for_panes(pilot, app)
        assert right.path == "/"
        # The cursor comes back to the folder we left.
        assert right.file_list.current is not None
        assert right.file_list.current.display == "photos 2024"
        await pilot.press("down", "enter")  # projects, then '..' goes up again
        await wait_for_panes(pilot, app)
        assert right.path == "/projects"
        await pilot.press("home", "enter")
        await wait_for_panes(pilot, app)
        assert right.path == "/"


async def test_double_click_opens_a_folder(tmp_path: Path, demo_root: Path) -> None:
    app = SshdeckApp(local_path=str(local_tree(tmp_path)), remote=DemoSource(demo_root))
    async with app.run_test(size=(120, 40)) as pilot:
        left, _right = await wait_for_panes(pilot, app)
        await pilot.click(FileList, offset=(3, 1), times=2)  # row 1 of the left list: docs
        await wait_for_panes(pilot, app)
        assert left.path.endswith("/local/docs")


async def test_unreadable_folder_is_a_notification_and_the_pane_stays(tmp_path: Path, demo_root: Path) -> None:
    local = local_tree(tmp_path)
    app = SshdeckApp(local_path=str(local), remote=DemoSource(demo_root))
    async with app.run_test(size=(120, 40)) as pilot:
        left, right = await wait_for_panes(pilot, app)
        right.load("/no such folder")
        await wait_for_panes(pilot, app)
        assert right.path == "/"
        assert any("no such file or folder" in n.message for n in app._notifications)
        # Still usable: browsing works after the error.
        right.file_list.focus()
        await pilot.press("down", "down", "down", "enter")
        await wait_for_panes(pilot, app)
        assert right.path == "/projects"


async def test_same_listing_against_openssh_sshd(tmp_path: Path, openssh_server) -> None:
    remote_dir = tmp_path / "served"
    (remote_dir / "b folder").mkdir(parents=True)
    (remote_dir / "a.txt").write_text("hello")
    (remote_dir / "ünïcode [1].txt").write_text("x")
    source = DirectSftpSource(
        host=openssh_server.host,
        port=openssh_server.port,
        username=openssh_server.username,
        client_keys=[str(openssh_server.client_key)],
        known_hosts=asyncssh.import_known_hosts(openssh_server.known_hosts_line()),
        path=str(remote_dir),
    )
    app = SshdeckApp(local_path=str(local_tree(tmp_path)), remote=source)
    async with app.run_test(size=(120, 40)) as pilot:
        _left, right = await wait_for_panes(pilot, app)
        assert right.path == str(remote_dir)
        assert names(right) == ["..", "b folder", "a.txt", "ünïcode [1].txt"]
        right.file_list.focus()
        await pilot.press("down", "enter")
        await wait_for_panes(pilot, app)
        assert right.path == str(remote_dir / "b folder")


class DenyingSFTPServer(asyncssh.SFTPServer):
    """Refuses to list any folder named 'secret', as a restricted account would."""

    def scandir(self, path: bytes):
        if path.rstrip(b"/").endswith(b"secret"):
            raise asyncssh.SFTPPermissionDenied("Permission denied")
        return super().scandir(path)


async def test_permission_denied_is_a_notification_and_the_pane_stays(tmp_path: Path, demo_root: Path) -> None:
    from sshdeck.core.ssh.demo import DemoServer

    (demo_root / "secret").mkdir()
    async with DemoServer(demo_root, sftp_server=DenyingSFTPServer) as server:
        source = DirectSftpSource(
            host=server.host,
            port=server.port,
            username=server.username,
            client_keys=[server.client_key],
            known_hosts=server.known_hosts(),
            path="/",
            label="restricted",
        )
        app = SshdeckApp(local_path=str(local_tree(tmp_path)), remote=source)
        async with app.run_test(size=(120, 40)) as pilot:
            _left, right = await wait_for_panes(pilot, app)
            right.file_list.focus()
            await pilot.press(*["down"] * names(right).index("secret"), "enter")
            await wait_for_panes(pilot, app)
            assert right.path == "/"
            assert any("/secret: permission denied" in n.message for n in app._notifications)
            await pilot.press("up", "enter")  # projects still opens
            await wait_for_panes(pilot, app)
            assert right.path == "/projects"


async def test_a_huge_folder_renders_only_the_visible_rows(tmp_path: Path) -> None:
    from sshdeck.core.fs.base import Entry, EntryKind

    app = SshdeckApp(local_path=str(local_tree(tmp_path)))
    async with app.run_test(size=(100, 30)) as pilot:
        left, _right = await wait_for_panes(pilot, app)
        file_list = left.file_list
        calls: list[int] = []
        original = file_list.render_line

        def counting(y: int):
            calls.append(y)
            return original(y)

        file_list.render_line = counting  # type: ignore[method-assign]
        entries = [Entry(name=f"file{i:06d}".encode(), kind=EntryKind.FILE, size=i) for i in range(100_000)]
        left.model.set_listing(left.model.path, entries)
        file_list.refresh_rows()
        await pilot.pause()
        assert file_list.virtual_size.height == 100_001  # '..' leads
        assert 0 < len(calls) <= 3 * file_list.size.height
        calls.clear()
        await pilot.press("end")
        await pilot.pause()
        assert file_list.current is entries[-1]
        assert file_list.scroll_offset.y >= 100_000 - file_list.size.height
        assert 0 < len(calls) <= 3 * file_list.size.height


async def test_a_first_start_without_hosts_says_how_to_begin(tmp_path: Path) -> None:
    app = SshdeckApp(local_path=str(local_tree(tmp_path)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        welcome = [n for n in app._notifications if n.title == "Welcome to sshdeck"]
        assert welcome and "sshdeck --demo" in welcome[0].message
        assert not app.screen.query_one("#sidebar").display  # nothing to list yet
        await pilot.press("f9")
        assert app.screen.query_one("#sidebar").display
