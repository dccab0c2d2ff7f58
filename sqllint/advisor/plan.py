"""The repository-wide index plan: one entry per suggested index, with what it serves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqllint.model import Finding

if TYPE_CHECKING:
    from sqllint.check import PlannedIndex
    from sqllint.rules.base import Context


def plan_indexes(findings: list[Finding], ctx: Context) -> list[PlannedIndex]:
    """Group the findings' index suggestions; identical DDL becomes one entry."""
    from sqllint.check import PlannedIndex

    grouped: dict[str, tuple[str, list[str]]] = {}
    for f in findings:
        if not f.suggestion or not f.suggestion.lstrip().upper().startswith("CREATE"):
            continue
        if " INDEX " not in f.suggestion.upper():
            continue
        table = f.table or getattr(f.index, "table", "")
        entry = grouped.setdefault(f.suggestion, (table, []))
        where = f"{f.location.path}:{f.location.line}"
        if where not in entry[1]:
            entry[1].append(where)
    return [PlannedIndex(table=t, ddl=ddl, serves=tuple(serves))
            for ddl, (t, serves) in sorted(grouped.items(), key=lambda kv: (kv[1][0], kv[0]))]
