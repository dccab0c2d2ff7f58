"""
## What it does
Reports a window function (`row_number() OVER (…)`, `rank()`, `sum(…) OVER …`) whose
input is a whole large table, or every row that passes a filter no index serves.

## Why is this bad?
A window function needs all of its input, sorted by `PARTITION BY` and `ORDER BY`:
over a whole table that is a full scan and a sort of every row, on every execution,
however few rows the query finally keeps (`WHERE rn = 1` is applied afterwards).

## Example
```sql
SELECT vm_id, cpu_usage,
       row_number() OVER (PARTITION BY vm_id ORDER BY "timestamp" DESC) AS rn
FROM vm_metrics;
```

Use instead: restrict the input with an indexed filter (a time range on an indexed
column), or give the window its order so no sort is needed:
```sql
CREATE INDEX CONCURRENTLY IF NOT EXISTS vm_metrics_vm_id_timestamp_idx
    ON vm_metrics (vm_id, "timestamp" DESC);
```
Tables configured as small are not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.advisor.review import table_reviews
from sqllint.advisor.suggest import IndexRequest, window_request
from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, index_finding

CODE = "SL105"
NAME = "window-over-full-table"
SEVERITY = "warning"
SCOPE = "queries"  # statements that run queries (DML, function bodies)


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    for query, qr, r in table_reviews(ctx, stmt):
        if r.small or not r.scope.windows or r.filter_served:
            continue
        window = r.scope.windows[0]
        request: IndexRequest | None
        if r.btree_preds():
            request = qr.request(r, with_order=False)
            what = "every row that passes a filter no index serves"
        else:
            request = window_request(r.table, window, r.ref.index)
            what = "the whole table"
        name = window.name.split(":", 1)[0]
        yield index_finding(
            __name__, query, window.location, r.table.display,
            f"window function {name}() over {r.table.display} reads and sorts {what}",
            request,
        )
