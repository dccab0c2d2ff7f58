"""
## What it does
Reports a join key on the probed side of a join (the inner side of a nested loop, the
table of a correlated `EXISTS`/`IN` subquery, the nullable side of an outer join) that
no index leads with.

## Why is this bad?
For every row of the driving side PostgreSQL must find the matching rows of the probed
table. With an index that is one lookup per row; without one it is a hash of the whole
probed table at best, a full scan per row at worst.

## Example
```sql
SELECT v.id FROM users u JOIN vms v ON v.owner_id = u.id WHERE u.organization_id = $1;
```

Use instead:
```sql
CREATE INDEX CONCURRENTLY IF NOT EXISTS vms_owner_id_idx ON vms (owner_id);
```
The driving side is the one restricted to a few rows: by an equality on a selective
column, indexed or not, by an indexed filter, by a `LIMIT` without `ORDER BY`; a
subquery's or view's result; the outer side of an outer join. The other side is
probed once per driving row. Joins to a primary key or unique column are served by
its index, and a join key on a view, a CTE used once or a subquery reaches the table
it reads. When the probed table has a filter of its own, the suggested index covers
it too and the message says so (SL103 does not report it again). Tables configured as
small are not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.advisor.review import pred_text, table_reviews
from sqllint.advisor.serve import pred_ident
from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, index_finding

CODE = "SL104"
NAME = "unindexed-join"
SEVERITY = "warning"
SCOPE = "queries"  # statements that run queries (DML, function bodies)


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    for query, qr, r in table_reviews(ctx, stmt):
        if r.small or not r.probes or r.probe_index is not None:
            continue
        if any(i is not None for i in r.served):
            continue  # its own filter is indexed: the join reads few rows of it
        request = qr.request(r, with_order=False)
        seen: set[str] = set()
        for column, key in r.probes:
            if column in seen:
                continue
            seen.add(column)
            other = qr.facts.tables[key.right if key.left == r.ref.index else key.left]
            other_name = other.table.display if other.table is not None else other.alias
            how = ("correlated subquery" if key.outer else "join")
            filters = [pred_text(query, r.table, p) for p in r.btree_preds()
                       if p.expr is None and request is not None
                       and pred_ident(p) in request.idents]
            also = (f"; the index also covers the filter on {', '.join(dict.fromkeys(filters))}"
                    if filters else "")
            yield index_finding(
                __name__, query, key.location, r.table.display,
                f"{how} on {r.table.display}.{column}: no index leads with it; "
                f"{r.table.display} is probed once per {other_name} row{also}",
                request,
            )
