"""
## What it does
Reports an `ORDER BY` on one table's columns that no index can deliver in order, when an
index would pay: the query has a `LIMIT`/`FETCH`, or it filters by equality so that an
index on (filter columns, order columns) returns the rows already sorted.

## Why is this bad?
Without such an index PostgreSQL reads every matching row and sorts them all, even to
return the first 50; with it, it reads 50 index entries and stops.

## Example
```sql
CREATE INDEX idx_vms_org_state ON vms (organization_id, state);
SELECT id, name FROM vms WHERE organization_id = $1 ORDER BY created_at DESC LIMIT 50;
```

Use instead:
```sql
CREATE INDEX CONCURRENTLY IF NOT EXISTS vms_organization_id_created_at_idx
    ON vms (organization_id, created_at DESC);
```
An index delivers the order when its keys after the equality-pinned ones are the
`ORDER BY` columns, all in the index direction or all reversed (a backward scan). Not
reported when a GIN (or other non-btree) index already serves the filter: there the
sort of the few matching rows is the right plan. Not reported for a table read once
per row of a join (the probed side): rows come in the driving side's order, and no
index on the probed table can deliver the query's. Tables configured as small are not
reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.advisor.review import table_reviews
from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, index_finding

CODE = "SL108"
NAME = "unindexed-sort"
SEVERITY = "warning"
SCOPE = "queries"  # statements that run queries (DML, function bodies)


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    for query, qr, r in table_reviews(ctx, stmt):
        if r.small or not r.order or not r.order_wanted or r.order_served:
            continue
        if any(i is not None and i.method not in ("btree", "hash") for i in r.served):
            continue
        if any(o.column is None for o in r.order):
            continue
        request = qr.request(r, with_order=True)
        cols = ", ".join(f"{r.table.display}.{o.column}" + (" DESC" if o.descending
                                                             else "") for o in r.order)
        first = r.order[0]
        tail = ("to return the first rows" if r.scope.limit
                else "before returning them")
        yield index_finding(
            __name__, query, first.location, r.table.display,
            f"ORDER BY {cols}: no index delivers this order; every matching row is "
            f"read and sorted {tail}",
            request,
        )
