"""Find files…: search below a pane's folder by name and content (core/find.py does the work).

The results fill in while the search runs; Escape stops it (a second
Escape closes), Enter on a result closes the screen and returns that path
(the caller opens its folder with the cursor on it), Space selects results
and F5 hands the selected ones to `on_copy`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from sshdeck.core.find import FindProblem, FindQuery, find
from sshdeck.core.fs.base import Entry, FileSystem
from sshdeck.core.fs.errors import FileSystemError
from sshdeck.core.fs.names import display_path

# The list keeps this many results; the search goes on counting past it.
SHOWN_UP_TO = 10_000

Found = tuple[str, Entry]


class FindFiles(ModalScreen[str | None]):
    """Returns the path chosen with Enter, or None when closed."""

    CSS_PATH = Path(__file__).resolve().parent.parent / "styles" / "find.tcss"
    BINDINGS = [
        Binding("escape", "stop_or_close", "Stop / close", id="find_stop"),
        Binding("space", "toggle_result", "Select", id="find_select"),
        Binding("f5", "copy_selected", "Copy selected", id="find_copy"),
        Binding("down", "to_results", "To the results", show=False, id="find_to_results"),
    ]

    def __init__(self, fs: FileSystem, folder: str, *, on_copy: Callable[[list[Found]], None] | None = None) -> None:
        super().__init__()
        self.fs = fs
        self.folder = folder
        self.on_copy = on_copy
        self.results: list[Found] = []
        self.selected: set[int] = set()
        self.found = 0
        self.problems = 0
        self.state = ""  # "", "searching", "done", "stopped", or a failure
        self._pending: list[Found] = []
        self._search: Worker | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog find-dialog"):
            yield Label(Content(f"Find in {display_path(self.folder)}"), classes="dialog-title")
            with Horizontal(classes="find-field"):
                yield Label("Name", classes="find-label")
                yield Input(placeholder="* or a glob: *.log, report-??.txt", id="find-name")
            with Horizontal(classes="find-field"):
                yield Label("Content", classes="find-label")
                yield Input(placeholder="text the file contains (optional)", id="find-content")
            yield Static(Content("Enter searches · Escape stops, then closes"), id="find-status")
            yield OptionList(id="find-results")
            yield Static(Content("Enter: go to the file · Space: select · F5: copy to the other pane"), id="find-hint")

    def on_mount(self) -> None:
        self.query_one("#find-name", Input).focus()
        self.set_interval(0.2, self._flush)

    # -- searching -----------------------------------------------------------------------

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start()

    def start(self) -> None:
        query = FindQuery(
            name=self.query_one("#find-name", Input).value.strip(),
            content=self.query_one("#find-content", Input).value,
        )
        self.results.clear()
        self.selected.clear()
        self._pending.clear()
        self.found = self.problems = 0
        self.query_one("#find-results", OptionList).clear_options()
        self.state = "searching"
        self._draw_status()
        self._search = self._run(query)

    @work(exclusive=True, group="find")
    async def _run(self, query: FindQuery) -> None:
        def problem(item: FindProblem) -> None:
            self.problems += item.error

        try:
            async with contextlib.aclosing(find(self.fs, self.folder, query, on_problem=problem)) as results:
                async for found in results:
                    self.found += 1
                    if len(self.results) + len(self._pending) < SHOWN_UP_TO:
                        self._pending.append(found)
        except FileSystemError as exc:
            self.state = str(exc)
        else:
            self.state = "done"
        self._flush()

    def _flush(self) -> None:
        if self._pending:
            start = len(self.results)
            self.results.extend(self._pending)
            self.query_one("#find-results", OptionList).add_options(
                Option(self._prompt(index), id=str(index)) for index in range(start, len(self.results))
            )
            self._pending.clear()
            results = self.query_one("#find-results", OptionList)
            if results.highlighted is None:
                results.highlighted = 0
        self._draw_status()

    def _prompt(self, index: int) -> Content:
        path, entry = self.results[index]
        shown = display_path(path[len(self.folder.rstrip("/")) + 1:] if path.startswith(self.folder) else path)
        if entry.is_dir:
            shown += "/"
        return Content(("✓ " if index in self.selected else "  ") + shown)

    def _draw_status(self) -> None:
        count = f"{self.found:,} found"
        if self.found > SHOWN_UP_TO:
            count += f" (first {SHOWN_UP_TO:,} shown)"
        if self.selected:
            count += f" · {len(self.selected)} selected"
        if self.problems:
            count += f" · {self.problems} not readable"
        state = {"searching": "searching…", "done": "done", "stopped": "stopped"}.get(self.state, self.state)
        self.query_one("#find-status", Static).update(Content(f"{count} · {state}" if self.state else count))

    @property
    def searching(self) -> bool:
        return self._search is not None and self._search.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def action_stop_or_close(self) -> None:
        if self.searching:
            assert self._search is not None
            self._search.cancel()
            self._flush()
            self.state = "stopped"
            self._draw_status()
        else:
            self.dismiss(None)

    # -- results -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "to_results":  # Down in a search field, once something is found
            return isinstance(self.focused, Input) and bool(self.results)
        return True

    def action_to_results(self) -> None:
        self.query_one("#find-results", OptionList).focus()

    @on(OptionList.OptionSelected, "#find-results")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self._search is not None:
            self._search.cancel()
        self.dismiss(self.results[event.option_index][0])

    def action_toggle_result(self) -> None:
        results = self.query_one("#find-results", OptionList)
        index = results.highlighted
        if index is None or index >= len(self.results):
            return
        self.selected.symmetric_difference_update({index})
        results.replace_option_prompt_at_index(index, self._prompt(index))
        if index + 1 < results.option_count:
            results.highlighted = index + 1
        self._draw_status()

    def action_copy_selected(self) -> None:
        if not self.selected:
            self.notify("Select results with Space first", severity="warning")
            return
        if self.on_copy is None:
            return
        self.on_copy([self.results[index] for index in sorted(self.selected)])
        self.selected.clear()
        results = self.query_one("#find-results", OptionList)
        for index in range(len(self.results)):
            results.replace_option_prompt_at_index(index, self._prompt(index))
        self._draw_status()
