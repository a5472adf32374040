"""The driver's view of a terminal that has gone: told apart from one still there or no terminal at all."""

from __future__ import annotations

import os
from pathlib import Path

from sshdeck.ui.terminal_driver import TerminalOutput, terminal_gone


def test_a_pty_whose_window_closed_is_gone_and_a_live_one_or_a_file_is_not(tmp_path: Path) -> None:
    master, slave = os.openpty()
    try:
        assert not terminal_gone(slave)
        os.close(master)  # the terminal emulator goes away: the pty hangs up
        master = -1
        assert terminal_gone(slave)
    finally:
        os.close(slave)
        if master != -1:
            os.close(master)
    with open(tmp_path / "redirected", "w") as file:  # `sshdeck 2>file`: not a terminal, but nothing has gone
        assert not terminal_gone(file.fileno())


def test_output_to_a_closed_terminal_is_dropped_from_the_first_failed_write_on() -> None:
    master, slave = os.openpty()
    told = []
    with os.fdopen(slave, "w") as stream:
        output = TerminalOutput(stream, lambda: told.append("gone"))
        output.write("frame 1")
        output.flush()
        assert os.read(master, 100) == b"frame 1"
        os.close(master)
        for frame in range(100):  # the output thread goes on draining its queue: nothing raises, nothing blocks
            output.write(f"frame {frame}\n" * 100)
            output.flush()
        assert output.gone
        assert told == ["gone"]
        try:
            stream.close()
        except OSError:
            pass  # what the failed writes left in the stream's buffer


def test_a_terminal_that_is_only_slow_is_not_taken_for_gone() -> None:
    """Another program can leave the terminal non-blocking: a full terminal then answers EAGAIN, which is not a hang-up."""
    master, slave = os.openpty()
    told = []
    os.set_blocking(slave, False)
    stream = os.fdopen(slave, "w")
    try:
        output = TerminalOutput(stream, lambda: told.append("gone"))
        for _ in range(1000):  # nobody reads the other side: the terminal's buffer fills up
            output.write("x" * 4096)
            output.flush()
        assert not output.gone and told == []
        # The terminal catches up: frames go through again.
        os.set_blocking(master, False)
        output.write("next frame")
        seen = b""
        for _ in range(1000):
            try:
                seen = (seen + os.read(master, 1 << 16))[-100:]
            except BlockingIOError:
                output.flush()  # what the output thread does when its queue is empty
            if b"next frame" in seen:
                break
        assert b"next frame" in seen
        assert not output.gone
    finally:
        os.close(master)
        try:
            stream.close()
        except OSError:
            pass
