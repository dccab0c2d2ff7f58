"""
## What it does
Reports a statement PostgreSQL's parser rejects that is valid SQL of another engine the
project supports (configured with `dialects = ["postgresql", "sqlite"]`), or that runs
only on another engine: in a branch such as `if isinstance(engine, Sqlite3Engine):`, or
in a `*.sql.sqlite` file, or run on a `sqlite3` connection. At `info` level: the
statement is not checked against PostgreSQL. It is checked in its own dialect: when
sqlglot reads it as that engine's SQL, the tables it names must exist in the schema
(or in the other engine's schema files, or be created by the module): SL002 says so.
`sqllint statements` shows how each statement was checked.

## Why is this bad?
It is not wrong where it runs, but it never runs on PostgreSQL: if the code path can
reach a PostgreSQL connection, it fails there. The finding says which construct is
not PostgreSQL, so a reader can tell a dialect branch from a mistake.

## Example
```python
cur.execute("INSERT OR IGNORE INTO seen (id) VALUES (?)", (event_id,))
```

Use instead: (when the code also runs on PostgreSQL)
```python
cur.execute("INSERT INTO seen (id) VALUES (%s) ON CONFLICT DO NOTHING", (event_id,))
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, finding, normalized

CODE = "SL007"
NAME = "other-dialect"
SEVERITY = "info"


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    if not stmt.dialect or stmt.error is None:
        return  # another engine's SQL PostgreSQL also reads: nothing to say
    yield finding(
        __name__,
        stmt.location(stmt.error_offset, stmt.error_offset + 1),
        f"{stmt.unchecked or 'another dialect'}: not checked against PostgreSQL",
        statement=normalized(stmt.sql),
    )
