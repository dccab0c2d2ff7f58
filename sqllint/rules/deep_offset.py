"""
## What it does
Reports `OFFSET` pagination: a constant `OFFSET` of 1,000 rows or more, or an `OFFSET`
taken from a parameter (a page number that grows without bound).

## Why is this bad?
PostgreSQL cannot skip rows: `OFFSET 10000` reads, sorts and throws away 10,000 rows
before it returns the page, so every page is slower than the one before, and rows move
between pages while users page through.

## Example
```sql
SELECT id, name FROM vms WHERE organization_id = $1
ORDER BY created_at DESC LIMIT 50 OFFSET 10000;
```

Use instead: keyset pagination (remember the last row of the previous page):
```sql
SELECT id, name FROM vms WHERE organization_id = $1 AND (created_at, id) < ($2, $3)
ORDER BY created_at DESC, id DESC LIMIT 50;
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint import analysis
from sqllint.analysis.facts import OrderKey
from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, finding, normalized

CODE = "SL109"
NAME = "deep-offset"
SEVERITY = "warning"
SCOPE = "queries"  # statements that run queries (DML, function bodies)

THRESHOLD = 1000


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    for query in analysis.queries(ctx, stmt):
        facts = analysis.facts(ctx, query)
        for scope in facts.scopes:
            if scope.offset is not None and scope.offset >= THRESHOLD:
                what = f"OFFSET {scope.offset} reads and discards {scope.offset} rows"
            elif scope.offset_param:
                what = "OFFSET from a parameter reads and discards every earlier page"
            else:
                continue
            keys: list[OrderKey] = []
            for key in scope.order:
                if key.column is None:
                    keys = []
                    break
                keys.append(key)
            if keys:
                cols = ", ".join(k.column or "" for k in keys)
                op = "<" if keys[0].descending else ">"
                hint = (f"; paginate by key instead: WHERE ({cols}) {op} (<last row's "
                        f"values>) ORDER BY … LIMIT, with a unique column last")
            else:
                hint = "; paginate by key instead (WHERE key > last seen key … LIMIT)"
            at = scope.offset_location if scope.offset_location >= 0 else 0
            yield finding(
                __name__,
                query.location(at, at + 1),
                what + " before returning the page" + hint,
                statement=normalized(query.sql),
            )
