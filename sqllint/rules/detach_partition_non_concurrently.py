"""
## What it does
Reports `ALTER TABLE … DETACH PARTITION` without `CONCURRENTLY` in a migration, on a
partitioned table that existed before this migration file, when the configured
`postgres-version` is 14 or later (earlier versions have no other way).

## Why is this bad?
`DETACH PARTITION` takes an ACCESS EXCLUSIVE lock on the parent table and on the
partition: every query on the whole partitioned table waits for it, and it waits for
every running query first. `DETACH PARTITION … CONCURRENTLY` (PostgreSQL 14+) takes
only SHARE UPDATE EXCLUSIVE on the parent, so reads and writes go on. It cannot run
inside a transaction block, nor when the table has a default partition.

Lock: ACCESS EXCLUSIVE on the parent and the partition, until the transaction ends.
Safe recipe per tool (`CONCURRENTLY` must run outside a transaction): golang-migrate:
a file of its own; Flyway: a migration holding only non-transactional statements;
diesel: `run_in_transaction = false`; Alembic: `autocommit_block()`; Django:
`atomic = False`.

## Example
```sql
ALTER TABLE events DETACH PARTITION events_2023;
```

Use instead:
```sql
ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;  -- outside a transaction
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.migrations.sqledit import relation_text, statement_text
from sqllint.migrations.steps import table_alterations
from sqllint.migrations.transactions import out_of_transaction_recipe
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, normalized

CODE = "SL313"
NAME = "detach-partition-non-concurrently"
SEVERITY = "error"


def check(ctx: Context) -> Iterator[Finding]:
    if ctx.config.postgres_version < 14:
        return
    for step, rel, _table, cmds in table_alterations(ctx):
        for cmd in cmds:
            part = (cmd.get("def") or {}).get("PartitionCmd")
            if cmd.get("subtype") != "AT_DetachPartition" or part is None \
                    or part.get("concurrent"):
                continue
            child = relation_text(part.get("name") or {})
            parent = relation_text(rel)
            message = (f"DETACH PARTITION {child} takes an ACCESS EXCLUSIVE lock on {parent} "
                       f"and {child} (every query on {parent} waits): use DETACH PARTITION … "
                       f"CONCURRENTLY (not possible while {parent} has a default partition), "
                       f"{out_of_transaction_recipe(step.layout)}")
            loc = step.stmt.location(int((part.get("name") or {}).get("location", 0)))
            yield finding(__name__, loc, message,
                          suggestion=statement_text(
                              f"ALTER TABLE {parent} DETACH PARTITION {child} CONCURRENTLY"),
                          statement=normalized(step.stmt.sql), table=parent)
