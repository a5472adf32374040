"""Waiting in Pilot tests for the app to reach a state (never a fixed sleep)."""

from __future__ import annotations

from typing import Callable, TypeVar

from sshdeck.ui.widgets.file_pane import FilePane

T = TypeVar("T")


async def until(pilot, predicate: Callable[[], T], what: str, tries: int = 400) -> T:
    """Poll `predicate` every 25 ms; return its first truthy value, or fail naming `what`."""
    for _ in range(tries):
        await pilot.pause(0.025)
        result = predicate()
        if result:
            return result
    raise AssertionError(f"timed out waiting for {what}")


async def both_panes_idle(pilot, app) -> tuple[FilePane, FilePane]:
    """The two panes of the main screen once both have listed their folders (no modal on top)."""
    for _ in range(400):
        await pilot.pause(0.02)
        if app.screen.is_modal:
            continue
        found = list(app.screen.query(FilePane))
        if len(found) == 2 and all(p.is_idle for p in found):
            return found[0], found[1]
    raise AssertionError("the panes did not finish loading")
