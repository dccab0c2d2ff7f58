"""
## What it does
Reports transaction control that does not do what the file says: `BEGIN` inside a
transaction that is already open (an earlier `BEGIN`, or the transaction the
migration tool wraps the file in), `COMMIT` / `ROLLBACK` that ends the tool's own
transaction, and a `BEGIN` that the file never commits.

Which migrations are wrapped: Flyway (`V…__` files that hold a transactional
statement), diesel (`up.sql`, unless `run_in_transaction = false`), Alembic and Django
(unless `autocommit_block()` / `atomic = False`), and what `transactional-migrations`
says. golang-migrate and psql do not wrap a file: `BEGIN … COMMIT` is how to make
one atomic there.

## Why is this bad?
PostgreSQL ignores a nested `BEGIN` (`WARNING: there is already a transaction in
progress`), so the `COMMIT` that follows ends the tool's transaction in the middle of
the migration: the statements after it run outside it, a failure there leaves the
migration half applied and not recorded as applied, and the tool's own `COMMIT` finds
`no transaction in progress`. A `BEGIN` never committed leaves the session inside a
transaction: the tool records the version in it and everything after waits on its
locks or is rolled back when the connection closes.

## Example
```sql
-- Flyway V7__backfill.sql (Flyway already runs it in a transaction)
BEGIN;
UPDATE vms SET state = 'stopped' WHERE state IS NULL;
COMMIT;
```

Use instead:
```sql
UPDATE vms SET state = 'stopped' WHERE state IS NULL;  -- the tool's transaction is enough
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.migrations.steps import Step, reported
from sqllint.migrations.transactions import needs_no_transaction, transaction_kind
from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, finding, normalized

CODE = "SL315"
NAME = "transaction-nesting"
SEVERITY = "error"


def check(ctx: Context) -> Iterator[Finding]:
    by_file: dict[str, list[Step]] = {}
    for step in reported(ctx):
        if step.container == "top":
            by_file.setdefault(step.path, []).append(step)
    statements: dict[str, list[Statement]] = {}
    for stmt in ctx.statements:
        if stmt.path in by_file and stmt.node is not None:
            statements.setdefault(stmt.path, []).append(stmt)
    for path, steps in by_file.items():
        yield from _file(steps, statements.get(path, []))


def _file(steps: list[Step], stmts: list[Statement]) -> Iterator[Finding]:
    lay = steps[0].layout
    # Flyway wraps a file unless every statement of it refuses a transaction.
    tool = steps[0].role in ("migration", "down") and (
        lay.mode in ("wrapped", "batch")
        or (lay.mode == "flyway" and any(needs_no_transaction(s) is None
                                         and s.node_type != "TransactionStmt"
                                         for s in stmts)))
    tool_open = tool
    begin: Step | None = None
    for step in steps:
        if step.stmt.node_type != "TransactionStmt":
            continue
        kind = transaction_kind(step.stmt)
        if kind == "begin":
            if begin is not None:
                yield _at(step, f"BEGIN inside the transaction opened at line {begin.stmt.line}"
                                f" is ignored: \"there is already a transaction in "
                                f"progress\"; its COMMIT ends the outer one early; remove it")
            elif tool_open:
                yield _at(step, f"BEGIN inside the transaction {lay.name} runs this migration "
                                f"in is ignored: \"there is already a transaction in "
                                f"progress\"; the COMMIT below ends {lay.name}'s transaction "
                                f"mid-migration, so a later failure leaves it half applied; "
                                f"remove BEGIN and COMMIT (or turn the tool's transaction off "
                                f"for this migration)")
            begin = begin or step
        elif kind == "end":
            if begin is None and tool_open:
                yield _at(step, f"{_word(step)} ends the transaction {lay.name} runs this "
                                f"migration in: the statements after it run outside it, a "
                                f"failure there leaves the migration half applied, and "
                                f"{lay.name}'s own COMMIT finds \"no transaction in "
                                f"progress\"; remove it")
            if begin is None:
                tool_open = False
            begin = None
    if begin is not None and not tool:
        yield _at(begin, f"BEGIN at line {begin.stmt.line} is never committed in this file: "
                         f"the session stays inside the transaction (the tool records the "
                         f"version in it, and its locks are held until the connection "
                         f"closes); add COMMIT at the end")


def _word(step: Step) -> str:
    return step.stmt.sql.split(None, 1)[0].upper().rstrip(";") if step.stmt.sql.split() else ""


def _at(step: Step, message: str) -> Finding:
    return finding(__name__, step.stmt.location(), message,
                   statement=normalized(step.stmt.sql))
