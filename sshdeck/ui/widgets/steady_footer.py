"""The key bar at the bottom of the main screen: Textual's Footer, rebuilt only when its keys change.

Textual's Footer rebuilds itself (removes every key and mounts new ones, with
their styles and a new layout) each time the screen says its bindings may
have changed: focus moves, a screen resumes, a listing starts or ends.  While
`sshdeck HOST:/folder` starts it did so eight times for the same keys, work
of the app's one process on the way to the first full frame.  This one
rebuilds at most once per refresh, and only when the keys it would show
(key, action, label, group, enabled, tooltip) differ from the ones shown.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class SteadyFooter(Footer):
    """A Footer that skips rebuilding into what it already shows."""

    _shown: tuple | None = None  # the keys of the last rebuild
    _pending = False  # a rebuild is scheduled

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown = self.keys_shown()
        if shown == self._shown:
            return
        self._shown = shown
        await self.recompose()

    def keys_shown(self) -> tuple:
        """What `compose` draws from the screen's bindings, as comparable data."""
        palette = self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE
        return (self.compact, palette, *(
            (binding.key, binding.action, binding.description, binding.group, binding.tooltip, enabled, tooltip)
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show or (palette and binding.key == self.app.COMMAND_PALETTE_BINDING)
        ))
