"""
## What it does
Reports a predicate that wraps a column in a function, cast or arithmetic
(`lower(email) = $1`, `created_at::date = $1`, `price * 2 > $1`) when no expression
index matches it, and `LIKE`/`ILIKE` patterns that start with a wildcard.

## Why is this bad?
An index on `email` stores `email`, not `lower(email)`: the predicate cannot use it, and
PostgreSQL evaluates the function on every row of the table. A leading `%` defeats a
btree index the same way.

## Example
```sql
SELECT id FROM users WHERE lower(email) = $1;
```

Use instead: an expression index, when the expression is IMMUTABLE:
```sql
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_lower_email_idx ON users (lower(email));
```
or move the computation to the other side (`created_at >= $1 AND created_at < $1 + 1`
instead of `created_at::date = $1`, which no index on a `timestamptz` can serve). For
`LIKE '%x%'` a trigram index (`pg_trgm`, `gin_trgm_ops`) is suggested when the
extension is installed.
Not reported when another index already narrows the table to a few rows (an equality
on the leading column of a unique key, or a probe through an indexed join key):
the leftover filter runs on those rows, and no index for it would be used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqllint.advisor.review import pred_start, pred_text, table_reviews
from sqllint.advisor.serve import column_indexed
from sqllint.advisor.suggest import IndexRequest, suggest, suggest_trigram
from sqllint.analysis.facts import EQ, IN, LIKE_INFIX, LIKE_PREFIX, RANGE
from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, index_finding

CODE = "SL106"
NAME = "non-sargable-predicate"
SEVERITY = "warning"
SCOPE = "queries"  # statements that run queries (DML, function bodies)

_FUNCTION_CALL = re.compile(r"^\(*\s*[a-z_][a-z0-9_.]*\s*\(", re.I)


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    for query, qr, r in table_reviews(ctx, stmt):
        if r.narrowed:
            continue  # another index leaves a few rows: the leftover filter is cheap
        for pred, index in zip(r.preds, r.served, strict=True):
            if index is not None or pred.value in ("self", "none") or pred.source == "view":
                continue
            request: IndexRequest | None = None
            if pred.op == LIKE_INFIX and pred.expr is None:
                request = suggest_trigram(r.table, pred, "pg_trgm" in qr.catalog.extensions)
                what = (f"{pred_text(query, r.table, pred)} {_like_word(pred.operator)} "
                        f"a pattern with a leading wildcard: no btree index can serve it")
            elif pred.expr is not None and not pred.jsonb and pred.op in (
                    EQ, IN, RANGE, LIKE_PREFIX) and pred.columns and not _row(pred.node):
                text = pred_text(query, r.table, pred)
                indexed = [column_indexed(r.indexes, c) for c in pred.columns]
                hit = next((i for i in indexed if i is not None), None)
                why = (f"cannot use index {hit.name} on "
                       f"{r.table.display}.{pred.columns[indexed.index(hit)]}"
                       if hit is not None else "cannot use an index on the column")
                expression = text.replace(f"{r.table.display}.", "")
                if pred.immutable and _FUNCTION_CALL.match(expression):
                    request = suggest(r.table, query.sql, [pred])
                    fix = "; index the expression"
                elif pred.immutable:
                    fix = "; move the arithmetic to the other side of the comparison"
                else:
                    fix = ("; the expression is not IMMUTABLE (it depends on the time "
                           "zone or settings), so compare the bare column with a range "
                           "instead")
                what = f"{text} {why}{fix}"
            else:
                continue
            start = pred_start(pred)
            yield index_finding(
                __name__, query, start, r.table.display,
                what,
                request,
            )


def _like_word(operator: str) -> str:
    return "ILIKE" if operator in ("~~*", "ILIKE") else "LIKE"


def _row(node: object) -> bool:
    """A row of bare columns, ``(stream_id, room_id) > ($1, $2)``: PostgreSQL compares
    it with an index on those columns as an index condition, so it is sargable."""
    if not isinstance(node, dict) or "RowExpr" not in node:
        return False
    args = node["RowExpr"].get("args") or []
    return bool(args) and all(isinstance(a, dict) and "ColumnRef" in a for a in args)
