"""What each control sequence does: the CSI and ESC dispatch tables.

A CSI is looked up by its private marker, intermediates and final byte
(`"?h"`, `"!p"`, `"H"`); its numeric parameters arrive as a list of ints
(0 for an omitted one).  Sequences not in the tables are ignored, which is
also how DECRQSS, DECRQM, window reports (`CSI 21 t`) and other queries are
treated: the only replies are the device status and attributes below,
built from the emulator's own state.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

from .modes import MOUSE_MODES, MOUSE_OFF, PRIVATE_FLAGS

if TYPE_CHECKING:
    from .terminal import Terminal

DA1_REPLY = b"\x1b[?62;22c"  # VT220 with ANSI colour
DA2_REPLY = b"\x1b[>0;10;1c"  # a terminal type, firmware version and ROM id that claim nothing special
MAX_PARAMS = 32
MAX_VALUE = 65535


def _n(params: list[int], index: int = 0, default: int = 1) -> int:
    """A count or position argument: omitted or 0 means `default`."""
    if index < len(params) and params[index]:
        return params[index]
    return default


def parse_params(body: str) -> list[int]:
    """`"1;;3:4"` -> `[1, 0, 3]`: sub-parameters dropped, values clamped, at most 32."""
    out = []
    for item in body.split(";", MAX_PARAMS)[:MAX_PARAMS]:
        head = item.partition(":")[0]
        if head.isdigit():
            out.append(int(head) if len(head) < 6 else MAX_VALUE)
        else:
            out.append(0)
    return [min(value, MAX_VALUE) for value in out]


# -- CSI handlers ---------------------------------------------------------------


def _cuu(t: Terminal, p: list[int]) -> None:
    t.cursor_up(_n(p))


def _cud(t: Terminal, p: list[int]) -> None:
    t.cursor_down(_n(p))


def _cuf(t: Terminal, p: list[int]) -> None:
    t.cursor_right(_n(p))


def _cub(t: Terminal, p: list[int]) -> None:
    t.cursor_left(_n(p))


def _cnl(t: Terminal, p: list[int]) -> None:
    t.cursor_down(_n(p))
    t.carriage_return()


def _cpl(t: Terminal, p: list[int]) -> None:
    t.cursor_up(_n(p))
    t.carriage_return()


def _cha(t: Terminal, p: list[int]) -> None:
    t.set_column(_n(p) - 1)


def _hpr(t: Terminal, p: list[int]) -> None:
    t.cursor_right(_n(p))


def _cup(t: Terminal, p: list[int]) -> None:
    t.cursor_to(_n(p, 1) - 1, _n(p, 0) - 1)


def _vpa(t: Terminal, p: list[int]) -> None:
    t.set_row(_n(p) - 1)


def _vpr(t: Terminal, p: list[int]) -> None:
    t.cursor_down(_n(p))


def _cht(t: Terminal, p: list[int]) -> None:
    t.tab(_n(p))


def _cbt(t: Terminal, p: list[int]) -> None:
    t.back_tab(_n(p))


def _ed(t: Terminal, p: list[int]) -> None:
    t.erase_in_display(_n(p, 0, 0))


def _el(t: Terminal, p: list[int]) -> None:
    t.erase_in_line(_n(p, 0, 0))


def _il(t: Terminal, p: list[int]) -> None:
    t.insert_lines(min(_n(p), t.rows))


def _dl(t: Terminal, p: list[int]) -> None:
    t.delete_lines(min(_n(p), t.rows))


def _ich(t: Terminal, p: list[int]) -> None:
    t.insert_chars(min(_n(p), t.cols))


def _dch(t: Terminal, p: list[int]) -> None:
    t.delete_chars(min(_n(p), t.cols))


def _ech(t: Terminal, p: list[int]) -> None:
    t.erase_chars(min(_n(p), t.cols))


def _su(t: Terminal, p: list[int]) -> None:
    t.scroll_up(min(_n(p), t.rows))


def _sd(t: Terminal, p: list[int]) -> None:
    if len(p) <= 1:  # with five parameters this is xterm's mouse highlight tracking
        t.scroll_down(min(_n(p), t.rows))


def _rep(t: Terminal, p: list[int]) -> None:
    t.repeat_last(_n(p))


def _tbc(t: Terminal, p: list[int]) -> None:
    mode = _n(p, 0, 0)
    if mode in (0, 3):
        t.clear_tab_stop(every=mode == 3)


def _decstbm(t: Terminal, p: list[int]) -> None:
    t.set_margins(_n(p, 0, 0), _n(p, 1, 0))


def _save(t: Terminal, p: list[int]) -> None:
    t.save_cursor()


def _restore(t: Terminal, p: list[int]) -> None:
    t.restore_cursor()


def _decstr(t: Terminal, p: list[int]) -> None:
    t.soft_reset()


def _decscusr(t: Terminal, p: list[int]) -> None:
    t.modes.cursor_shape = min(_n(p, 0, 0), 6)


def _dsr(t: Terminal, p: list[int]) -> None:
    code = _n(p, 0, 0)
    if code == 5:
        t.reply(b"\x1b[0n")
    elif code == 6:
        row = t.y - t.top if t.modes.origin else t.y
        t.reply(b"\x1b[%d;%dR" % (row + 1, t.x + 1))


def _da1(t: Terminal, p: list[int]) -> None:
    if _n(p, 0, 0) == 0:
        t.reply(DA1_REPLY)


def _da2(t: Terminal, p: list[int]) -> None:
    if _n(p, 0, 0) == 0:
        t.reply(DA2_REPLY)


def _sm(t: Terminal, p: list[int], on: bool = True) -> None:
    for code in p:
        if code == 4:
            t.modes.insert = on
        elif code == 20:
            t.modes.newline = on


def _rm(t: Terminal, p: list[int]) -> None:
    _sm(t, p, False)


def _decset(t: Terminal, p: list[int], on: bool = True) -> None:
    modes = t.modes
    for code in p:
        name = PRIVATE_FLAGS.get(code)
        if name is not None:
            setattr(modes, name, on)
            if code == 6:
                t.cursor_to(0, 0)
            elif code == 5:
                t.touch_all()
        elif code in MOUSE_MODES:
            modes.mouse_tracking = code if on else MOUSE_OFF
        elif code == 1006:
            modes.mouse_sgr = on
        elif code in (47, 1047, 1049):
            t.set_alternate(on, code)
        elif code == 1048:
            t.save_cursor() if on else t.restore_cursor()


def _decrst(t: Terminal, p: list[int]) -> None:
    _decset(t, p, False)


CSI_HANDLERS: dict[str, Callable[[Terminal, list[int]], None]] = {
    "@": _ich,
    "A": _cuu,
    "B": _cud,
    "C": _cuf,
    "D": _cub,
    "E": _cnl,
    "F": _cpl,
    "G": _cha,
    "H": _cup,
    "I": _cht,
    "J": _ed,
    "?J": _ed,
    "K": _el,
    "?K": _el,
    "L": _il,
    "M": _dl,
    "P": _dch,
    "S": _su,
    "T": _sd,
    "X": _ech,
    "Z": _cbt,
    "`": _cha,
    "a": _hpr,
    "b": _rep,
    "c": _da1,
    ">c": _da2,
    "d": _vpa,
    "e": _vpr,
    "f": _cup,
    "g": _tbc,
    "h": _sm,
    "l": _rm,
    "?h": _decset,
    "?l": _decrst,
    "n": _dsr,
    "r": _decstbm,
    "s": _save,
    "u": _restore,
    "!p": _decstr,
    " q": _decscusr,
}


# -- ESC handlers ---------------------------------------------------------------


def _keypad_app(t: Terminal) -> None:
    t.modes.app_keypad = True


def _keypad_normal(t: Terminal) -> None:
    t.modes.app_keypad = False


def _hts(t: Terminal) -> None:
    t.set_tab_stop()


def _nel(t: Terminal) -> None:
    t.carriage_return()
    t.index()


ESC_HANDLERS: dict[str, Callable[[Terminal], None]] = {
    "7": lambda t: t.save_cursor(),
    "8": lambda t: t.restore_cursor(),
    "D": lambda t: t.index(),
    "E": _nel,
    "H": _hts,
    "M": lambda t: t.reverse_index(),
    "c": lambda t: t.full_reset(),
    "=": _keypad_app,
    ">": _keypad_normal,
    "#8": lambda t: t.alignment_test(),
}


def esc_dispatch(t: Terminal, seq: str) -> None:
    """Run an `ESC [intermediates] final` sequence (`seq` without the ESC)."""
    handler = ESC_HANDLERS.get(seq)
    if handler is not None:
        handler(t)
    elif len(seq) == 2 and seq[0] in "()":
        # Designate G0/G1: "0" is DEC line drawing, everything else is taken as ASCII.
        t.designate(0 if seq[0] == "(" else 1, "0" if seq[1] == "0" else "B")


# A run of the same one of these is applied at once: a flood of two-byte
# sequences would otherwise cost a dispatch each (a 64 KiB read holds 32768).
ESC_RUNS: dict[str, re.Pattern[str]] = {
    seq: re.compile(f"(?:{re.escape(seq)})*+") for seq in ("\x1bD", "\x1bE", "\x1bM", "\x1bc")
}


def esc_run(t: Terminal, seq: str, count: int) -> None:
    """Run `count` times the ESC sequence `seq` (a key of `ESC_RUNS`), as many single runs would."""
    final = seq[1]
    if final == "c":
        t.full_reset()  # a second reset finds the state the first one made
    elif final == "M":
        t.reverse_indexes(count)
    else:
        if final == "E":
            t.carriage_return()
        t.indexes(count)
