"""
## What it does
Reports SQL in Python whose table (or other identifier) comes from an interpolation
(`f"SELECT … FROM {table}"`). At `info` level: it says which checks are off for it.

## Why is this bad?
sqllint cannot know which table the statement reads, so the schema checks (unknown
table or column, missing index, pagination, `SELECT *` expansion) cannot run on it: a
slow or wrong query there goes unreported. An interpolated identifier is also a
classic injection point when the value is not from a fixed list.

## Example
```python
cur.execute(f"DELETE FROM {table} WHERE created_at < %s", (cutoff,))
```

Use instead:
```python
from psycopg import sql

cur.execute(sql.SQL("DELETE FROM {} WHERE created_at < %s").format(sql.Identifier(table)),
            (cutoff,))
```
or one statement per table, written out, so each can be checked against the schema.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, finding, normalized

CODE = "SL004"
NAME = "interpolated-identifier"
SEVERITY = "info"


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    if not stmt.dynamic or stmt.node is None:
        return
    names = ", ".join("{" + d + "}" for d in stmt.dynamic)
    yield finding(
        __name__,
        stmt.location(0, min(len(stmt.sql), 1)),
        f"identifier interpolated from {names}: the schema checks for this statement "
        f"(unknown table/column, indexes, pagination) are off",
        statement=normalized(stmt.sql),
    )
