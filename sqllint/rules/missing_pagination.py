"""
## What it does
Reports a `SELECT` that returns every row of a large table: nothing restricts that
table (no `WHERE` or join condition on it, and it is not joined to a table that is
restricted), and no `LIMIT`/`FETCH` or aggregate bounds the result.

## Why is this bad?
The result grows with the table. What returns 20 rows in development returns two
million in production: the query, the network and the application's memory all grow
with it.

## Example
```sql
SELECT id, name FROM vms;
```

Use instead:
```sql
SELECT id, name FROM vms ORDER BY id LIMIT 100;
```
Not reported: `LIMIT`/`FETCH`; any restriction on the table (an equality, a range, a
pattern, `IS NULL`, a subquery condition — what a filter selects is the application's
choice, and an unindexed filter is SL103's finding, not this one's); a join to a table
that is restricted; aggregates (`count(*)`, `GROUP BY … sum(…)`); `EXISTS`;
`SELECT … INTO`; temporary tables (a session's scratch rows); views (what a view
returns is its author's choice); tables configured as small (`[tool.sqllint.tables]
countries = "small"`).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint import analysis
from sqllint.advisor.review import QueryReview, RefReview, review
from sqllint.advisor.serve import unique_pinned
from sqllint.analysis.model import EQ, NEQ, NOT_NULL, Predicate, QueryFacts, Scope
from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, finding, normalized

CODE = "SL102"
NAME = "missing-pagination"
SEVERITY = "warning"
SCOPE = "queries"  # statements that run queries (DML, function bodies)


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    if stmt.dynamic:
        return  # an interpolated identifier (SL004) may be the key that pins one row
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
            f"SELECT from {names} returns every row: nothing restricts it and no "
            f"LIMIT/FETCH bounds it; page it (ORDER BY … LIMIT)",
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
    bounded = _restricted(facts, scope)
    out = []
    for r in refs:
        if r.ref.index in bounded or r.small or r.table.schema == "pg_temp" \
                or _joined_by_unique_key(qr, r):
            continue
        out.append(r.table.display)
    for i in scope.refs:
        ref = facts.tables[i]
        if ref.kind in ("cte", "subquery") and ref.source is not None \
                and ref.source < len(facts.scopes) and i not in bounded:
            out.extend(_unbounded(qr, facts.scopes[ref.source], seen))
    return out


def _restricted(facts: QueryFacts, scope: Scope) -> set[int]:
    """Refs of ``scope`` whose rows something selects: a predicate on them (other than
    ``IS NOT NULL`` / ``<>``), a correlated subquery, or a join to such a ref."""
    mine = set(scope.refs)
    out = {p.ref for p in facts.predicates
           if p.ref in mine and p.op not in (NOT_NULL, NEQ)}
    out.update(j.right for j in facts.joins if j.outer and j.right in mine)
    changed = bool(out)
    while changed:
        changed = False
        for j in facts.joins:
            for a, b in ((j.left, j.right), (j.right, j.left)):
                if a in out and b in mine and b not in out:
                    out.add(b)
                    changed = True
    return out


def _joined_by_unique_key(qr: QueryReview, r: RefReview) -> bool:
    """Joined on its own unique key: one row per row of the other side, no growth."""
    cols = [col for col, _, _, _ in qr.facts.joins_of(r.ref.index)]
    if not cols:
        return False
    extra = tuple(Predicate(r.ref.index, EQ, "=", c, None, (c,), "param", (), -1, True)
                  for c in cols)
    return unique_pinned(r.indexes, r.preds + extra, r.table)
