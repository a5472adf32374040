"""The sync preview: every action the plan would take, each one untickable, before anything changes.

The screen shows the plan the sync controller (ui/sync.py) made for the two
panes' folders: one line per action with its size, and the total of what is
ticked.  `Space` unticks a line (it is then skipped), `d` turns deleting
extra files on or off, `w` switches between one-way and two-way and `c`
between comparing size and time or contents (each asks the controller for a
fresh plan), `e` goes to the exclude globs (a line
"Excluding: …" above them says which applied, `.sshdeckignore` included;
`Enter` there plans again with the edited globs), `Enter` runs the ticked
actions, `Escape` closes without changing anything (while the folders are
still being compared it also stops the comparison: the screen opens at once
and plans in a worker, which closing it cancels).  Conflicts (two-way) are listed but can
never be ticked: they are not run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Awaitable, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from sshdeck.core.sync import ActionKind, SyncAction, SyncPlan
from sshdeck.core.sync.plan import size_text
from sshdeck.core.transfer.errors import describe


@dataclass(frozen=True)
class SyncChoices:
    """What the preview asks for: a plan with these options."""

    delete: bool = False
    two_way: bool = False
    # Globs to leave alone (the panes' profiles' excludes, as the user edited them here).
    excludes: tuple[str, ...] = ()
    # Compare contents (a server that may run commands hashes its own files), not size and time.
    checksum: bool = False

    def describe(self) -> str:
        mode = "two-way" if self.two_way else "one-way →"
        # One line that fits the dialog at 80 columns.
        return (f"{mode} (w) · delete extras: {'on' if self.delete else 'off'} (d) · "
                f"compare: {'contents' if self.checksum else 'size, time'} (c)")


@dataclass
class SyncRun:
    """The screen's answer: the plan and the actions left ticked."""

    plan: SyncPlan
    actions: list[SyncAction]
    choices: SyncChoices


Replan = Callable[[SyncChoices], Awaitable[SyncPlan]]
# A list widget of options slows down with its length (about 3 s at 100,000): a bigger plan lists
# its first lines only; the rest run as planned and the total says so.
MAX_LINES = 5_000


def _copied_size(action: SyncAction) -> int:
    return action.size if action.kind in (ActionKind.COPY, ActionKind.UPDATE) and not action.is_dir else 0


def action_label(action: SyncAction, two_way: bool) -> Content:
    size = "" if action.is_dir or action.kind is ActionKind.CONFLICT else f"  {size_text(action.size)}"
    # Content(...) is plain text: the escaped path can never become markup.
    return Content(action.line(two_way) + size)


def split_globs(text: str) -> tuple[str, ...]:
    """`*.log, cache/` → ("*.log", "cache/"): commas separate globs (a glob may hold spaces)."""
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


