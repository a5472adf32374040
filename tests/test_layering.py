"""sshdeck/core must stay free of Textual: the CLI, tests and benchmarks use it without a UI."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "sshdeck" / "core"
UI_PACKAGES = ("textual", "rich", "sshdeck.ui", "sshdeck.app")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_core_never_imports_textual_or_the_ui() -> None:
    offenders = []
    files = sorted(CORE.rglob("*.py"))
    assert files, "sshdeck/core has no modules?"
    for path in files:
        for module in imported_modules(path):
            if any(module == bad or module.startswith(bad + ".") for bad in UI_PACKAGES):
                offenders.append(f"{path.relative_to(CORE.parent.parent)} imports {module}")
    assert offenders == []


def test_the_checker_sees_a_textual_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from textual.widgets import Static\nimport rich.text\n")
    assert {"textual.widgets", "rich.text"} <= imported_modules(sample)
