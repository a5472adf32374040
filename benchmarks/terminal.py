"""Terminal benchmark: how fast sshdeck's emulator eats output, next to pyte's.

Run: `python -m benchmarks.terminal` (or `python benchmarks/terminal.py`).

Parts (select with `--part NAME`, repeatable; all by default):
  emulator   throughput of the emulator alone on synthetic, deterministic
             streams (plain scrolling, two kinds of SGR colour, a cursor-heavy
             full-screen redraw), sshdeck's `Terminal` and `pyte.Screen` +
             `pyte.ByteStream` in the same run, fed in the same chunks.
  adversarial  CPU time to process one 64 KiB read of each of ~60 hostile
             patterns (REP of wide characters, huge edit counts, scroll-region
             tricks, tabs, resets...) at 120x40 and 240x70; the worst is
             reported (the emulator promises bounded work per input byte).
  ssh        through Debian's sshd on loopback, into a headless app showing a
             `TerminalView`: the time to display 20 MB of `cat` output in a
             PTY (next to reading the same channel without displaying it), and
             the keystroke echo latency in a bash while a 256 MiB SFTP get
             runs over the same connection (median and p99; target p99 < 30 ms).

The emulator figures are MB/s of input bytes per second of the process's
CPU time: on a shared two-core machine wall time swings with whatever else
runs, while the CPU time of a single-threaded feed loop does not (on an idle
machine the two agree).  Each measurement feeds the stream until it ends or
a time budget runs out, so pyte's slow cases do not stretch the run;
throughput is steady enough for that to be fair.  If `pyavt` (Rust `avt`
bindings) is importable it gets a column too, for the record.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `sshdeck` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sshdeck.core.terminal import Terminal  # noqa: E402

COLS, ROWS = 120, 40
CHUNK = 16 * 1024  # a typical read from an SSH channel
TARGET_MB_S = 20.0

# -- synthetic streams --------------------------------------------------------------


def plain_stream() -> bytes:
    """`seq 1 1000000` as a PTY delivers it (CR LF line endings): 6.9 MB."""
    return b"".join(b"%d\r\n" % n for n in range(1, 1_000_001))


_WORDS = (
    "alpha beta gamma delta epsilon zeta theta iota kappa lambda sigma omega "
    "server client request response bytes error warning info debug trace"
).split()


def ls_color_stream(lines: int = 100_000) -> bytes:
    """`ls --color -l`-like lines: a few coloured names among plain columns (about 8 MB)."""
    rng = random.Random(7)
    kinds = ["01;34", "01;32", "01;36", "00", "01;31", "40;33;01", "01;35"]
    out = []
    for n in range(lines):
        kind = rng.choice(kinds)
        name = f"{rng.choice(_WORDS)}_{n}.{rng.choice(['txt', 'py', 'gz', 'log'])}"
        size = rng.randrange(1, 10**7)
        out.append(
            f"-rw-r--r-- 1 user group {size:>9} Jan {n % 28 + 1:2d} 12:{n % 60:02d} "
            f"\x1b[0m\x1b[{kind}m{name}\x1b[0m\r\n"
        )
    return "".join(out).encode()


def word_color_stream(lines: int = 60_000) -> bytes:
    """Lines where every word has its own colour (16, 256 and truecolor forms), about 8 MB."""
    rng = random.Random(11)
    out = []
    for _ in range(lines):
        words = []
        for _ in range(rng.randrange(6, 12)):
            form = rng.randrange(4)
            if form == 0:
                sgr = f"{rng.randrange(30, 38)}"
            elif form == 1:
                sgr = f"1;{rng.randrange(90, 98)}"
            elif form == 2:
                sgr = f"38;5;{rng.randrange(256)}"
            else:
                sgr = f"38;2;{rng.randrange(0, 256, 51)};{rng.randrange(0, 256, 51)};{rng.randrange(0, 256, 51)}"
            words.append(f"\x1b[{sgr}m{rng.choice(_WORDS)}\x1b[0m")
        out.append(" ".join(words) + "\r\n")
    return "".join(out).encode()


def redraw_stream(frames: int = 400) -> bytes:
    """An htop-like full-screen frame redrawn with cursor addressing, repeated with new numbers."""
    rng = random.Random(3)
    out = ["\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J"]
    for _ in range(frames):
        frame = ["\x1b[H"]
        for cpu in range(4):
            used = rng.randrange(0, 50)
            bar = "\x1b[32m" + "|" * (used // 2) + "\x1b[31m" + "|" * (used // 4)
            frame.append(
                f"\x1b[{cpu + 1};3H\x1b[36m{cpu}\x1b[39m\x1b[1m[\x1b[0m{bar}"
                f"\x1b[{cpu + 1};55H\x1b[90m{used * 2:5.1f}%\x1b[39m\x1b[1m]\x1b[0m\x1b[K"
            )
        frame.append(f"\x1b[6;1H\x1b[30;42m{'  PID USER      PRI  NI  VIRT   RES   SHR S CPU% MEM%   TIME+  Command':<{COLS}}\x1b[0m")
        for row in range(7, ROWS):
            pid = rng.randrange(1, 99999)
            cpu_pct = rng.random() * 100
            frame.append(
                f"\x1b[{row};1H{pid:>5} \x1b[33muser\x1b[0m      20   0 "
                f"\x1b[36m{rng.randrange(10**6):>6}\x1b[0m {rng.randrange(10**5):>5} {rng.randrange(10**4):>5} "
                f"\x1b[1;32mR\x1b[0m {cpu_pct:4.1f}  0.{rng.randrange(10)}  0:0{rng.randrange(10)}.{rng.randrange(100):02d} "
                f"\x1b[1m{rng.choice(_WORDS)}\x1b[0m --flag={rng.choice(_WORDS)}\x1b[K"
            )
        out.append("".join(frame))
    return "".join(out).encode()


EMULATOR_CASES: dict[str, Callable[[], bytes]] = {
    "plain (seq 1 1000000)": plain_stream,
    "SGR: ls --color -l": ls_color_stream,
    "SGR: every word coloured": word_color_stream,
    "redraw: htop-like frames": redraw_stream,
}

# -- measuring ---------------------------------------------------------------------


def chunks(data: bytes, size: int = CHUNK) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def throughput(feed: Callable[[bytes], object], parts: Iterable[bytes], budget: float) -> float:
    """MB/s fed through `feed` per CPU second, stopping after `budget` CPU seconds."""
    fed = 0
    start = time.process_time()
    deadline = start + budget
    for part in parts:
        feed(part)
        fed += len(part)
        if time.process_time() > deadline:
            break
    return fed / (time.process_time() - start) / 1e6


def sshdeck_feeder() -> Callable[[bytes], object]:
    terminal = Terminal(COLS, ROWS, scrollback=10_000, write_back=lambda _data: None)
    return terminal.feed


def pyte_feeder() -> Callable[[bytes], object] | None:
    try:
        import pyte
    except ImportError:
        return None
    screen = pyte.Screen(COLS, ROWS)
    stream = pyte.ByteStream(screen)
    return stream.feed


def pyavt_feeder() -> Callable[[bytes], object] | None:
    try:
        import avt
    except ImportError:
        return None
    import codecs

    vt = avt.Vt(COLS, ROWS, scrollback_limit=10_000)
    decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
    return lambda data: vt.feed_str(decode(data))


def run_emulator(budget: float) -> list[str]:
    """Measure every emulator case; return the lines that say whether the targets are met."""
    have_pyte = pyte_feeder() is not None
    if not have_pyte:
        print("pyte is not importable: measuring sshdeck only")
    have_avt = pyavt_feeder() is not None
    print(f"\nemulator throughput, {COLS}x{ROWS}, fed in {CHUNK // 1024} KiB chunks (MB/s of input per CPU second)")
    print(f"{'case':<28}{'size':>8}{'sshdeck':>10}{'pyte':>9}{'ratio':>9}" + (f"{'pyavt':>9}" if have_avt else ""))
    verdicts = []
    for name, make in EMULATOR_CASES.items():
        parts = chunks(make())
        size = sum(map(len, parts)) / 1e6
        ours = throughput(sshdeck_feeder(), parts, budget)
        theirs = throughput(pyte_feeder(), parts, budget) if have_pyte else None
        ratio = f"{ours / theirs:8.1f}x" if theirs else f"{'-':>9}"
        pyte_text = f"{theirs:9.2f}" if theirs else f"{'-':>9}"
        avt_text = f"{throughput(pyavt_feeder(), parts, budget):9.1f}" if have_avt else ""
        print(f"{name:<28}{size:7.1f}M{ours:10.1f}{pyte_text}{ratio}{avt_text}")
        if not name.startswith("redraw"):
            met = "met" if ours >= TARGET_MB_S else f"MISSED by {TARGET_MB_S - ours:.1f} MB/s"
            verdicts.append(f"  {name}: {ours:.1f} MB/s, target {TARGET_MB_S:.0f} MB/s {met}")
    return verdicts


# -- adversarial input ---------------------------------------------------------------

ADVERSARIAL: dict[str, str] = {
    # REP (`CSI n b`) after wide, emoji, combining and plain characters, in insert mode, without autowrap
    "REP wide": "中\x1b[65535b",
    "REP emoji": "😀\x1b[65535b",
    "REP combining": "e\u0301\x1b[65535b",
    "REP plain": "A\x1b[65535b",
    "REP wide, insert mode": "\x1b[4h中\x1b[65535b",
    "REP wide, no autowrap": "\x1b[?7l中\x1b[65535b",
    "REP wide on a colour": "\x1b[44m中\x1b[65535b",
    "REP wide at the last column": "a\x1b[999C中\x1b[9999b",
    # editing with huge counts, plain and on a coloured background (BCE)
    "ICH": "\x1b[9999@", "DCH": "\x1b[9999P", "ECH": "\x1b[9999X",
    "IL": "\x1b[9999L", "DL": "\x1b[9999M", "SU": "\x1b[9999S", "SD": "\x1b[9999T",
    "IL on a colour": "\x1b[44m\x1b[9999L", "SU on a colour": "\x1b[44m\x1b[9999S",
    "ECH on a colour": "\x1b[44m\x1b[9999X", "DCH on a colour": "\x1b[44m\x1b[9999P",
    # erasing, resets, alignment test, screens
    "ED 2": "\x1b[2J", "ED 3": "\x1b[3J", "ED 0 from home": "\x1b[H\x1b[J", "ED 1": "\x1b[99;99H\x1b[1J",
    "ED on a colour": "\x1b[44m\x1b[2J", "EL": "\x1b[2K", "DECALN": "\x1b#8", "RIS": "\x1bc",
    "DECSTR": "\x1b[!p", "alternate screen 1049": "\x1b[?1049h\x1b[?1049l", "alternate screen 47": "\x1b[?47h\x1b[?47l",
    # scrolling and scroll-region tricks
    "LF": "\n", "LF on a colour": "\x1b[44m\n", "IND": "\x1bD", "NEL": "\x1bE", "RI at the top": "\x1bM",
    "LF in a 2-line region": "\x1b[1;2r\x1b[2H\n\n\n\n", "RI in a region": "\x1b[2;60r\x1b[2H\x1bM\x1bM\x1bM",
    "DECSTBM": "\x1b[5;20r",
    # tabs
    "HT": "\t", "CHT": "\x1b[9999I", "CBT": "\x1b[9999Z", "HTS": "\x1bH\x1b[C", "TBC then HT": "\x1b[3g\t",
    # wide and combining text, wraps
    "wide": "中", "plain and wide": "a中", "emoji": "😀", "combining": "e\u0301", "combining pile": "\u0301",
    "wide at the last column": "\x1b[999C中", "wrap": "\x1b[999CAB", "overwrite wide halves": "中\b\b中",
    "insert wide": "\x1b[4h中a", "wide on a colour": "\x1b[41m中\x1b[0m", "overwrite a line of marks": "\x1b[Ha",
    "wide lines": "中中中\r\n", "coloured lines": "\x1b[41mab\x1b[0m\r\n",
    # the rest
    "DEC graphics": "\x1b(0qqqq\x1b(B", "CUP": "\x1b[30;100H", "DSR": "\x1b[6n", "DECSC/DECRC": "\x1b7\x1b8",
    "OSC title": "\x1b]2;t\x07", "malformed ESC": "\x1b\x1b[", "C1 CSI": "\x9b2J",
}
"""Hostile patterns, each repeated to fill a read: the costliest things a stream can ask for."""


def adversarial_read(pattern: str, size: int = 65536) -> bytes:
    unit = pattern.encode()
    return (unit * (size // len(unit) + 1))[:size]


def adversarial_terminal(cols: int, rows: int) -> Terminal:
    """A terminal whose screen is full of text with combining marks (so erasing and editing have work to do)."""
    terminal = Terminal(cols, rows, scrollback=10_000, write_back=lambda _data: None)
    terminal.feed(("\x1b[H" + "e\u0301" * (cols * rows) + "\x1b[H").encode())
    return terminal


def run_adversarial(sizes: Iterable[tuple[int, int]] = ((120, 40), (240, 70))) -> list[str]:
    """CPU ms to process one 64 KiB read of each hostile pattern; report the worst."""
    verdicts = []
    for cols, rows in sizes:
        results = []
        for name, pattern in ADVERSARIAL.items():
            terminal = adversarial_terminal(cols, rows)
            data = adversarial_read(pattern)
            start = time.process_time()
            terminal.feed(data)
            results.append(((time.process_time() - start) * 1000, name))
        results.sort(reverse=True)
        print(f"\nadversarial input, {cols}x{rows}: CPU ms per 64 KiB read, the 8 costliest of {len(results)} patterns")
        for ms, name in results[:8]:
            print(f"  {name:<32}{ms:8.1f} ms")
        worst, name = results[0]
        verdicts.append(f"  adversarial {cols}x{rows}: worst {worst:.0f} ms per 64 KiB ({name}), target well under 100 ms")
    return verdicts


def _ssh_part() -> list[str]:
    from benchmarks.terminal_ssh import ssh_parts

    return asyncio.run(ssh_parts())


PARTS: dict[str, Callable[[argparse.Namespace], list[str]]] = {
    "emulator": lambda args: run_emulator(args.budget),
    "adversarial": lambda args: run_adversarial(),
    "ssh": lambda args: _ssh_part(),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", action="append", choices=sorted(PARTS), help="run only this part")
    parser.add_argument("--budget", type=float, default=3.0, help="CPU seconds per emulator measurement")
    args = parser.parse_args(argv)
    verdicts = []
    for name in args.part or list(PARTS):
        verdicts += PARTS[name](args)
    if verdicts:
        print("\ntargets:")
        print("\n".join(verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
