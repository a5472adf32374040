"""Drawing a widget's change now, not at the screen's next frame tick.

Textual repaints on a 60 Hz timer: a refresh waits for the screen's idle
handler, then for the timer's next slot (up to 16.7 ms after the last frame),
then for the timer task's turn.  While a big transfer keeps the event loop
busy those hops are each a turn of the loop: the arrival of a keystroke's
echo to its frame took 4 ms at the median and 17 ms at p99 in
benchmarks/echo.py during a 1 GiB put, half the echo's whole delay.

`draw_now` runs the screen's own update step (what that timer calls) at once.
Only for output that answers a key (TerminalView: a key sent within
`ECHO_WINDOW`); floods keep Textual's pace, so no more frames are drawn than
before, only sooner.
"""

from __future__ import annotations

from textual.widget import Widget

ECHO_WINDOW = 1.0
"""Output this soon (seconds) after a key is taken as its echo and drawn at once (a 600 ms satellite link included)."""


def draw_now(widget: Widget) -> bool:
    """Paint `widget`'s refreshed regions now if its screen is the current one and nothing batches
    updates; False where it was left to Textual's timer (not mounted, another screen, a Textual
    without these steps).

    What Textual does over three messages and a timer slot, in one step: the widget's idle check
    hands it to its screen (`Widget._check_refresh` -> `Screen._on_update`), and the screen's
    timer paints its dirty widgets (`Screen._on_timer_update`); textual is pinned to one minor
    version, and tests/ui/test_terminal_echo_frame.py fails if these steps move.
    """
    try:
        screen = widget.screen
        app = widget.app
    except Exception:  # noqa: BLE001 - not mounted (any more): nothing to draw
        return False
    update = getattr(screen, "_on_timer_update", None)
    dirty = getattr(screen, "_dirty_widgets", None)
    if update is None or dirty is None or not hasattr(widget, "_repaint_required"):
        return False
    if not screen.is_current or getattr(app, "_batch_count", 1) or not app.is_running or not widget.display:
        return False
    if widget._repaint_required:  # noqa: SLF001
        widget._repaint_required = False  # noqa: SLF001 - handed over here, as its idle check would
        dirty.add(widget)
    update()
    return True
