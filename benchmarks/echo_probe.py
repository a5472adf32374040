"""A keystroke's echo, timed from sending the key to the frame that draws it (benchmarks/echo.py and terminal_ssh.py).

The probe types into a bash shown in a `TerminalView` and stamps the time at
the compositor's first line drawn after the echo arrived, not when its own
waiting task next runs (under load that wake-up is a turn of the loop later,
a delay the user never sees).
"""

from __future__ import annotations

import asyncio
import random
import time


class EchoProbe:
    """Types into a bash shown in a TerminalView and times each key until its echo is drawn."""

    def __init__(self, shell, view) -> None:
        self.shell, self.view = shell, view
        self.expected: list[bytes] = []
        self.echoed = asyncio.Event()
        self.seen = False
        self.drawn_at = 0.0
        self._render = view.render_line
        view.render_line = self._drawn
        view.send = shell.stdin.write
        self.reader = asyncio.create_task(self._pump())

    def _drawn(self, y: int):  # the compositor drawing a line after the echo arrived ends the measurement
        if self.seen:
            self.seen = False
            self.drawn_at = time.perf_counter()  # here, not when the waiting task next runs
            self.echoed.set()
        return self._render(y)

    async def _pump(self) -> None:
        while data := await self.shell.stdout.read(65536):
            if self.expected and self.expected[0] in data:  # before feeding it: the view may draw it at once
                self.expected.clear()
                self.seen = True
            self.view.feed(data)
            await self.view.pace()

    async def keystroke(self, n: int) -> float | None:
        key = bytes([ord("a") + n % 26])
        if n % 40 == 39:
            self.shell.stdin.write(b"\x15")  # Ctrl+U keeps the line short
            await asyncio.sleep(0.02)
        self.echoed.clear()
        self.expected[:] = [key]
        sent = time.perf_counter()
        self.view.write(key)
        try:
            await asyncio.wait_for(self.echoed.wait(), 2)
        except asyncio.TimeoutError:
            return None
        return (self.drawn_at - sent) * 1000

    async def sample(self, count: int | None, while_task: asyncio.Task | None = None) -> list[float]:
        rng = random.Random(1)
        out: list[float] = []
        n = 0
        while (count is not None and n < count) or (while_task is not None and not while_task.done()):
            ms = await self.keystroke(n)
            if ms is not None and (while_task is None or not while_task.done()):
                out.append(ms)
            n += 1
            await asyncio.sleep(rng.uniform(0.01, 0.03))
        return out

    def close(self) -> None:
        self.shell.stdin.write(b"\x15exit\r")
        self.reader.cancel()
        self.shell.close()
        del self.view.render_line
