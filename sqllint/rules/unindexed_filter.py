"""
## What it does
Reports a `WHERE` restriction (in a `SELECT`, `UPDATE` or `DELETE`) on a table where no
index can serve any of the predicates, and gives the index that would.

## Why is this bad?
Without a usable index PostgreSQL reads the whole table for every execution: the
query's cost grows with the table, not with the rows it returns.

## Example
```sql
CREATE INDEX idx_vms_org_state ON vms (organization_id, state);
SELECT id, name FROM vms WHERE state = $1;  -- state is not the leading column
```

Use instead:
```sql
CREATE INDEX CONCURRENTLY IF NOT EXISTS vms_state_idx ON vms (state);
```
An index serves a predicate when its leading columns are pinned by equality up to the
predicate's column (`(organization_id, state)` serves `organization_id = $1`, not
`state = $1` alone); a partial index only when the query's constants imply its `WHERE`;
an expression index only for the same expression. PK and UNIQUE constraints count. A
table probed through an indexed join key is served; a table probed through an
unindexed one is SL104's finding, whose index covers the filter too. Predicates written
on a view, on a CTE used once or on a subquery reach the table they read, as
PostgreSQL inlines them (into each `UNION ALL` branch too); a view's own `WHERE` is
not reported at every query that reads the view. A partial index counts only when the
query's `WHERE` proves every conjunct of the index's (equality, `IN` subsets,
`IS [NOT] NULL`, ranges, booleans); a `$n` parameter proves only `IS NOT NULL`. A
comparison with a function of the whole row (`funding(t) >= t.amount`) is no
constant. Not reported: an upper bound from the clock alone (`ts < now() - interval
'1 year'`), which selects the old rows, most of them, so no index on it is used; a
filter on low-cardinality columns only (`status`,
`type`, booleans) of a table joined through its unique key, which the planner reaches
through that key. Tables configured as small are not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.advisor.review import pred_start, pred_text, table_reviews, weak_range
from sqllint.advisor.suggest import low_cardinality
from sqllint.analysis.facts import NOT_NULL
from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, index_finding

CODE = "SL103"
NAME = "unindexed-filter"
SEVERITY = "warning"
SCOPE = "queries"  # statements that run queries (DML, function bodies)


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    for query, qr, r in table_reviews(ctx, stmt):
        if r.small or r.filter_served or r.probes:
            continue  # a probed table's filter is part of SL104's fix
        preds = [p for p in r.btree_preds() if p.op != NOT_NULL and
                 (p.expr is None or p.jsonb is False)]
        # Function-wrapped columns are SL106's, ->> extraction SL107's; a range no
        # index would be used for is nobody's.
        preds = [p for p in preds if p.expr is None]
        if not any(not weak_range(p, r.preds) for p in preds):
            continue
        if all(low_cardinality(r.table, p) for p in preds) and r.keyed_join(qr.facts):
            continue  # reached through its unique key from the other side
        request = qr.request(r)
        names = ", ".join(dict.fromkeys(pred_text(query, r.table, p) for p in preds))
        start = pred_start(preds[0])
        yield index_finding(
            __name__, query, start, r.table.display,
            f"filter on {names}: no index can serve it",
            request,
        )
