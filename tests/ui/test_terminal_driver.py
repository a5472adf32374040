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
