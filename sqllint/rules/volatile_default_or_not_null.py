"""
## What it does
Reports, in a migration, on a table that existed before this migration file:
`ADD COLUMN … NOT NULL` without a `DEFAULT`; `ADD COLUMN` whose default is volatile
(`clock_timestamp()`, `random()`, `gen_random_uuid()`, a serial or identity column,
a stored generated column), or any default before PostgreSQL 11 (config
`postgres-version`); and `ALTER COLUMN … SET NOT NULL`.

## Why is this bad?
`NOT NULL` without a default fails as soon as the table has a row: `ERROR: column
"placement_group" of relation "vms" contains null values`. A volatile default (and
before PostgreSQL 11, any default) rewrites the whole table under an ACCESS EXCLUSIVE
lock; since PostgreSQL 11 a non-volatile default (`now()`, a constant) is stored once
and costs nothing. `SET NOT NULL` scans the whole table under ACCESS EXCLUSIVE, unless
(PostgreSQL 12+) a validated `CHECK (col IS NOT NULL)` already proves it: then it is
not reported, whichever earlier migration added and validated the check.

## Example
```sql
ALTER TABLE vms ADD COLUMN placement_group text NOT NULL;
```

Use instead:
```sql
ALTER TABLE vms ADD COLUMN placement_group text;
-- backfill in batches, then (each in its own migration):
ALTER TABLE vms ADD CONSTRAINT vms_placement_group_not_null
  CHECK (placement_group IS NOT NULL) NOT VALID;
ALTER TABLE vms VALIDATE CONSTRAINT vms_placement_group_not_null;
ALTER TABLE vms ALTER COLUMN placement_group SET NOT NULL;
ALTER TABLE vms DROP CONSTRAINT vms_placement_group_not_null;
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqllint.migrations.session import proven_not_null
from sqllint.migrations.sqledit import relation_text
from sqllint.migrations.steps import Step, table_alterations
from sqllint.migrations.volatility import mutable_calls
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, normalized
from sqllint.sqltext import is_serial, quote_ident, type_name

CODE = "SL308"
NAME = "volatile-default-or-not-null"
SEVERITY = "error"


def check(ctx: Context) -> Iterator[Finding]:
    version = ctx.config.postgres_version
    for step, rel, table, cmds in table_alterations(ctx):
        rel_text = relation_text(rel)
        for cmd in cmds:
            sub = cmd.get("subtype")
            coldef = (cmd.get("def") or {}).get("ColumnDef")
            if sub == "AT_AddColumn" and coldef:
                found = _add_column(step, rel_text, coldef, version)
                if found is not None:
                    yield found
            elif sub == "AT_SetNotNull":
                column = str(cmd.get("name", ""))
                col = table.column(column)
                if col is not None and col.not_null:
                    continue
                if version >= 12 and f"{table.qualified}.{column}" in proven_not_null(ctx, step):
                    continue  # "existing constraints … are sufficient to prove": no scan
                yield _set_not_null(step, rel_text, column, version)


def _not_null_recipe(rel: str, column: str) -> str:
    check_name = quote_ident(f"{rel.split('.')[-1].strip(chr(34))}_{column}_not_null"[:63])
    col = quote_ident(column)
    return (f"ALTER TABLE {rel} ADD CONSTRAINT {check_name} CHECK ({col} IS NOT NULL) "
            f"NOT VALID;\nALTER TABLE {rel} VALIDATE CONSTRAINT {check_name};\n"
            f"ALTER TABLE {rel} ALTER COLUMN {col} SET NOT NULL;\n"
            f"ALTER TABLE {rel} DROP CONSTRAINT {check_name};")


def _add_column(step: Step, rel: str, coldef: dict[str, Any], version: int) -> Finding | None:
    column = str(coldef.get("colname", ""))
    tnode = coldef.get("typeName") or {}
    ctype = type_name(tnode)
    kinds = {c.get("Constraint", {}).get("contype"): c.get("Constraint", {})
             for c in coldef.get("constraints") or []}
    default = kinds.get("CONSTR_DEFAULT")
    default_expr = default.get("raw_expr") if default else None
    is_null_default = bool(default_expr and default_expr.get("A_Const", {}).get("isnull"))
    loc = step.stmt.location(int(coldef.get("location", 0)))
    stmt_text = normalized(step.stmt.sql)
    rewrite = ""
    if is_serial(tnode):
        rewrite = f"a {ctype} column fills every row from a sequence (nextval() is VOLATILE)"
    elif "CONSTR_IDENTITY" in kinds:
        rewrite = "an identity column fills every row from a sequence"
    elif "CONSTR_GENERATED" in kinds:
        rewrite = "a stored generated column is computed for every row"
    elif default_expr and not is_null_default:
        volatile = [c for c in mutable_calls(default_expr, {}, step.functions)
                    if c.volatility == "v"]
        if volatile:
            rewrite = (f"the default `{volatile[0].what}` is VOLATILE, so every row gets its "
                       f"own value")
        elif version < 11:
            rewrite = (f"before PostgreSQL 11 (postgres-version = {version}) any DEFAULT is "
                       f"written into every row")
    if rewrite:
        message = (f"ADD COLUMN {column} rewrites {rel} and its indexes under an ACCESS "
                   f"EXCLUSIVE lock (reads and writes blocked): {rewrite}; add the column "
                   f"without it (or with a constant default), then fill existing rows in "
                   f"batches")
        suggestion = (f"ALTER TABLE {rel} ADD COLUMN {quote_ident(column)} {ctype};\n"
                      f"-- backfill in batches, then set the default for new rows:\n"
                      f"ALTER TABLE {rel} ALTER COLUMN {quote_ident(column)} SET DEFAULT …;")
        return finding(__name__, loc, message, suggestion=suggestion, statement=stmt_text,
                       table=rel)
    not_null = "CONSTR_NOTNULL" in kinds or "CONSTR_PRIMARY" in kinds
    if not_null and (default_expr is None or is_null_default):
        message = (f"ADD COLUMN {column} {ctype} NOT NULL without a DEFAULT fails as soon as "
                   f"{rel} has a row (\"column \"{column}\" of relation "
                   f"\"{rel.split('.')[-1]}\" contains null values\"): give it a non-volatile "
                   f"DEFAULT (no rewrite since PostgreSQL 11), or add it nullable, backfill, "
                   f"and set NOT NULL through a validated CHECK")
        suggestion = (f"ALTER TABLE {rel} ADD COLUMN {quote_ident(column)} {ctype};\n"
                      f"-- backfill {column} in batches, then:\n"
                      + _not_null_recipe(rel, column))
        return finding(__name__, loc, message, suggestion=suggestion, statement=stmt_text,
                       table=rel)
    return None


def _set_not_null(step: Step, rel: str, column: str, version: int) -> Finding:
    if version >= 12:
        recipe = ("add CHECK (… IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL "
                  "(PostgreSQL 12+ skips the scan when a validated CHECK proves it)")
        suggestion: str | None = _not_null_recipe(rel, column)
    else:
        recipe = (f"before PostgreSQL 12 (postgres-version = {version}) there is no way "
                  f"around the scan; keep a validated CHECK (… IS NOT NULL) NOT VALID "
                  f"constraint instead")
        suggestion = None
    message = (f"ALTER COLUMN {column} SET NOT NULL scans all of {rel} under an ACCESS "
               f"EXCLUSIVE lock (reads and writes blocked): {recipe}")
    return finding(__name__, step.stmt.location(), message, suggestion=suggestion,
                   statement=normalized(step.stmt.sql), table=rel)
