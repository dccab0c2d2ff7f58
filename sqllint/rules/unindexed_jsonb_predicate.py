"""
## What it does
Reports a JSONB predicate no index can serve: containment and key operators (`@>`,
`?`, `?|`, `?&`, `@?`, `@@`) with no GIN index on the column, and `->>` / `#>>`
comparisons with no expression index on the same extraction.

## Why is this bad?
Each row's document must be decompressed and searched: a full scan of what is often
the widest column of the table. A GIN index on the column does not help `->>`
equality; `jsonb_path_ops` GIN does not support the key operators.

## Example
```sql
SELECT id FROM vms WHERE config ->> 'os_type' = $1;
SELECT id FROM alerts WHERE labels @> '{"team": "x"}';
```

Use instead:
```sql
CREATE INDEX CONCURRENTLY IF NOT EXISTS vms_config_os_type_idx ON vms ((config ->> 'os_type'));
CREATE INDEX CONCURRENTLY IF NOT EXISTS alerts_labels_gin_idx ON alerts USING gin (labels);
```
Not reported when another index already narrows the table to a few rows (an equality
on the leading column of a unique key, or a probe through an indexed join key):
the leftover filter runs on those rows, and no index for it would be used.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.advisor.review import JSONB_OPS, pred_start, pred_text, table_reviews
from sqllint.advisor.suggest import IndexRequest, suggest, suggest_gin
from sqllint.analysis.facts import EQ, IN, RANGE
from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, index_finding

CODE = "SL107"
NAME = "unindexed-jsonb-predicate"
SEVERITY = "warning"
SCOPE = "queries"  # statements that run queries (DML, function bodies)


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    for query, _, r in table_reviews(ctx, stmt):
        if r.narrowed:
            continue  # another index leaves a few rows: the leftover filter is cheap
        for pred, index in zip(r.preds, r.served, strict=True):
            if index is not None or pred.value in ("self", "none") or pred.source == "view":
                continue
            request: IndexRequest | None
            if pred.op in JSONB_OPS and pred.column is not None:
                request = suggest_gin(r.table, pred)
                what = (f"{r.table.display}.{pred.column} {pred.operator} …: no GIN "
                        f"index on {r.table.display}.{pred.column} supports "
                        f"{pred.operator}")
            elif pred.jsonb and pred.op in (EQ, IN, RANGE):
                request = suggest(r.table, query.sql, [pred]) if pred.immutable else None
                text = pred_text(query, r.table, pred)
                what = (f"{text} {pred.operator} …: no expression index on this "
                        f"extraction (a GIN index on the column does not serve ->>)")
            else:
                continue
            start = pred_start(pred)
            yield index_finding(
                __name__, query, start, r.table.display,
                what,
                request,
            )
