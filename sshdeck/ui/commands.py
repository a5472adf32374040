"""The command palette's sshdeck entries: every action of the main screen by name.

The screen lists its commands (`palette_commands()`); this provider only
matches and runs them, so a command always acts on what has focus now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    run: Callable[[], object]


class SshdeckCommands(Provider):
    def _commands(self) -> list[PaletteCommand]:
        screen = self.screen
        # The palette is a screen of its own; the commands belong to the one below it.
        for candidate in reversed(self.app.screen_stack):
            if hasattr(candidate, "palette_commands"):
                screen = candidate
                break
        lister = getattr(screen, "palette_commands", None)
        return list(lister()) if lister else []

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
