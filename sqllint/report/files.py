"""What a run reads: every file in the order it applies, with its role.

``sqllint check --show-files`` and ``sqllint schema --files`` print it, so a user can see
which schema and migration files built the catalog, in which order, and what was left
out of it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqllint.discover import SourceFile

_WHAT = {
    "schema": "schema",
    "migration": "migration",
    "down": "down migration: not applied",
    "source": "code: its DDL is not applied",
}


def file_rows(files: Sequence[SourceFile]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    order = 0
    for f in files:
        row: dict[str, Any] = {"path": f.display, "role": f.role, "applied": f.applies,
                               "checked": f.target}
        if f.applies:
            order += 1
            row["order"] = order
        rows.append(row)
    return rows


def render_files_text(files: Sequence[SourceFile]) -> str:
    """One line per file: its place in the application order (blank when it does not
    change the schema), its role, its path; then a count."""
    rows = file_rows(files)
    width = len(str(max((r.get("order", 0) for r in rows), default=0)))
    lines = []
    for row in rows:
        at = str(row["order"]) if "order" in row else ""
        checked = ("" if row["checked"] else "  (not read)" if row["role"] == "down"
                   else "  (read for the schema only)")
        lines.append(f"{at:>{width}}  {_WHAT[row['role']]:<30} {row['path']}{checked}")
    applied = sum(1 for r in rows if r["applied"])
    migrations = sum(1 for r in rows if r["role"] == "migration")
    lines.append(f"{len(rows)} files: {applied - migrations} schema, {migrations} migration(s) "
                 f"applied in this order")
    return "\n".join(lines) + "\n"


def render_files_json(files: Sequence[SourceFile]) -> str:
    return json.dumps({"files": file_rows(files)}, indent=2, ensure_ascii=False) + "\n"
