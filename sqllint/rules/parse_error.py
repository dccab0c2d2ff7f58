"""
## What it does
Reports a statement that PostgreSQL's parser rejects, at the position of the error.

## Why is this bad?
The statement fails when it runs: a migration stops half-applied, a query errors in
production. sqllint also cannot review what it cannot parse.

## Example
```sql
SELECT id, name FROM vms WHERE;
```

Use instead:
```sql
SELECT id, name FROM vms WHERE state = 'running';
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, finding, normalized

CODE = "SL001"
NAME = "parse-error"
SEVERITY = "error"


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    if stmt.node is not None or stmt.error is None or stmt.unchecked:
        return  # other-dialect and dynamic SQL say so themselves (SL007, SL006)
    end = stmt.error_offset
    while end < len(stmt.sql) and not stmt.sql[end].isspace():
        end += 1
    yield finding(
        __name__,
        stmt.location(stmt.error_offset, max(end, stmt.error_offset + 1)),
        stmt.error,
        statement=normalized(stmt.sql),
    )
