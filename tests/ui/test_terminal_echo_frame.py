"""A key's echo is drawn as it arrives, not at Textual's next frame tick (ui/widgets/prompt_frame.py).

Under a busy event loop (a big transfer beside a shell tab) each hop of
Textual's repaint path (idle check, update message, the 60 Hz timer's slot)
is a turn of the loop: benchmarks/echo.py measured 4 ms at the median and
17 ms at p99 from the echo's arrival to its frame.  Output that is not an
answer to a key keeps Textual's pace.
"""

from __future__ import annotations

import asyncio
import time

from sshdeck.ui.widgets.prompt_frame import ECHO_WINDOW
from sshdeck.ui.widgets.terminal_view import FRAME, TerminalView
from tests.ui.test_terminal_view import FrameCount, ViewApp, rendered
from tests.ui.waiting import until


class Drawn:
    """Records the rows the compositor draws of `view`."""

    def __init__(self, view: TerminalView) -> None:
        self.rows: list[int] = []
        render = view.render_line

        def spy(y: int):
            self.rows.append(y)
            return render(y)

        view.render_line = spy


async def test_the_echo_of_a_key_is_drawn_in_the_turn_it_arrives() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TerminalView)
        await pilot.press("x")
        assert app.sent == [b"x"]
        await asyncio.sleep(FRAME * 2)  # no frame of the view's in the last FRAME: nothing to pace
        drawn = Drawn(view)
        view.feed(b"x")  # the echo; no await between it and the check: the loop took no turn
        assert 0 in drawn.rows
        assert "".join(s.text for s in view.render_line(0)).startswith("x")


async def test_output_that_answers_no_key_waits_for_the_screens_frame() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TerminalView)
        await pilot.pause()
        await asyncio.sleep(FRAME * 2)
        drawn = Drawn(view)
        view.feed(b"log line")
        view.flush()
        assert drawn.rows == []  # left to Textual's timer, as any widget's refresh
        await pilot.pause()
        await asyncio.sleep(FRAME * 2)
        await pilot.pause()
        assert 0 in drawn.rows


async def test_a_key_long_ago_no_longer_makes_output_drawn_at_once(monkeypatch) -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TerminalView)
        await pilot.press("x")
        await asyncio.sleep(FRAME * 2)
        view._typed_at -= ECHO_WINDOW  # the key was sent a whole window ago
        drawn = Drawn(view)
        view.feed(b"late output")
        view.flush()
        assert drawn.rows == []


async def test_a_flood_after_a_key_is_still_drawn_at_most_once_a_frame() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TerminalView)
        await pilot.press("x")
        await asyncio.sleep(FRAME * 2)
        frames = FrameCount(view)
        began = time.monotonic()
        for n in range(300):
            view.feed(b"\r\nline %d" % n)  # all in one turn: the first is drawn at once, the rest wait a frame
        # One frame per FRAME at most (a loaded machine may take more than one FRAME over the 300 feeds).
        most = 1 + int((time.monotonic() - began) / FRAME)
        assert 1 <= frames.count <= most
        drawn = frames.count
        await until(pilot, lambda: any("line 299" in row for row in rendered(view)), "the flood's last line drawn")
        assert frames.count <= drawn + 1  # the rest in one more frame (none if the last feed came a FRAME on)
