"""
## What it does
Reports `CREATE INDEX` without `CONCURRENTLY` in a migration, on a table (or
materialized view) that existed before this migration file, and `CREATE INDEX` inside
a function body. An index on a table created earlier in the same file is fine: the
table is still empty. Schema files (including `pg_dump` output) are not migrations
and are not checked; neither are down migrations.

## Why is this bad?
A plain `CREATE INDEX` takes a SHARE lock on the table for the whole build: every
INSERT, UPDATE and DELETE waits, for minutes or hours on a large table.
`CREATE INDEX CONCURRENTLY` builds the index without blocking writes, but it cannot
run inside a transaction block, so it needs a migration the tool does not wrap in a
transaction (golang-migrate and Flyway: a file of its own; Alembic:
`autocommit_block()`; Django: `atomic = False`). A partitioned table cannot be indexed
concurrently at all: index each partition concurrently and attach.

## Example
```sql
-- migrations/000009_migrations_status_index.up.sql
CREATE INDEX idx_migrations_status ON migrations (status);
```

Use instead:
```sql
-- migrations/000009_migrations_status_index.up.sql (alone in its file)
CREATE INDEX CONCURRENTLY idx_migrations_status ON migrations (status);
```

## Fix safety
`--fix` adds `CONCURRENTLY` where the statement then runs outside a transaction block:
a psql migration, a golang-migrate file holding only this statement, a Flyway migration
holding only statements that must run outside a transaction. Elsewhere (a wrapped or
multi-statement migration, inside `BEGIN … COMMIT`) the index has to move to a
migration of its own first, and there is no fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqllint.fixes import fix_of, make_edit
from sqllint.migrations.sqledit import (
    insert_after,
    relation,
    relation_text,
    statement_text,
    token_spans,
)
from sqllint.migrations.steps import Step, outside_transaction_after, reported
from sqllint.migrations.transactions import out_of_transaction_recipe
from sqllint.model import Finding, Fix
from sqllint.rules.base import Context, finding, normalized

CODE = "SL301"
NAME = "create-index-non-concurrently"
SEVERITY = "error"
FIX = "safe"


def check(ctx: Context) -> Iterator[Finding]:
    for step in reported(ctx):
        node = (step.stmt.node or {}).get("IndexStmt")
        if node is None or node.get("concurrent") or step.role in ("down", "other"):
            continue
        if step.container != "function" and step.role != "migration":
            continue
        rel = node.get("relation") or {}
        if rel.get("relpersistence") == "t":
            continue
        table = relation(step.catalog, rel)
        if table is None and step.container == "function":
            continue  # a table the function creates itself (temp, staging)
        if table is not None and (step.created_here(table) or table.schema == "pg_temp"):
            continue
        if node.get("if_not_exists") and node.get("idxname") and step.container == "top" and \
                _exists(step, str(node["idxname"]), rel.get("schemaname") or (
                    table.schema if table is not None else "public")):
            continue  # "relation … already exists, skipping": nothing is built
        partitioned = table is not None and bool(table.partition_by)
        fix = None if partitioned else _fix(ctx, step, node)
        yield _finding(step, node, relation_text(rel), partitioned, fix)


def _exists(step: Step, name: str, schema: str) -> bool:
    return f"{schema}.{name}" in step.catalog.indexes or (
        step.catalog.table(name, schema) is not None)


def _fix(ctx: Context, step: Step, node: dict[str, Any]) -> Fix | None:
    """`CONCURRENTLY` after `INDEX`, where the statement then runs outside a transaction
    (otherwise it would fail: SL303)."""
    if not outside_transaction_after(ctx, step, {"IndexStmt": {**node, "concurrent": True}}):
        return None
    at = next((end for _, end, text in token_spans(step.stmt.sql) if text == "INDEX"), None)
    if at is None:
        return None
    return fix_of("Build the index CONCURRENTLY",
                  [make_edit(ctx.texts, step.stmt, at, at, " CONCURRENTLY")], safe=True)


def _finding(step: Step, node: dict[str, Any], rel: str, partitioned: bool,
             fix: Fix | None) -> Finding:
    stmt = step.stmt
    # DESIGN: suggested indexes are CONCURRENTLY IF NOT EXISTS (safe to re-run).
    word = "CONCURRENTLY" if node.get("if_not_exists") or not node.get("idxname") \
        else "CONCURRENTLY IF NOT EXISTS"
    rewritten = insert_after(stmt.sql, ("INDEX",), word)
    suggestion = statement_text(rewritten) if rewritten else None
    lock = f"CREATE INDEX on existing table {rel} blocks writes (SHARE lock) for the whole build"
    if step.container == "function":
        assert step.parent is not None
        message = (f"{lock}, every time the function runs (CONCURRENTLY cannot be used "
                   f"inside a function): build the index once, in a migration, with "
                   f"CREATE INDEX CONCURRENTLY")
    elif partitioned:
        message = (f"{lock} of every partition; a partitioned table cannot be indexed "
                   f"CONCURRENTLY: CREATE INDEX … ON ONLY {rel}, then CREATE INDEX "
                   f"CONCURRENTLY on each partition and ALTER INDEX … ATTACH PARTITION")
        suggestion = None
    else:
        where = out_of_transaction_recipe(step.layout)
        if step.transaction is not None and step.transaction.reason == "explicit":
            where = f"outside the BEGIN … COMMIT block (line {step.transaction.begin_line})"
        message = (f"{lock}: use CREATE INDEX CONCURRENTLY in a migration that runs outside "
                   f"a transaction: {where}")
    return finding(__name__, stmt.location(), message, suggestion=suggestion,
                   statement=normalized(stmt.sql), table=rel, fix=fix)
