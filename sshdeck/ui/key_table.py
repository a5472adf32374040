"""The key table: what F1 shows, and what the README's Keys section must say (a test compares them)."""

from __future__ import annotations

# (keys, action, binding ids) in README order; markdown code spans as in the README.
KEY_TABLE: tuple[tuple[str, str, str], ...] = (
    ('`↑` `↓` `PgUp` `PgDn` `Home` `End`', 'move the cursor', '`cursor_up`, `cursor_down`, `page_up`, `page_down`, `first`, `last`'),
    ('`Enter`, double-click', 'open the folder under the cursor', '`open`'),
    ('`Backspace`', 'up one folder', '`go_up`'),
    ('`Alt+←` / `Alt+→`', 'back / forward', '`back`, `forward`'),
    ('`Ctrl+L`', 'go to a path (Tab completes)', '`edit_path`'),
    ('`Tab`', 'other pane', '`switch_pane`'),
    ('`Ctrl+R`', 'reload', '`reload`'),
    ('`Escape` / `Ctrl+C`', 'stop the listing in progress (keeps what arrived)', '`stop_listing`'),
    ('`/`', 'filter', '`filter`'),
    ('`s`, header click', 'sort by name, size, time, extension', '`sort_next`'),
    ('`.`', 'hidden files', '`toggle_hidden`'),
    ('`Space`, `Insert`, `Ctrl`+click', 'select', '`toggle_select`'),
    ('`+` / `-` / `*` / `Ctrl+A`', 'select by pattern / unselect by pattern / invert / all', '`select_pattern`, `unselect_pattern`, `invert_selection`, `select_all`'),
    ('`F3` / `F4`', 'view / edit', '`view`, `edit`'),
    ('`F7` / `F2`, `Shift+F6` / `F8`, `Delete`', 'new folder / rename / delete', '`mkdir`, `rename`, `delete`'),
    ('`p` / `i` / `y`', 'permissions / properties / copy path', '`chmod`, `properties`, `copy_path`'),
    ('`b` / `g`', 'bookmark this folder (again: remove) / go to a bookmark', '`bookmark`, `bookmarks`'),
    ('`Ctrl+Y` / `=`', 'synchronised browsing / compare folders', '`toggle_sync`, `compare`'),
    ('`Ctrl+E`', "synchronise: make the other pane's folder like this one, after a preview (`Space` unticks a line, `d` deletes extras on/off, `w` two-way on/off, `Enter` runs, `Escape` cancels)", '`synchronise`, `run_sync`, `sync_toggle_delete`, `sync_toggle_two_way`, `cancel_sync`'),
    ('`F5` / `F6`, drag with the mouse', 'copy / move to the other pane', '`copy`, `move`'),
    ('`Ctrl+T`', 'transfer panel (`p` pause, `x` cancel, `r` retry, `c` clear, `Escape` hide)', '`toggle_transfers`, `transfer_pause`, `transfer_cancel`, `transfer_retry`, `transfer_clear`, `transfer_hide`'),
    ('`Ctrl+O`', 'the shell tab of the host in focus (opens one, or shows the one there is; from a shell tab: another, "host (2)"); without a host, a shell on this computer', '`open_shell`'),
    ('`Ctrl+]`', '(in a shell) give the keys back to sshdeck', '`leave_terminal`'),
    ('`Ctrl+W`', 'close the shell tab', '`close_shell_tab`'),
    ('`Shift+PgUp` / `Shift+PgDn`', '(in a shell) scroll back', '`terminal_page_up`, `terminal_page_down`'),
    ('`Alt+L`', 'what this pane shows (this computer, a connected host, or a saved host: connects it here)', '`pick_location`'),
    ('`F9`', 'host list', '`toggle_sidebar`'),
    ('`Ctrl+K`', 'quick connect (`Ctrl+S` in the bar: save as profile, `Escape` closes it)', '`quick_connect`, `quick_connect_save`, `quick_connect_close`'),
    ('`Ctrl+D`', 'disconnect, or cancel connecting', '`disconnect`'),
    ('`Ctrl+P`', 'command palette', "Textual's"),
    ('`F1`', 'this key table', '`help`'),
    ('`q`, `F10`, `Ctrl+Q`', 'quit', '`quit`, `quit_now`'),
)
