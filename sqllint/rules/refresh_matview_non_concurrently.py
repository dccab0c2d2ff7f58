"""
## What it does
Reports `REFRESH MATERIALIZED VIEW` without `CONCURRENTLY`: in migrations (on a view
created before this file), in function bodies, and in application SQL. A refresh right
after the view is created in the same file (as `pg_dump` writes it) is fine.

## Why is this bad?
A plain refresh takes an ACCESS EXCLUSIVE lock on the view: every reader (the dashboard)
waits until the query behind the view has run again in full. Several refreshes in one
function also run in one transaction and hold every lock until the last one ends.
`REFRESH MATERIALIZED VIEW CONCURRENTLY` lets readers continue; it needs a unique index
on plain columns of the view (without `WHERE`).

## Example
```sql
REFRESH MATERIALIZED VIEW mv_vm_dashboard;
```

Use instead:
```sql
REFRESH MATERIALIZED VIEW CONCURRENTLY mv_vm_dashboard;  -- has a unique index on vm_id
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.advisor.ddl import unique_index_ddl
from sqllint.migrations.sqledit import insert_after, relation, relation_text, statement_text
from sqllint.migrations.steps import reported
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, generated, normalized
from sqllint.rules.matview_without_unique_index import refreshable_concurrently

CODE = "SL304"
NAME = "refresh-matview-non-concurrently"
SEVERITY = "warning"


def check(ctx: Context) -> Iterator[Finding]:
    for step in reported(ctx):
        node = (step.stmt.node or {}).get("RefreshMatViewStmt")
        if node is None or node.get("concurrent") or node.get("skipData"):
            continue
        if step.role == "down":
            continue
        rel = node.get("relation") or {}
        view = relation(step.catalog, rel)
        if view is not None and step.created_here(view):
            continue
        if view is None and step.container == "top" and step.role == "schema":
            continue  # a setup script refreshing a view sqllint does not know
        name = relation_text(rel)
        where = " inside a function" if step.container == "function" else ""
        lock = (f"REFRESH MATERIALIZED VIEW {name}{where} takes an ACCESS EXCLUSIVE lock: "
                f"every reader of {name} waits for the whole refresh")
        rewritten = insert_after(step.stmt.sql, ("VIEW",), "CONCURRENTLY")
        concurrent = statement_text(rewritten) if rewritten else None
        if view is None or refreshable_concurrently(step.catalog, view):
            message = f"{lock}; use REFRESH MATERIALIZED VIEW CONCURRENTLY"
            suggestion = concurrent
        else:
            index = (generated(unique_index_ddl, view) or "").rstrip(";") or "see SL205"
            message = (f"{lock}; give it a unique index on plain columns first (it has none: "
                       f"{index}), then use REFRESH MATERIALIZED VIEW CONCURRENTLY")
            suggestion = concurrent
        yield finding(__name__, step.stmt.location(), message, suggestion=suggestion,
                      statement=normalized(step.stmt.sql), table=name)
