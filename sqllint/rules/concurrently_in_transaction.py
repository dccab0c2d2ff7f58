"""
## What it does
Reports `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX …
CONCURRENTLY` and `DETACH PARTITION … CONCURRENTLY`, and the other statements PostgreSQL
refuses in a transaction block (`VACUUM`, `CREATE DATABASE`, `ALTER SYSTEM`, …), where
they run inside one: between an explicit `BEGIN` and `COMMIT`, in a migration the tool
wraps in a transaction, in a golang-migrate file holding other statements (the file is
sent as one query, which PostgreSQL runs as one implicit transaction), or inside a
function body or DO block.

Which migrations are wrapped: Flyway (`V…__` files, unless every statement of the file
is non-transactional or `executeInTransaction=false`), Alembic and Django (unless
`autocommit_block()` / `atomic = False`); golang-migrate sends each file as one query
string; plain `.sql` files are not wrapped. The config key `transactional-migrations`
(`true`/`false`, or a table of glob = bool) overrides this per path.

## Why is this bad?
The migration fails: `ERROR: CREATE INDEX CONCURRENTLY cannot run inside a transaction
block` (or `… cannot be executed from a function`), and with golang-migrate leaves the
schema version dirty.

## Example
```sql
BEGIN;
CREATE INDEX CONCURRENTLY idx_vms_state ON vms (state);
COMMIT;
```

Use instead:
```sql
CREATE INDEX CONCURRENTLY idx_vms_state ON vms (state);  -- alone, outside BEGIN … COMMIT
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.migrations.steps import Step, reported
from sqllint.migrations.transactions import needs_no_transaction, out_of_transaction_recipe
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, normalized

CODE = "SL303"
NAME = "concurrently-in-transaction"
SEVERITY = "error"


def check(ctx: Context) -> Iterator[Finding]:
    for step in reported(ctx):
        what = needs_no_transaction(step.stmt)
        if what is None:
            continue
        message = _message(step, what)
        if message:
            yield finding(__name__, step.stmt.location(), message,
                          statement=normalized(step.stmt.sql))


def _message(step: Step, what: str) -> str | None:
    if step.container != "top":
        kind = "a DO block" if step.container == "do" else "a function"
        return (f"{what} inside {kind} fails: \"{what} cannot be executed from a "
                f"function\"; run it as a top-level statement of a migration outside a "
                f"transaction")
    tx = step.transaction
    if tx is None:
        return None
    error = f"fails: \"{what} cannot run inside a transaction block\""
    if tx.reason == "explicit":
        return (f"{what} inside BEGIN … COMMIT (BEGIN at line {tx.begin_line}) {error}; "
                f"move it after COMMIT")
    if tx.reason == "one-query":
        return (f"{what} {error}: {tx.layout.name} sends the whole file as one query, which "
                f"PostgreSQL runs as one implicit transaction when it holds more than one "
                f"statement; {out_of_transaction_recipe(tx.layout)}")
    if tx.reason == "flyway":
        return (f"{what} {error}: Flyway runs this migration in a transaction because it "
                f"also holds transactional statements; "
                f"{out_of_transaction_recipe(tx.layout)}")
    return (f"{what} {error}: {tx.layout.name} runs this migration in a transaction; "
            f"{out_of_transaction_recipe(tx.layout)}")
