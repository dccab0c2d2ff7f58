"""
## What it does
Reports the first statement of a migration that takes an ACCESS EXCLUSIVE lock on a
table that existed before this migration file (`ALTER TABLE` that is not only
`VALIDATE CONSTRAINT` / `ADD FOREIGN KEY … NOT VALID` / statistics / storage settings,
`DROP TABLE`, `TRUNCATE`, `DROP INDEX` without `CONCURRENTLY`, `ALTER TABLE … RENAME`,
`VACUUM FULL`, `CLUSTER`, `REFRESH MATERIALIZED VIEW` without `CONCURRENTLY`) when no
`SET lock_timeout` (or `set_config('lock_timeout', …)`) ran earlier in the file.
Opt-in: select it with `--select SL317` or `extend-select = ["SL317"]`.

## Why is this bad?
The lock is granted only when every running query on the table has finished, and while
the statement waits, every new query on the table (reads too) queues behind it: one
long report query turns a millisecond `ALTER TABLE` into an outage. With a
`lock_timeout` the statement gives up instead, and the migration can be retried.

Lock: ACCESS EXCLUSIVE on the table. Safe recipe per tool: `SET lock_timeout = '5s';`
at the top of the file (golang-migrate, diesel, Flyway, psql; `SET LOCAL` inside a
transaction), `op.execute("SET lock_timeout = '5s'")` first in an Alembic upgrade,
`migrations.RunSQL("SET lock_timeout = '5s'")` first in a Django migration; retry on
`lock_timeout` errors.

## Example
```sql
ALTER TABLE vms ADD COLUMN note text;
```

Use instead:
```sql
SET lock_timeout = '5s';
ALTER TABLE vms ADD COLUMN note text;
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqllint.migrations.sqledit import relation_text
from sqllint.migrations.steps import Step, reported
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, normalized
from sqllint.rules.vacuum_full_or_cluster import is_full
from sqllint.sqltext import names

CODE = "SL317"
NAME = "missing-lock-timeout"
SEVERITY = "warning"
OPT_IN = True

# ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE.
_WEAKER = frozenset({
    "AT_ValidateConstraint", "AT_SetStatistics", "AT_ClusterOn", "AT_DropCluster",
    "AT_SetOptions", "AT_ResetOptions", "AT_SetRelOptions", "AT_ResetRelOptions",
    "AT_EnableTrig", "AT_DisableTrig", "AT_EnableTrigAll", "AT_DisableTrigAll",
    "AT_EnableTrigUser", "AT_DisableTrigUser", "AT_EnableAlwaysTrig",
    "AT_EnableReplicaTrig", "AT_AttachPartition", "AT_SetStorage", "AT_SetCompression",
})


def check(ctx: Context) -> Iterator[Finding]:
    timeout_at: dict[str, int] = {}  # file → seq of its first SET lock_timeout
    for stmt in ctx.statements:
        if stmt.path not in timeout_at and _sets_lock_timeout(stmt.node or {}):
            timeout_at[stmt.path] = stmt.seq
    reported_files: set[str] = set()
    for step in reported(ctx):
        if step.container != "top" or step.role != "migration" or step.path in reported_files:
            continue
        if timeout_at.get(step.path, step.stmt.seq + 1) < step.stmt.seq:
            continue
        table = _locked_table(step)
        if table is None:
            continue
        reported_files.add(step.path)
        message = (f"{_label(step)} takes an ACCESS EXCLUSIVE lock "
                   f"on {table} with no lock_timeout set earlier in this migration: while it "
                   f"waits for running queries, every new query on {table} queues behind it; "
                   f"SET lock_timeout first (and retry on timeout)")
        yield finding(__name__, step.stmt.location(), message,
                      suggestion="SET lock_timeout = '5s';",
                      statement=normalized(step.stmt.sql), table=table)


_LABELS = {"AlterTableStmt": "ALTER TABLE", "RenameStmt": "RENAME", "TruncateStmt": "TRUNCATE",
           "VacuumStmt": "VACUUM FULL", "ClusterStmt": "CLUSTER",
           "RefreshMatViewStmt": "REFRESH MATERIALIZED VIEW"}


def _label(step: Step) -> str:
    node = step.stmt.node or {}
    if "DropStmt" in node:
        return "DROP INDEX" if node["DropStmt"].get("removeType") == "OBJECT_INDEX" \
            else "DROP TABLE"
    return _LABELS.get(step.stmt.node_type, step.stmt.node_type)


def _sets_lock_timeout(node: dict[str, Any]) -> bool:
    setting = node.get("VariableSetStmt")
    if setting is not None:
        if setting.get("name") != "lock_timeout" or setting.get("kind") != "VAR_SET_VALUE":
            return False
        args = setting.get("args") or [{}]
        value = args[0].get("A_Const", {})
        if "ival" in value:  # pglast leaves out a zero
            return bool(value["ival"].get("ival", 0))
        return str(value.get("sval", {}).get("sval", "1")).strip() not in ("0", "", "0s")
    text = str(node)
    return "'set_config'" in text and "'lock_timeout'" in text


def _locked_table(step: Step) -> str | None:
    node = step.stmt.node or {}
    kind = step.stmt.node_type
    inner = node.get(kind) or {}
    if kind == "AlterTableStmt" and inner.get("objtype") in ("OBJECT_TABLE", None):
        cmds = [c.get("AlterTableCmd", {}) for c in inner.get("cmds") or []]
        if all(c.get("subtype") in _WEAKER or _fk_not_valid(c) for c in cmds):
            return None
        return _existing(step, inner.get("relation"))
    if kind == "RenameStmt" and inner.get("relation"):
        return _existing(step, inner.get("relation"))
    if kind == "TruncateStmt":
        return _first(step, inner.get("relations") or [])
    if kind == "VacuumStmt" and is_full(inner):
        return _first(step, [r.get("VacuumRelation", {}).get("relation") or {}
                             for r in inner.get("rels") or []])
    if kind == "ClusterStmt" and inner.get("relation"):
        return _existing(step, inner.get("relation"))
    if kind == "RefreshMatViewStmt" and not inner.get("concurrent"):
        return _existing(step, inner.get("relation"))
    if kind == "DropStmt" and inner.get("removeType") in ("OBJECT_TABLE", "OBJECT_INDEX") \
            and not inner.get("concurrent"):
        for obj in inner.get("objects") or []:
            parts = names(obj.get("List", {}).get("items"))
            if not parts:
                continue
            if inner["removeType"] == "OBJECT_INDEX":
                index = step.catalog.indexes.get(".".join(parts) if len(parts) > 1
                                                 else f"public.{parts[-1]}")
                table = step.catalog.tables.get(index.table) if index is not None else None
                if table is not None and not step.created_here(table) \
                        and index is not None and index.origin.path != step.path:
                    return table.display
            else:
                rv = {"relname": parts[-1], "schemaname": parts[-2] if len(parts) > 1 else None}
                found = _existing(step, rv)
                if found:
                    return found
    return None


def _fk_not_valid(cmd: dict[str, Any]) -> bool:
    cons = (cmd.get("def") or {}).get("Constraint") or {}
    return cmd.get("subtype") == "AT_AddConstraint" and cons.get("contype") == \
        "CONSTR_FOREIGN" and bool(cons.get("skip_validation"))


def _first(step: Step, rels: list[dict[str, Any]]) -> str | None:
    for rel in rels:
        found = _existing(step, rel.get("RangeVar", rel))
        if found:
            return found
    return None


def _existing(step: Step, rangevar: dict[str, Any] | None) -> str | None:
    if rangevar is None or step.existing(rangevar) is None:
        return None
    return relation_text(rangevar)
