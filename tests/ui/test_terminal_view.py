"""TerminalView on its own: key routing, paste, mouse, scrollback, safety, flood, and a snapshot of a shell tab.

The view is fed bytes directly and its output (`send`) is captured, so these
need no server; `test_shell_tab.py` runs it against a real sshd and bash.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Input, TabbedContent, TabPane, Tabs

from sshdeck.ui.widgets.shell_tab import ShellTab
from sshdeck.ui.widgets.terminal_view import LEAVE_KEY, TerminalView, terminal_has_focus
from tests.ui.waiting import until

STYLES = Path(__file__).resolve().parents[2] / "sshdeck" / "ui" / "styles"
# The only replies a terminal may send on its own: cursor position and device attributes.
ALLOWED_REPLY = re.compile(rb"(\x1b\[\d+;\d+R|\x1b\[0n|\x1b\[\?[\d;]*c|\x1b\[>[\d;]*c)*")


class ViewApp(App):
    """A Files tab with one focusable pane and a tab holding a bare TerminalView."""

    CSS_PATH = [STYLES / "app.tcss", STYLES / "terminal.tcss"]
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit_now"),
    ]

    def __init__(self, **view_options) -> None:
        super().__init__()
        self.sent: list[bytes] = []
        self.messages: list[object] = []
        self.view_options = view_options

    def compose(self) -> ComposeResult:
        with TabbedContent(id="tabs"):
            with TabPane("Files", id="files-tab"):
                yield Input(id="pane")
            with TabPane("Shell", id="shell-tab"):
                yield TerminalView(**self.view_options)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TabbedContent).active = "shell-tab"
        view = self.query_one(TerminalView)
        view.send = self.sent.append
        view.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("quit", "command_palette") and terminal_has_focus(self):
            return False
        return True

    def on_terminal_view_title_changed(self, event: TerminalView.TitleChanged) -> None:
        self.messages.append(event)

    def on_terminal_view_cwd_changed(self, event: TerminalView.CwdChanged) -> None:
        self.messages.append(event)


async def fed(pilot, data: bytes) -> TerminalView:
    view = pilot.app.query_one(TerminalView)
    view.feed(data)
    view.flush()
    await pilot.pause()
    return view


class FrameCount:
    """Counts the frames `view` applies (each a flush that refreshes its dirty rows)."""

    def __init__(self, view: TerminalView) -> None:
        self.count = 0
        apply = view._apply_dirty

        def counting() -> None:
            self.count += 1
            apply()

        view._apply_dirty = counting


def rendered(view: TerminalView) -> list[str]:
    return ["".join(segment.text for segment in view.render_line(y)).rstrip() for y in range(view.size.height)]


async def test_every_key_goes_to_the_remote_even_quit_and_tab() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 16)) as pilot:
        await pilot.press("tab", "escape", "ctrl+c", "ctrl+d", "up", "f5", "alt+x", "shift+tab", "q", "ctrl+q", "ctrl+p")
        assert app.sent == [b"\t", b"\x1b", b"\x03", b"\x04", b"\x1b[A", b"\x1b[15~", b"\x1bx", b"\x1b[Z", b"q", b"\x11", b"\x10"]
        assert app.is_running and terminal_has_focus(app)


async def test_the_leave_key_returns_focus_to_sshdeck_and_is_in_the_footer() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 16)) as pilot:
        shown = {binding.id: binding for _node, binding, *_ in app.active_bindings.values()}
        assert shown["leave_terminal"].key == LEAVE_KEY == "ctrl+right_square_bracket"
        await pilot.press(LEAVE_KEY)
        assert isinstance(app.focused, Tabs) and app.sent == []
        assert app.check_action("quit", ()) is True  # outside the terminal, the app's keys work again


async def test_a_key_right_behind_the_leave_key_goes_to_sshdeck_not_the_shell() -> None:
    # Ctrl+] and Left read in one go (a fast typist, a paste, a slow terminal): Left switches the tab.
    app = ViewApp()
    async with app.run_test(size=(60, 16)) as pilot:
        await pilot.pause()
        app.post_message(events.Key(LEAVE_KEY, None))
        app.post_message(events.Key("left", None))
        await pilot.pause()
        await pilot.pause()
        assert app.sent == []
        assert app.query_one(TabbedContent).active == "files-tab"


async def test_arrows_follow_application_cursor_mode() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 16)) as pilot:
        await fed(pilot, b"\x1b[?1h")
        await pilot.press("up")
        await fed(pilot, b"\x1b[?1l")
        await pilot.press("up")
        assert app.sent == [b"\x1bOA", b"\x1b[A"]


async def test_paste_is_bracketed_only_when_asked_and_markers_are_stripped() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 16)) as pilot:
        view = app.query_one(TerminalView)
        view.post_message(events.Paste("ls\n\x1b[201~rm -rf /\n"))
        await pilot.pause()
        await fed(pilot, b"\x1b[?2004h")
        view.post_message(events.Paste("a\x1b[201~b"))
        await pilot.pause()
        assert app.sent == [b"ls\rrm -rf /\r", b"\x1b[200~ab\x1b[201~"]


async def test_dragging_selects_text_and_copies_it(monkeypatch: pytest.MonkeyPatch) -> None:
    copied: list[str] = []
    monkeypatch.setattr("pyperclip.copy", copied.append)
    app = ViewApp()
    async with app.run_test(size=(60, 16)) as pilot:
        view = await fed(pilot, b"hello world\r\nsecond line\r\n")
        await pilot.mouse_down(view, offset=(6, 0))
        await pilot.hover(view, offset=(5, 1))
        await pilot.mouse_up(view, offset=(5, 1))
        await pilot.pause(0.1)
        assert copied == ["world\nsecond"]
        assert app.sent == []


async def test_mouse_is_reported_in_sgr_form_when_the_program_asks() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 16)) as pilot:
        view = await fed(pilot, b"\x1b[?1000h\x1b[?1006h")
        await pilot.click(view, offset=(3, 2))
        assert app.sent[:2] == [b"\x1b[<0;4;3M", b"\x1b[<0;4;3m"]


async def test_wheel_and_shift_page_keys_scroll_ten_thousand_lines_of_scrollback() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 16)) as pilot:
        view = await fed(pilot, b"".join(b"line %d\r\n" % n for n in range(12_000)))
        terminal = view.terminal
        assert terminal.history_size == 10_000
        assert rendered(view)[-2] == "line 11999"
        await pilot.press("shift+pageup")
        page = terminal.rows - 1
        assert view.back == page and app.sent == []
        assert rendered(view)[0].startswith(f"line {12_000 - terminal.rows + 1 - page} ")
        assert "lines back" in rendered(view)[0]
        view.post_message(events.MouseScrollUp(view, 2, 2, 0, -1, 0, False, False, False))
        await pilot.pause()
        assert view.back == page + 3
        view.scroll_back(1_000_000)
        oldest = f"line {12_000 - terminal.rows + 1 - 10_000} "
        assert rendered(view)[0].startswith(oldest)
        view.scroll_back(-100)
        before = rendered(view)[:-1]
        await fed(pilot, b"more\r\nand more\r\n")  # new output does not move a scrolled-back view
        assert rendered(view)[1:-1] == before[1:] and "9902 lines back" in rendered(view)[0]
        await pilot.press("x")  # typing returns to the live screen
        assert view.back == 0 and app.sent == [b"x"]


async def test_title_is_cleaned_osc7_reported_and_osc52_refused_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    copied: list[str] = []
    monkeypatch.setattr("pyperclip.copy", copied.append)
    app = ViewApp()
    async with app.run_test(size=(60, 16)) as pilot:
        await fed(pilot, b"\x1b]2;vim \xe2\x80\xae\x01\x7fx.txt\x07\x1b]7;file://box/srv/www\x07\x1b]52;c;aGk=\x07")
        await pilot.pause(0.1)
        title, cwd = app.messages
        assert title.title == "vim x.txt"
        assert (cwd.path, cwd.host) == ("/srv/www", "box")
        assert copied == [] and app.sent == []


async def test_osc52_writes_when_the_profile_allows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    copied: list[str] = []
    monkeypatch.setattr("pyperclip.copy", copied.append)
    app = ViewApp(allow_osc52=True)
    async with app.run_test(size=(60, 16)) as pilot:
        await fed(pilot, b"\x1b]52;c;aGk=\x07\x1b]52;c;?\x07")  # a write, then a read (never answered)
        await pilot.pause(0.1)
        assert copied == ["hi"] and app.sent == []


HOSTILE = [
    b"\x1b[21t\x1b[20t",  # title report queries
    b"\x1b]52;c;?\x07\x1b]52;p;?\x1b\\",  # clipboard reads
    b"\x1bP$qm\x1b\\\x1bP+q544e\x1b\\",  # DECRQSS, XTGETTCAP
    b"\x1b]0;" + b"A" * 2_000_000,  # an OSC that never ends
    b"\x1b[" + b"1;" * 1_000_000 + b"m",  # a CSI with a million parameters
    b"\x1b]2;\x1b[6n\x07",  # a query hidden in a title
    b"\x1b[6n\x1b[c\x1b[>c\x1b[5n",  # the queries that are answered, from state
]


async def test_hostile_sequences_are_survived_and_never_echoed() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 16)) as pilot:
        view = app.query_one(TerminalView)
        for data in HOSTILE:
            for start in range(0, len(data), 65536):
                view.feed(data[start : start + 65536])
            view.flush()
            rendered(view)
        view.feed(b"\x1b\\\x07\r\nstill here")
        view.flush()
        await pilot.pause()
        assert "still here" in "\n".join(rendered(view))
        sent = b"".join(app.sent)
        assert ALLOWED_REPLY.fullmatch(sent) and b"544e" not in sent and b"A" * 10 not in sent
        assert view.terminal.errors == 0


async def test_random_bytes_never_crash_the_view_or_echo() -> None:
    app = ViewApp()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(TerminalView)
        prefix = st.sampled_from([b"", b"\x1b[", b"\x1b]", b"\x1bP", b"\x1b[?", b"\x1b[38;2;"])
        chunk = st.builds(lambda p, b: p + b, prefix, st.binary(max_size=300))

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(st.lists(chunk, max_size=6))
        def check(chunks: list[bytes]) -> None:
            app.sent.clear()
            for data in chunks:
                view.feed(data)
            view.flush()
            lines = rendered(view)
            assert len(lines) == view.size.height
            assert ALLOWED_REPLY.fullmatch(b"".join(app.sent))

        check()
        await pilot.pause()
        assert app.is_running


async def test_many_updates_with_the_loop_free_between_them_are_drawn_in_few_frames() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TerminalView)
        await pilot.pause()
        frames = FrameCount(view)
        updates = 600
        for n in range(updates):
            view.feed(b"\r\nupdate %d" % n)
            await asyncio.sleep(0)  # the loop is free: a repaint could run after every update
        await until(pilot, lambda: "update 599" in rendered(view)[-1], "the last update drawn")
        # Repaints are coalesced to one per frame: far fewer frames than updates.
        assert 1 <= frames.count <= updates // 10


async def test_keys_get_through_while_a_flood_of_lines_is_drawn() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TerminalView)
        data = b"".join(b"%07d some flooding output line\r\n" % n for n in range(200_000))  # ~7 MB

        async def flood() -> None:
            for start in range(0, len(data), 65536):
                await view.feed_in_slices(data[start : start + 65536])

        task = asyncio.create_task(flood())
        view.send = lambda key: app.sent.append((key, task.done()))
        await asyncio.sleep(0.05)
        await pilot.press("z")
        assert app.sent == [(b"z", False)]  # the key went out mid-flood
        await task
        view.flush()
        await pilot.pause()
        assert rendered(view)[-2].startswith("0199999")


HOSTILE_FLOOD = "中\x1b[65535b😀\x1b[9999b\x1b[9999@\x1b[2J\x1b#8\t\x1b[9999I\x1b[44m\x1b[9999S\x1bc".encode()


async def test_ctrl_bracket_and_quit_answer_while_a_hostile_flood_is_drawn() -> None:
    app = ViewApp()
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.query_one(TerminalView)
        await pilot.pause()
        assert terminal_has_focus(app)
        sizes: list[int] = []
        feed = view.terminal.feed
        view.terminal.feed = lambda data: (sizes.append(len(data)), feed(data))
        read = HOSTILE_FLOOD * (65536 // len(HOSTILE_FLOOD))
        reads = 0

        async def flood() -> None:  # never ends on its own: a hostile host keeps sending
            nonlocal reads
            while True:
                await view.feed_in_slices(read)
                reads += 1

        task = asyncio.create_task(flood())
        try:
            await until(pilot, lambda: sizes, "the flood to start")
            await pilot.press(LEAVE_KEY)
            assert not terminal_has_focus(app)  # handled while the flood goes on
            assert not task.done()
            assert max(sizes) <= 4096  # the emulator is handed bounded slices between turns of the loop
            await pilot.press("q")  # and quitting answers too
            assert app.return_code == 0 and not task.done()
        finally:
            task.cancel()
        assert view.terminal.errors == 0


class FakeProcess:
    """Stands in for an asyncssh process: replays a recorded session, then waits."""

    class Reader:
        def __init__(self, data: bytes) -> None:
            self.data = data

        async def read(self, _n: int) -> bytes:
            if self.data:
                data, self.data = self.data, b""
                return data
            await asyncio.Event().wait()

    class Writer:
        def write(self, data: bytes) -> None:
            pass

    def __init__(self, data: bytes) -> None:
        self.stdout, self.stderr, self.stdin = self.Reader(data), self.Reader(b""), self.Writer()
        self.exit_status, self.exit_signal = None, None

    def change_terminal_size(self, cols: int, rows: int) -> None:
        pass

    def close(self) -> None:
        pass


RECORDED = (
    b"\x1b]0;~/site\x07"
    b"demo:~/site$ ls --color\r\n"
    b"\x1b[0m\x1b[01;34massets\x1b[0m  \x1b[01;32mdeploy.sh\x1b[0m  index.php  \x1b[01;31mbackup.tar.gz\x1b[0m  "
    b"\x1b[01;36mcurrent\x1b[0m\r\n"
    b"demo:~/site$ printf styles\r\n"
    b"\x1b[1mbold\x1b[0m \x1b[2mdim\x1b[0m \x1b[3mitalic\x1b[0m \x1b[4munderline\x1b[0m \x1b[7mreverse\x1b[0m "
    b"\x1b[9mstrike\x1b[0m \x1b[8mhidden\x1b[0m|\r\n"
    + b"".join(b"\x1b[48;5;%dm  " % n for n in range(16, 52))
    + b"\x1b[0m\r\n"
    + b"".join(b"\x1b[48;2;%d;0;%dm " % (n * 8, 255 - n * 8) for n in range(32))
    + b"\x1b[0m\r\n"
    b"wide: \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e combining: e\xcc\x81t\xc3\xa9\r\n"
    b"demo:~/site$ "
)


def test_snapshot_of_a_shell_tab(snap_compare) -> None:
    class SnapshotApp(App):
        CSS_PATH = [STYLES / "app.tcss", STYLES / "terminal.tcss"]

        def compose(self) -> ComposeResult:
            with TabbedContent(id="tabs"):
                with TabPane("Files", id="files-tab"):
                    yield Input()
            yield Footer()

        async def on_mount(self) -> None:
            async def start(term_type: str, cols: int, rows: int) -> FakeProcess:
                return FakeProcess(RECORDED)

            tabs = self.query_one(TabbedContent)
            tab = ShellTab("demo", start, id="shell-1")
            await tabs.add_pane(tab)
            tabs.active = "shell-1"

    async def settle(pilot) -> None:
        for _ in range(200):
            await pilot.pause(0.02)
            tabs = pilot.app.query(ShellTab)
            if tabs and "wide:" in "\n".join(tabs.first().view.terminal.display()) and tabs.first().view.has_focus:
                break
        await pilot.pause(0.1)

    assert snap_compare(SnapshotApp(), terminal_size=(80, 16), run_before=settle)
