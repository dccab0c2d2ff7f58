"""
## What it does
Reports SQL in Python that sqllint cannot check at all, and why: the text interpolated
into it (`{clause}`, `+ where`, `% (fragment,)`) decides whether it even parses, and no
neutral stand-in (a parameter, an identifier, nothing) makes it a statement. At `info`
level; `sqllint statements` lists the same strings with the same reason.

## Why is this bad?
Nothing about the statement is reviewed: its tables, columns, indexes and syntax go
unchecked, and a bug there reaches production unseen. Saying so keeps the coverage
honest; a silent skip would look like a clean bill of health.

## Example
```python
cur.execute("SELECT id FROM events WHERE kind = %s " + order_and_limit, (kind,))
# order_and_limit = "ORDER BY id DESC LIMIT 10" or "" … or anything else
```

Use instead:
```python
sql = "SELECT id FROM events WHERE kind = %s ORDER BY id DESC"
if limited:
    sql += " LIMIT 10"
cur.execute(sql, (kind,))
```
Literal fragments appended in branches are each checked.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, finding, normalized

CODE = "SL006"
NAME = "dynamic-sql-not-checked"
SEVERITY = "info"


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    if not stmt.unchecked or stmt.dialect:
        return
    yield finding(
        __name__,
        stmt.location(0, min(len(stmt.sql), 1)),
        f"dynamic SQL: not checked: {stmt.unchecked}",
        statement=normalized(stmt.sql),
    )
