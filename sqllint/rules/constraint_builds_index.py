"""
## What it does
Reports `ALTER TABLE … ADD PRIMARY KEY`, `ADD UNIQUE` and `ADD EXCLUDE` (also `ADD
COLUMN … PRIMARY KEY` / `UNIQUE`) without `USING INDEX`, in a migration, on a table
that existed before this migration file.

## Why is this bad?
The constraint builds its index while holding an ACCESS EXCLUSIVE lock on the table:
no reads and no writes for the whole index build. `NOT VALID` does not help: `ERROR:
UNIQUE constraints cannot be marked NOT VALID` (and `PRIMARY KEY`, `EXCLUDE` alike).
Build the unique index first with `CREATE UNIQUE INDEX CONCURRENTLY` (reads and writes
go on), then attach it with `ADD CONSTRAINT … USING INDEX`, which only updates the
catalog. A `PRIMARY KEY` also needs its columns `NOT NULL`: set that first through a
validated `CHECK (… IS NOT NULL)` (see SL308), or `USING INDEX` scans the table.
`EXCLUDE` constraints cannot use an existing index at all: there is no lock-free way.

Lock: ACCESS EXCLUSIVE on the table (and SHARE for the build), until the transaction
ends. Safe recipe per tool: the `CREATE UNIQUE INDEX CONCURRENTLY` must run outside a
transaction: golang-migrate: a file of its own; Flyway: a migration holding only
non-transactional statements; diesel: `run_in_transaction = false` in the migration's
`metadata.toml`; Alembic: `autocommit_block()`; Django: `atomic = False`.

## Example
```sql
ALTER TABLE vms ADD CONSTRAINT vms_name_key UNIQUE (name);
```

Use instead:
```sql
CREATE UNIQUE INDEX CONCURRENTLY vms_name_key ON vms (name);  -- outside a transaction
ALTER TABLE vms ADD CONSTRAINT vms_name_key UNIQUE USING INDEX vms_name_key;
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqllint.catalog.model import Table
from sqllint.migrations.sqledit import relation_text
from sqllint.migrations.steps import Step, added_constraints, table_alterations
from sqllint.migrations.transactions import out_of_transaction_recipe
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, normalized
from sqllint.sqltext import names, quote_ident

CODE = "SL311"
NAME = "constraint-builds-index"
SEVERITY = "error"

_KINDS = {"CONSTR_PRIMARY": "PRIMARY KEY", "CONSTR_UNIQUE": "UNIQUE",
          "CONSTR_EXCLUSION": "EXCLUDE"}


def check(ctx: Context) -> Iterator[Finding]:
    for step, rel, table, cmds in table_alterations(ctx):
        for cons, coldef in added_constraints(cmds):
            if cons.get("contype") not in _KINDS or cons.get("indexname"):
                continue
            columns = names(cons.get("keys")) if coldef is None else [str(coldef["colname"])]
            yield _finding(step, rel, table, cons, columns)


def _finding(step: Step, rel: dict[str, Any], table: Table, cons: dict[str, Any],
             columns: list[str]) -> Finding:
    kind = _KINDS[cons["contype"]]
    rel_text = relation_text(rel)
    lock = (f"ADD {kind} builds its index on existing table {rel_text} under an ACCESS "
            f"EXCLUSIVE lock (reads and writes blocked for the whole build)")
    loc = step.stmt.location(int(cons.get("location", 0)))
    stmt_text = normalized(step.stmt.sql)
    if kind == "EXCLUDE":
        message = (f"{lock}; an exclusion constraint cannot be NOT VALID nor use an existing "
                   f"index, so there is no lock-free way: set a short lock_timeout and run it "
                   f"while {rel_text} is small or quiet")
        return finding(__name__, loc, message, statement=stmt_text, table=rel_text)
    short = str(rel.get("relname", ""))
    name = str(cons.get("conname") or (f"{short}_pkey" if kind == "PRIMARY KEY"
                                       else f"{short}_{'_'.join(columns)}_key"))[:63]
    cols = ", ".join(quote_ident(c) for c in columns)
    nulls = [c for c in columns if (col := table.column(c)) is None or not col.not_null]
    first = ""
    if kind == "PRIMARY KEY" and nulls and cons.get("keys"):
        first = (f"; first make {', '.join(nulls)} NOT NULL through a validated CHECK "
                 f"(see SL308), or attaching the index scans the table")
    where = out_of_transaction_recipe(step.layout)
    message = (f"{lock}; UNIQUE and PRIMARY KEY cannot be NOT VALID: build the index with "
               f"CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … {kind} USING INDEX"
               f"{first}; for the concurrent build, {where}")
    ident = quote_ident(name)
    suggestion = (f"CREATE UNIQUE INDEX CONCURRENTLY {ident} ON {rel_text} ({cols});\n"
                  f"ALTER TABLE {rel_text} ADD CONSTRAINT {ident} {kind} USING INDEX {ident};")
    if not cons.get("keys"):  # ADD COLUMN … UNIQUE: the column must be added first
        suggestion = f"ALTER TABLE {rel_text} ADD COLUMN …;  -- without {kind}\n" + suggestion
    return finding(__name__, loc, message, suggestion=suggestion, statement=stmt_text,
                   table=rel_text)
