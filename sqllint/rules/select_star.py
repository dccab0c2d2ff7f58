"""
## What it does
Reports `SELECT *` and `t.*` over a table or view, and says how many columns the star
expands to.

## Why is this bad?
The query reads and ships every column, including wide JSONB and text that the caller
never uses; it can never be an index-only scan; and it silently changes shape when a
migration adds a column.

## Example
```sql
SELECT * FROM vm_metrics WHERE vm_id = $1;
```

Use instead:
```sql
SELECT "timestamp", cpu_usage, memory_usage FROM vm_metrics WHERE vm_id = $1;
```
`SELECT *` from a CTE or subquery of the same statement, and inside `EXISTS (…)`, are
fine and not reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqllint.catalog.model import Catalog, Table
from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, finding, normalized
from sqllint.sqltext import strval

CODE = "SL101"
NAME = "select-star"
SEVERITY = "warning"


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    if stmt.node is None or stmt.kind == "migration":
        return
    catalog = ctx.catalog_at(stmt)
    if catalog.empty:
        return
    for location, tables in _stars(stmt.node, catalog, frozenset()):
        if not tables:
            continue
        count = sum(len(t.columns) for t in tables)
        names = ", ".join(t.display for t in tables)
        cols = [c.name for t in tables for c in t.columns]
        shown = ", ".join(cols[:8]) + (", …" if len(cols) > 8 else "")
        yield finding(
            __name__,
            stmt.location(location, location + 1),
            f"SELECT * from {names} expands to {count} columns ({shown}); name the columns "
            f"the caller uses",
            statement=normalized(stmt.sql),
            table=tables[0].display,
        )


def _stars(
    node: Any, catalog: Catalog, ctes: frozenset[str]
) -> Iterator[tuple[int, list[Table]]]:
    """(location of the star, tables it expands over) for every SELECT in ``node``."""
    stack: list[tuple[Any, frozenset[str], bool]] = [(node, ctes, False)]
    while stack:
        cur, names, in_exists = stack.pop()
        if isinstance(cur, list):
            stack.extend((item, names, in_exists) for item in cur)
            continue
        if not isinstance(cur, dict):
            continue
        if "SubLink" in cur:
            link = cur["SubLink"]
            exists = link.get("subLinkType") == "EXISTS_SUBLINK"
            stack.append((link.get("subselect"), names, exists))
            stack.append((link.get("testexpr"), names, in_exists))
            continue
        if "SelectStmt" in cur:
            select = cur["SelectStmt"]
            with_clause = select.get("withClause") or {}
            local = names | {c["CommonTableExpr"]["ctename"]
                             for c in with_clause.get("ctes", []) if "CommonTableExpr" in c}
            if not in_exists:
                yield from _select_stars(select, catalog, local)
            for key, value in select.items():
                if key != "targetList" and isinstance(value, (dict, list)):
                    stack.append((value, local, False))
            for target in select.get("targetList") or []:
                stack.append((target, local, False))
            continue
        for value in cur.values():
            if isinstance(value, (dict, list)):
                stack.append((value, names, in_exists))


def _select_stars(
    select: dict[str, Any], catalog: Catalog, ctes: frozenset[str]
) -> Iterator[tuple[int, list[Table]]]:
    aliases: dict[str, Table | None] = {}
    order: list[Table | None] = []
    for item in select.get("fromClause") or []:
        _collect(item, catalog, ctes, aliases, order)
    for target in select.get("targetList") or []:
        val = target.get("ResTarget", {}).get("val", {})
        ref = val.get("ColumnRef")
        if not ref:
            continue
        fields = ref.get("fields", [])
        if not fields or "A_Star" not in fields[-1]:
            continue
        if len(fields) == 1:
            if all(t is not None for t in order):
                yield ref.get("location", 0), [t for t in order if t is not None]
        else:
            qualifier = strval(fields[-2])
            table = aliases.get(qualifier)
            if table is not None:
                yield ref.get("location", 0), [table]


def _collect(
    item: dict[str, Any],
    catalog: Catalog,
    ctes: frozenset[str],
    aliases: dict[str, Table | None],
    order: list[Table | None],
) -> None:
    if "RangeVar" in item:
        rv = item["RangeVar"]
        name = rv.get("relname", "")
        alias = (rv.get("alias") or {}).get("aliasname") or name
        table = None if (name in ctes and not rv.get("schemaname")) else catalog.table(
            name, rv.get("schemaname"))
        aliases[alias] = table
        order.append(table)
    elif "JoinExpr" in item:
        join = item["JoinExpr"]
        _collect(join.get("larg", {}), catalog, ctes, aliases, order)
        _collect(join.get("rarg", {}), catalog, ctes, aliases, order)
    else:
        for kind in ("RangeSubselect", "RangeFunction", "RangeTableFunc"):
            if kind in item:
                alias = (item[kind].get("alias") or {}).get("aliasname")
                if alias:
                    aliases[alias] = None
                order.append(None)
