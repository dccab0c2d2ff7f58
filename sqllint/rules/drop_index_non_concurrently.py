"""
## What it does
Reports `DROP INDEX` without `CONCURRENTLY` in a migration (or a function body), for an
index that existed before this migration file. Down migrations are not checked.

## Why is this bad?
`DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table: it waits behind every
running query on the table, and every query that arrives meanwhile (reads included)
queues behind it. `DROP INDEX CONCURRENTLY` waits for running transactions without
blocking new ones. It cannot run inside a transaction block, drops one index per
statement and does not take `CASCADE`.

## Example
```sql
DROP INDEX idx_alerts_severity;
```

Use instead:
```sql
DROP INDEX CONCURRENTLY idx_alerts_severity;  -- in a migration outside a transaction
```

## Fix safety
`--fix` adds `CONCURRENTLY` to a `DROP INDEX` of one index without `CASCADE`, where the
statement then runs outside a transaction block (as for SL301); elsewhere there is no
fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqllint.catalog.model import Catalog, Index
from sqllint.fixes import fix_of, make_edit
from sqllint.migrations.sqledit import token_spans
from sqllint.migrations.steps import Step, outside_transaction_after, reported
from sqllint.migrations.transactions import out_of_transaction_recipe
from sqllint.model import Finding, Fix
from sqllint.rules.base import Context, finding, generated, normalized
from sqllint.sqltext import checked_sql, names, quote_ident

CODE = "SL302"
NAME = "drop-index-non-concurrently"
SEVERITY = "warning"
FIX = "safe"


def _index(catalog: Catalog, parts: list[str]) -> Index | None:
    if len(parts) > 1:
        return catalog.indexes.get(f"{parts[-2]}.{parts[-1]}")
    found = catalog.indexes.get(f"public.{parts[-1]}")
    if found is None:
        found = next((i for i in catalog.indexes.values() if i.name == parts[-1]), None)
    return found


def check(ctx: Context) -> Iterator[Finding]:
    for step in reported(ctx):
        node = (step.stmt.node or {}).get("DropStmt")
        if node is None or node.get("removeType") != "OBJECT_INDEX" or node.get("concurrent"):
            continue
        if step.container != "function" and step.role != "migration":
            continue
        cursor = 0
        for obj in node.get("objects") or []:
            parts = names(obj.get("List", {}).get("items"))
            if not parts:
                continue
            at = step.stmt.sql.find(parts[-1], cursor)
            cursor = at + len(parts[-1]) if at >= 0 else cursor
            index = _index(step.catalog, parts)
            if index is None and node.get("missing_ok") and step.container == "top" \
                    and not step.catalog.empty:
                continue  # no index of that name in the history: IF EXISTS makes it a no-op
            if index is not None and step.container != "function":
                table = step.catalog.tables.get(index.table)
                if index.origin.path == step.path or (
                        table is not None and step.created_here(table)):
                    continue
            if index is not None and index.constraint:
                continue  # DROP INDEX fails anyway: the constraint owns it
            name = ".".join(quote_ident(p) for p in parts)
            on = f" on {index.table.removeprefix('public.')}" if index else ""
            exists = "IF EXISTS " if node.get("missing_ok") else ""
            message = (f"DROP INDEX {name} takes an ACCESS EXCLUSIVE lock{on}: it waits for "
                       f"running queries and blocks every query behind it (reads too); use "
                       f"DROP INDEX CONCURRENTLY, one index per statement, "
                       f"{out_of_transaction_recipe(step.layout)}")
            loc = step.stmt.location(max(at, 0), at + len(parts[-1]) if at >= 0 else None)
            yield finding(__name__, loc, message,
                          suggestion=generated(
                              checked_sql, f"DROP INDEX CONCURRENTLY {exists}{name};", "DropStmt"),
                          statement=normalized(step.stmt.sql),
                          table=index.table.removeprefix("public.") if index else "",
                          fix=_fix(ctx, step, node))


def _fix(ctx: Context, step: Step, node: dict[str, Any]) -> Fix | None:
    """`CONCURRENTLY` after `DROP INDEX`: one index, no CASCADE, and the statement then
    runs outside a transaction."""
    if len(node.get("objects") or []) != 1 or node.get("behavior") == "DROP_CASCADE":
        return None
    if not outside_transaction_after(ctx, step, {"DropStmt": {**node, "concurrent": True}}):
        return None
    tokens = token_spans(step.stmt.sql)
    if len(tokens) < 2 or (tokens[0][2], tokens[1][2]) != ("DROP", "INDEX"):
        return None
    at = tokens[1][1]
    return fix_of("Drop the index CONCURRENTLY",
                  [make_edit(ctx.texts, step.stmt, at, at, " CONCURRENTLY")], safe=True)
