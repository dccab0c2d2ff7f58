"""
## What it does
Reports an `UPDATE` or `DELETE` with no `WHERE` clause.

## Why is this bad?
It changes or removes every row of the table, usually by accident (a lost line in an
edit, a condition built in code that came out empty). On a large table it also holds
row locks on every row and writes the whole table to the WAL.

## Example
```sql
UPDATE vms SET state = 'stopped';
```

Use instead:
```sql
UPDATE vms SET state = 'stopped' WHERE node_id = $1;
```
`WHERE CURRENT OF cursor` counts as a `WHERE`. Statements in migrations (deliberate
backfills) are not reported; queries inside function bodies are.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint import analysis
from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, finding, normalized

CODE = "SL110"
NAME = "missing-where"
SEVERITY = "warning"
SCOPE = "queries"  # statements that run queries (DML, function bodies)


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    for query in analysis.queries(ctx, stmt):
        facts = analysis.facts(ctx, query)
        root = facts.root
        if root is None or root.kind not in ("update", "delete") or root.where:
            continue
        if not root.refs:
            continue
        target = facts.tables[root.refs[0]]
        verb = "UPDATE" if root.kind == "update" else "DELETE"
        effect = "changes" if root.kind == "update" else "deletes"
        name = target.table.display if target.table is not None else target.name
        yield finding(
            __name__,
            query.location(0),
            f"{verb} of {name} without WHERE {effect} every row of the table",
            statement=normalized(query.sql),
            table=name,
        )