class SyncPlanScreen(ModalScreen["SyncRun | None"]):
    CSS_PATH = "../styles/sync.tcss"
    BINDINGS = [
        Binding("enter", "run", "Synchronise", priority=True, id="run_sync", tooltip="Run the ticked actions"),
        Binding("d", "toggle_delete", "Delete extras", id="sync_toggle_delete"),
        Binding("w", "toggle_two_way", "Two-way", id="sync_toggle_two_way"),
        Binding("c", "toggle_checksum", "Contents", id="sync_toggle_checksum", tooltip="Compare contents, not size and time"),
        Binding("e", "edit_excludes", "Excludes", id="sync_edit_excludes", tooltip="Edit the globs to leave alone; Enter plans again"),
        Binding("escape", "cancel", "Cancel", id="cancel_sync", tooltip="Close; nothing changes"),
    ]

    def __init__(self, plan: SyncPlan | None, source: str, dest: str, choices: SyncChoices, replan: Replan) -> None:
        """With `plan` None the screen opens at once and plans (Escape stops the comparison)."""
        super().__init__(classes="sync-screen")
        self.plan = plan or SyncPlan([], None, None)  # type: ignore[arg-type]
        self.first_plan = plan
        self.source = source
        self.dest = dest
        self.choices = choices
        self.replan = replan
        self.planning = plan is None
        # What the unlisted tail of a long plan adds to the total (it always runs), and each listed line's share.
        self._rest: tuple[dict[ActionKind, int], int] = ({}, 0)
        self._total_queued = False
        self.totals_computed = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog sync-dialog"):
            yield Label(Content(f"Synchronise {self.source} → {self.dest}"), classes="dialog-title", id="sync-title")
            yield Static(Content(self.choices.describe()), id="sync-options")
            yield SelectionList[int](id="sync-actions")
            yield Static(id="sync-excluding")
            with Horizontal(id="sync-exclude-row"):
                yield Label("Exclude (e):", id="sync-exclude-label")
                yield Input(", ".join(self.choices.excludes), placeholder="globs, comma-separated, e.g. *.log, cache/",
                            compact=True, id="sync-excludes")
            yield Static(id="sync-total")
            yield Static(id="sync-problems")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="sync-cancel")
                yield Button("Synchronise", variant="primary", id="sync-run")

    def on_mount(self) -> None:
        if self.first_plan is None:
            self._replan(self.choices, "Comparing the two folders… (Escape stops)")
        else:
            self._show(self.first_plan)
        self.query_one("#sync-actions", SelectionList).focus()

    # -- drawing -------------------------------------------------------------------------

    def _show(self, plan: SyncPlan) -> None:
        self.plan = plan
        listing = self.query_one("#sync-actions", SelectionList)
        listing.clear_options()
        listing.add_options(
            Selection(action_label(action, plan.two_way), index, action.kind is not ActionKind.CONFLICT,
                      disabled=action.kind is ActionKind.CONFLICT)
            for index, action in enumerate(plan.actions[:MAX_LINES])
        )
        self.query_one("#sync-options", Static).update(Content(self.choices.describe()))
        excluding = plan.excluding("") + "".join(f"\n{note}" for note in plan.notes[:3])
        self.query_one("#sync-excluding", Static).update(Content(f"Excluding: {excluding}"))
        problems = self.query_one("#sync-problems", Static)
        problems.update(Content("\n".join(plan.problems[:5]) + (f"\n… and {len(plan.problems) - 5} more" if len(plan.problems) > 5 else "")))
        problems.display = bool(plan.problems)
        self._tally_rest()
        self._update_total()

    def chosen(self) -> list[SyncAction]:
        ticked = set(self.query_one("#sync-actions", SelectionList).selected)
        return [action for index, action in enumerate(self.plan.actions) if index in ticked or index >= MAX_LINES]

    def _tally_rest(self) -> None:
        counts: dict[ActionKind, int] = {}
        size = 0
        for action in self.plan.actions[MAX_LINES:]:
            counts[action.kind] = counts.get(action.kind, 0) + 1
            size += _copied_size(action)
        self._rest = (counts, size)

    def _update_total(self) -> None:
        """The total of what is ticked: the listed lines ticked (at most MAX_LINES) plus the unlisted tail."""
        self._total_queued = False
        self.totals_computed += 1
        actions = self.plan.actions
        if self.planning or not self._still_shown():
            return
        if not actions:
            text = "Nothing to do: the folders are in sync."
        else:
            rest_counts, size = self._rest
            count = dict(rest_counts)
            ticked = self.query_one("#sync-actions", SelectionList).selected
            for index in ticked:
                action = actions[index]
                count[action.kind] = count.get(action.kind, 0) + 1
                size += _copied_size(action)
            chosen = len(ticked) + max(0, len(actions) - MAX_LINES)
            text = (
                f"{chosen} of {len(actions)} ticked: {count.get(ActionKind.COPY, 0)} to copy, "
                f"{count.get(ActionKind.UPDATE, 0)} to update, {count.get(ActionKind.DELETE, 0)} to delete, {size_text(size)}"
            )
            if len(actions) > MAX_LINES:
                text += f" (the first {MAX_LINES:,} are listed; the others run as planned)"
            conflicts = self.plan.count(ActionKind.CONFLICT)
            if conflicts:
                text += f"; {conflicts} conflict{'s' if conflicts != 1 else ''} left alone"
        self.query_one("#sync-total", Static).update(Content(text))

    @on(SelectionList.SelectedChanged)
    def _ticked(self, event: SelectionList.SelectedChanged) -> None:
        # Filling the list ticks thousands of lines, each a message: add them up once, after the burst.
        event.stop()
        if not self._total_queued:
            self._total_queued = True
            self.call_after_refresh(self._update_total)

    # -- options -------------------------------------------------------------------------

    def action_toggle_delete(self) -> None:
        self._replan(replace(self.choices, delete=not self.choices.delete))

    def action_toggle_two_way(self) -> None:
        self._replan(replace(self.choices, two_way=not self.choices.two_way))

    def action_toggle_checksum(self) -> None:
        self._replan(replace(self.choices, checksum=not self.choices.checksum))

    def action_edit_excludes(self) -> None:
        self.query_one("#sync-excludes", Input).focus()

    def _replan_with_edited_excludes(self) -> None:
        self._replan(replace(self.choices, excludes=split_globs(self.query_one("#sync-excludes", Input).value)))
        self.query_one("#sync-actions", SelectionList).focus()

    @work(exclusive=True, group="sync-replan")
    async def _replan(self, choices: SyncChoices, note: str = "Planning…") -> None:
        self.choices, self.planning = choices, True
        self.query_one("#sync-options", Static).update(Content(self.choices.describe()))
        self.query_one("#sync-total", Static).update(Content(note))
        try:
            plan = await self.replan(choices)
        except Exception as exc:  # noqa: BLE001 - one line; the old plan is gone
            self.plan = SyncPlan([], self.plan.a, self.plan.b)
            if self._still_shown():
                self.query_one("#sync-total", Static).update(Content(f"Cannot plan: {describe(exc)}"))
            return
        finally:
            self.planning = False
        if self._still_shown():  # the app may be quitting: a plan that comes back then has nowhere to go
            self._show(plan)

    def _still_shown(self) -> bool:
        return self.is_attached and bool(self.query("#sync-actions"))

    # -- answers -------------------------------------------------------------------------

    @on(Button.Pressed, "#sync-run")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_run()

    @on(Button.Pressed, "#sync-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_run(self) -> None:
        if isinstance(self.focused, Button) and self.focused.id == "sync-cancel":
            self.dismiss(None)  # Enter on Cancel cancels, whatever the screen's Enter does elsewhere
            return
        if isinstance(self.focused, Input):
            self._replan_with_edited_excludes()  # Enter in the exclude line plans again
            return
        if self.planning:
            return
        chosen = [a for a in self.chosen() if a.kind is not ActionKind.CONFLICT]
        self.dismiss(SyncRun(self.plan, chosen, self.choices) if chosen else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
