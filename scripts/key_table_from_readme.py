"""Rewrite sshdeck/ui/key_table.py from the README's key table (run after editing the table)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
text = (ROOT / "README.md").read_text()
lines = text[text.index("| key | action | binding id |"):].split("\n")
rows = []
for line in lines[2:]:
    if not line.startswith("|"):
        break
    rows.append([part.strip() for part in line.strip("|").split(" | ")])
out = [
    '"""The key table: what F1 shows, and what the README\'s Keys section must say (a test compares them)."""',
    "",
    "from __future__ import annotations",
    "",
    "# (keys, action, binding ids) in README order; markdown code spans as in the README.",
    "KEY_TABLE: tuple[tuple[str, str, str], ...] = (",
]
out += [f"    ({keys!r}, {action!r}, {ids!r})," for keys, action, ids in rows]
out.append(")")
(ROOT / "sshdeck" / "ui" / "key_table.py").write_text("\n".join(out) + "\n")
