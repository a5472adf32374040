"""The `sshdeck` command: the TUI by default, `--demo`, and subcommands (ls, cp, …)."""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Iterator, NoReturn

from sshdeck import __version__
from sshdeck.commands import SUBCOMMANDS

log = logging.getLogger("sshdeck")


def build_parser() -> argparse.ArgumentParser:
    """The app's own options; subcommands (`sshdeck ls …`) have their own parser."""
    commands = "\n".join(f"  sshdeck {name} …" for name in SUBCOMMANDS)
    parser = argparse.ArgumentParser(
        prog="sshdeck",
        description="A terminal file and session manager for SSH/SFTP.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "TARGET: user@host, user@host:port, user@host:/path, a saved host's name, or\n"
            "sftp://user@host:port/path; sshdeck opens it in the right pane.\n\n"
            f"Commands (see `sshdeck COMMAND --help`):\n{commands}\n\n"
            "Try it without a server of your own: sshdeck --demo"
        ),
    )
    parser.add_argument("--version", action="version", version=f"sshdeck {__version__}")
    parser.add_argument(
        "--demo",
        nargs="?",
        const="",
        metavar="DIR",
        help="start a local in-process SSH/SFTP server (serving DIR, or a sample sandbox) and connect to it",
    )
    parser.add_argument("--theme", metavar="NAME", help="colour theme (saved for next time when changed in the app)")
    parser.add_argument("--local", metavar="DIR", help="folder for the local pane (default: the current folder)")
    parser.add_argument("target", nargs="?", metavar="TARGET", help="a host to connect to at start")
    return parser


def build_command_parser(command: str) -> argparse.ArgumentParser:
    """The parser of one subcommand: only its module is imported (a script pays for what it runs)."""
    parser = argparse.ArgumentParser(prog="sshdeck")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    importlib.import_module(f"sshdeck.commands.{command}").add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    whole_process = argv is None  # the `sshdeck` command itself, not a caller in the same process
    argv = list(sys.argv[1:] if argv is None else argv)
    is_command = bool(argv) and argv[0] in SUBCOMMANDS
    if is_command:
        with _startup_without_collections():
            from sshdeck.core.ssh.quick_import import import_asyncssh

            import_asyncssh(without_tls=True)
            args = build_command_parser(argv[0]).parse_args(argv)
            module = importlib.import_module(f"sshdeck.commands.{args.command}")
            importlib.import_module("sshdeck.core.logs")
    else:
        args = build_parser().parse_args(argv)
    from sshdeck.core.logs import setup_logging

    try:
        setup_logging()
    except OSError as exc:
        print(f"sshdeck: cannot write the log file: {exc}", file=sys.stderr)
    if is_command:
        try:
            code = module.run(args)
        except KeyboardInterrupt:
            print("sshdeck: interrupted", file=sys.stderr)
            code = 130
        if whole_process:
            exit_now(code)
        return code
    return run_tui(args, end_process=whole_process)


def exit_now(code: int) -> NoReturn:
    """End a finished command's process without tearing its heap down object by object.

    By now the command has closed its connections, journal and files (fsync'd where it
    promises durability) and its event loop has joined its threads; what is left is the
    interpreter's own shutdown, freeing every module and object one at a time (~10-40 ms,
    more after `sshdeck ls` of 100,000 entries).  Output and the log are flushed first; a
    failed flush of stdout (a closed pipe) exits 120, as Python's own exit does.
    """
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        code = code or 120
    logging.shutdown()
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(code)


# A command's start-up (asyncssh, the command's modules) makes ~60,000 objects that live until exit:
# the cyclic garbage collector ran ~100 times over them for nothing.  They are moved out of its
# sight once loaded, and a command collects its young objects every `COMMAND_GC_THRESHOLD`
# allocations instead of 700: `sshdeck ls` of 100,000 entries builds 100,000 `Entry` objects that all
# survive, and each collection walked them again (~40 ms of CPU per 100,000 entries).
COMMAND_GC_THRESHOLD = 20_000


@contextlib.contextmanager
def _startup_without_collections() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        threshold, *older = gc.get_threshold()
        gc.set_threshold(max(threshold, COMMAND_GC_THRESHOLD), *older)
        if was_enabled:
            gc.enable()


def run_tui(args: argparse.Namespace, end_process: bool = False) -> int:
    from sshdeck.ui.prelist_spawn import spawn_for  # the start folder listed on the other core (ui/prelist.py)

    child = spawn_for(args.target, args.demo)
    from sshdeck.core.ssh.quick_import import import_asyncssh

    import_asyncssh()  # the app pays asyncssh's library probes too otherwise (~50 ms of its start)
    from sshdeck.app import SshdeckApp
    from sshdeck.core.ssh.remote_source import DemoSource
    from sshdeck.ui.prelist import Prelist

    gc.freeze()  # the modules' objects, out of the collector's sight for good (see COMMAND_GC_THRESHOLD)
    gc.set_threshold(COMMAND_GC_THRESHOLD, *gc.get_threshold()[1:])

    # Until the app installs its own handlers on its loop (pause transfers, exit, restore the terminal),
    # SIGTERM/SIGHUP end sshdeck through SystemExit, so the `finally` below still removes the demo sandbox
    # (installed before the sandbox exists: a terminal closed during start-up left it behind).
    previous = {signum: signal.signal(signum, _exit_on_signal) for signum in (signal.SIGTERM, signal.SIGHUP)}
    remote = None
    try:
        if args.demo is not None:
            try:
                remote = DemoSource(Path(args.demo) if args.demo else None)
            except OSError as exc:
                print(f"sshdeck: {exc}", file=sys.stderr)
                return 2
        local = args.local
        if local is not None and not Path(local).is_dir():
            print(f"sshdeck: {local}: not a folder", file=sys.stderr)
            return 2
        app = SshdeckApp(
            local_path=str(Path(local).resolve()) if local else None,
            remote=remote,
            theme_name=args.theme,
            initial_target=args.target,
            prelist=Prelist(child) if child is not None else None,
        )
        from sshdeck.ui import stop_watchdog  # if the app cannot wind down after a signal, this ends it

        stop_watchdog.remember_terminal()
        app.exit_grace = EXIT_GRACE
        if remote is not None:
            stop_watchdog.at_hard_exit(remote.sandbox.cleanup)
        app.run()
    finally:
        # The app closes the demo on unmount; this catches a failure (or a signal) before mount.
        if remote is not None:
            remote.sandbox.cleanup()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    from sshdeck.ui.edits import remote_edits  # edits not on the server yet: say where they are

    for line in remote_edits(app).still_kept():
        print(f"sshdeck: {line}", file=sys.stderr)
    code = app.return_code or 0
    # The normal way out, clean-ups done (a stop watchdog's ending logs "still running" instead).
    log.info("sshdeck quit (exit status %d)", code)
    if end_process and app.quitting.stopping:
        # After SIGTERM/SIGHUP (a closed window) the process ends once its clean-ups are done, without
        # the interpreter's teardown: freeing every object one at a time took 0.2-1.5 s after a
        # 100,000-entry listing, on top of joining Textual's input thread.
        exit_now(code)
    return code


EXIT_GRACE = 20.0  # seconds from the start of the app's shutdown to the end of the process, at most


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    raise SystemExit(main())
