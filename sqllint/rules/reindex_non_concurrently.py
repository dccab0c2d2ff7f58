"""
## What it does
Reports `REINDEX` without `CONCURRENTLY` in a migration (or a function body): `REINDEX
INDEX` / `TABLE` of an index or table that existed before this migration file, and
`REINDEX SCHEMA` / `DATABASE` / `SYSTEM`.

## Why is this bad?
`REINDEX` rebuilds each index under a SHARE lock on its table, which blocks every
write, and an ACCESS EXCLUSIVE lock on the index itself, which blocks every read
that would use it. `REINDEX CONCURRENTLY` (PostgreSQL 12+) builds a new copy of the
index while reads and writes go on, then swaps it in. It cannot run inside a
transaction block, and not on system catalogs.

Lock: SHARE on the table, ACCESS EXCLUSIVE on each index, until the transaction ends.
Safe recipe per tool (`REINDEX CONCURRENTLY` must run outside a transaction):
golang-migrate: a file of its own; Flyway: a migration holding only non-transactional
statements; diesel: `run_in_transaction = false`; Alembic: `autocommit_block()`;
Django: `atomic = False`. Before PostgreSQL 12 (config `postgres-version`): `CREATE
INDEX CONCURRENTLY` a copy, then `DROP INDEX CONCURRENTLY` the old one.

## Example
```sql
REINDEX INDEX vms_state_idx;
```

Use instead:
```sql
REINDEX INDEX CONCURRENTLY vms_state_idx;  -- outside a transaction
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.migrations.sqledit import (
    insert_after,
    option_enabled,
    relation_text,
    statement_text,
)
from sqllint.migrations.steps import Step, reported
from sqllint.migrations.transactions import out_of_transaction_recipe
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, normalized

CODE = "SL312"
NAME = "reindex-non-concurrently"
SEVERITY = "warning"

_KINDS = {"REINDEX_OBJECT_INDEX": "INDEX", "REINDEX_OBJECT_TABLE": "TABLE",
          "REINDEX_OBJECT_SCHEMA": "SCHEMA", "REINDEX_OBJECT_DATABASE": "DATABASE",
          "REINDEX_OBJECT_SYSTEM": "SYSTEM"}


def check(ctx: Context) -> Iterator[Finding]:
    version = ctx.config.postgres_version
    for step in reported(ctx):
        node = (step.stmt.node or {}).get("ReindexStmt")
        if node is None or not step.checked:
            continue
        if option_enabled(node.get("params"), "concurrently"):
            continue
        kind = _KINDS.get(str(node.get("kind")), "")
        what = _target(step, kind, node)
        if what is None:
            continue
        yield _finding(step, kind, what, version)


def _target(step: Step, kind: str, node: dict[str, object]) -> str | None:
    """What is reindexed, or None when it was created in this very file (still empty)."""
    rangevar = node.get("relation")
    if kind == "TABLE" and isinstance(rangevar, dict):
        table = step.existing(rangevar)
        if table is None and step.catalog.table(str(rangevar.get("relname", "")),
                                                rangevar.get("schemaname")) is not None:
            return None
        return f"the indexes of {relation_text(rangevar)}"
    if kind == "INDEX" and isinstance(rangevar, dict):
        name = str(rangevar.get("relname", ""))
        schema = rangevar.get("schemaname") or "public"
        index = step.catalog.indexes.get(f"{schema}.{name}")
        if index is not None and step.container != "function":
            table = step.catalog.tables.get(index.table)
            if index.origin.path == step.path or (table is not None and step.created_here(table)):
                return None
        on = f" on {index.table.removeprefix('public.')}" if index is not None else ""
        return f"index {relation_text(rangevar)}{on}"
    return f"every index of the {kind.lower()}" if kind else None


def _finding(step: Step, kind: str, what: str, version: int) -> Finding:
    lock = (f"REINDEX rebuilds {what} under a SHARE lock on the table (writes blocked) and "
            f"an ACCESS EXCLUSIVE lock on each index (reads that use it blocked)")
    suggestion: str | None = None
    if kind == "SYSTEM":
        message = (f"{lock}; system catalogs cannot be reindexed CONCURRENTLY: keep it out "
                   f"of migrations")
    elif version < 12:
        message = (f"{lock}; REINDEX CONCURRENTLY needs PostgreSQL 12 (postgres-version = "
                   f"{version}): CREATE INDEX CONCURRENTLY a copy, then DROP INDEX "
                   f"CONCURRENTLY the old one")
    else:
        message = (f"{lock}: use REINDEX … CONCURRENTLY, "
                   f"{out_of_transaction_recipe(step.layout)}")
        rewritten = insert_after(step.stmt.sql, ("REINDEX", kind), "CONCURRENTLY")
        suggestion = statement_text(rewritten) if rewritten else None
    return finding(__name__, step.stmt.location(), message, suggestion=suggestion,
                   statement=normalized(step.stmt.sql))
