"""Subcommands write only through `sshdeck.commands.output`, the CLI's edge filter for server text.

A bare `print` or `sys.stdout.write` in a subcommand would let a server's words
(an SFTP reason, a name, a banner) reach the user's terminal unescaped the day
someone forgets `inert`.  New subcommands (`tunnel`, `keys`, …) are held to it too.
"""

from __future__ import annotations

import ast
from pathlib import Path

COMMANDS = Path(__file__).resolve().parents[1] / "sshdeck" / "commands"
RAW_WRITES = {"print", "write", "writelines"}


def raw_writes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in RAW_WRITES:
            continue
        # `stream.write(terminal_safe(...))` and the progress bar's own figures are fine.
        argument = node.args[0] if node.args else None
        if isinstance(argument, ast.Call) and getattr(argument.func, "id", "") == "terminal_safe":
            continue
        found.append(f"{path.name}:{node.lineno}")
    return found


def test_subcommands_write_only_through_the_output_helper() -> None:
    allowed = {"output.py"}
    offenders = [hit for path in sorted(COMMANDS.glob("*.py")) if path.name not in allowed for hit in raw_writes(path)]
    # cp's progress bar redraws one line of sshdeck's own numbers with "\r": the one exception.
    offenders = [hit for hit in offenders if not _in_progress_bar(hit)]
    assert offenders == [], f"use sshdeck.commands.output.out/err instead of raw writes: {offenders}"


def _in_progress_bar(hit: str) -> bool:
    name, line = hit.split(":")
    if name != "cp.py":
        return False
    tree = ast.parse((COMMANDS / name).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "ProgressBar":
            return node.lineno <= int(line) <= (node.end_lineno or 0)
    return False
