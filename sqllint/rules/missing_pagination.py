"""
## What it does
Reports a `SELECT` that can return an unbounded number of rows: no `LIMIT`/`FETCH`, not
pinned to one row by equality on a primary key or unique constraint, not an aggregate.

## Why is this bad?
The result grows with the table. What returns 20 rows in development returns two
million in production: the query, the network and the application's memory all grow
with it, and a time range bounds it only loosely.

## Example
```sql
SELECT id, name FROM vms WHERE state = $1;
```

Use instead:
```sql
SELECT id, name FROM vms WHERE state = $1 ORDER BY id LIMIT 100;
```
Not reported: `LIMIT`/`FETCH`; equality on every column of a unique key (also through
joins on a unique key); aggregates (`count(*)`, `GROUP BY … sum(…)`); `EXISTS`;
`SELECT … INTO`; queries that read only tables configured as small.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint import analysis
from sqllint.advisor.review import QueryReview, RefReview, review, unique_rows
from sqllint.advisor.serve import unique_pinned
from sqllint.analysis.facts import EQ, Predicate, Scope
from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, finding, normalized

CODE = "SL102"
NAME = "missing-pagination"
SEVERITY = "warning"
SCOPE = "queries"  # statements that run queries (DML, function bodies)


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    for query in analysis.queries(ctx, stmt):
        if query is not stmt:
            continue  # function bodies: SELECT INTO, loops and PERFORM are not result sets
        qr = review(ctx, query)
        root = qr.facts.root
        if root is None or root.context != "top" or root.into:
            continue
        if root.kind not in ("select", "setop"):
            continue
        tables = _unbounded(qr, root, set())
        if not tables:
            continue
        names = ", ".join(dict.fromkeys(tables))
        yield finding(
            __name__,
            query.location(0),
            f"SELECT from {names} can return an unbounded number of rows: no LIMIT/FETCH "
            f"and no equality on a unique key; page it (ORDER BY … LIMIT)",
            statement=normalized(query.sql),
            table=tables[0],
        )


def _unbounded(qr: QueryReview, scope: Scope, seen: set[int]) -> list[str]:
    """Display names of the large tables that make ``scope`` unbounded (empty: bounded)."""
    facts = qr.facts
    if scope.index in seen:
        return []
    seen.add(scope.index)
    if scope.limit or scope.into or scope.kind == "values":
        return []
    if scope.aggregate:
        return []
    if scope.kind == "setop":
        out: list[str] = []
        for child in scope.children:
            sub = facts.scopes[child]
            if sub.context == "arm":
                out.extend(_unbounded(qr, sub, seen))
        return out
    refs = [r for r in qr.refs if r.ref.scope == scope.index]
    pinned = unique_rows(facts, refs, scope)
    out = []
    for r in refs:
        if r.ref.index in pinned or r.small or _joined_by_unique_key(qr, r):
            continue
        out.append(r.table.display)
    for i in scope.refs:
        ref = facts.tables[i]
        if ref.kind in ("cte", "subquery") and ref.source is not None \
                and ref.source < len(facts.scopes):
            out.extend(_unbounded(qr, facts.scopes[ref.source], seen))
    return out


def _joined_by_unique_key(qr: QueryReview, r: RefReview) -> bool:
    """Joined on its own unique key: one row per row of the other side, no growth."""
    cols = [col for col, _, _, _ in qr.facts.joins_of(r.ref.index)]
    if not cols:
        return False
    extra = tuple(Predicate(r.ref.index, EQ, "=", c, None, (c,), "param", (), -1, True)
                  for c in cols)
    return unique_pinned(r.indexes, r.preds + extra, r.table)
