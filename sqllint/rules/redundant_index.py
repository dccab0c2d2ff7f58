"""
## What it does
Reports an index made redundant by another: a non-unique index whose key columns are a
leading prefix of another index's keys (same method, same partial predicate), or an index
identical to another index or to a primary-key/unique constraint's index. The message
names the index that covers it and gives the `DROP INDEX CONCURRENTLY`.

## Why is this bad?
Every index is written on every insert and on every update of its columns, takes space
and cache, and is vacuumed; a redundant one buys nothing the other index does not give.

## Example
```sql
CREATE INDEX idx_vms_node ON vms (node_id);
CREATE INDEX idx_vms_node_state ON vms (node_id, state);
```

Use instead:
```sql
DROP INDEX CONCURRENTLY IF EXISTS idx_vms_node;  -- idx_vms_node_state serves node_id
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.catalog.model import Index
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, generated, origin_location
from sqllint.sqltext import checked_sql, quote_ident

CODE = "SL204"
NAME = "redundant-index"
SEVERITY = "warning"
SCOPE = "catalog"  # reads only the final catalog: checked once per run


def _sig(index: Index) -> tuple[tuple[str, bool], ...]:
    """Keys with their operator class, collation and direction relative to the first key:
    ``(name COLLATE "C")`` orders otherwise than ``(name)`` and is not its duplicate.

    A B-tree scans both ways, so ``(a DESC)`` serves what ``(a)`` serves, but
    ``(a, b DESC)`` does not serve what ``(a, b)`` serves.
    """
    flip = bool(index.keys) and index.keys[0].descending
    return tuple((k.ident + (f" {k.opclass}" if k.opclass else "")
                  + (f" collate {k.collation}" if k.collation else ""), k.descending != flip)
                 for k in index.keys)


def covering_index(index: Index, others: tuple[Index, ...]) -> Index | None:
    """The index that makes ``index`` redundant, if any."""
    if index.primary or index.constraint:
        return None
    mine = _sig(index)
    if not mine:
        return None
    best: Index | None = None
    for other in others:
        if other is index or other.method != index.method:
            continue
        if other.predicate_key != index.predicate_key:
            continue
        theirs = _sig(other)
        if theirs[: len(mine)] != mine:
            continue
        if index.unique and (len(theirs) != len(mine) or not other.unique):
            continue  # a unique index enforces something a longer index does not
        if set(index.include) - set(other.include) - {k.column for k in other.keys}:
            continue
        if len(theirs) == len(mine) and not (other.primary or other.constraint):
            # Two plain duplicates: keep the one defined first.
            if (other.origin.seq, other.name) > (index.origin.seq, index.name):
                continue
        if best is None or (other.primary or other.constraint):
            best = other
    return best


def check(ctx: Context) -> Iterator[Finding]:
    catalog = ctx.catalog
    for table in catalog.tables.values():
        indexes = catalog.indexes_on(table.qualified)
        if len(indexes) < 2:
            continue
        for index in indexes:
            if index.origin.path not in ctx.targets or index.parent is not None:
                continue  # a partition's copy of its parent's index goes only with it
            other = covering_index(index, indexes)
            if other is None:
                continue
            what = "duplicates" if _sig(other) == _sig(index) else "is a leading prefix of"
            name = index.name if index.schema == "public" else index.qualified
            yield finding(
                __name__,
                origin_location(index.origin),
                f"index {index.name} on {table.display} ({', '.join(k.text for k in index.keys)})"
                f" {what} {other.name} ({', '.join(k.text for k in other.keys)}); drop it",
                suggestion=generated(checked_sql,
                                     f"DROP INDEX CONCURRENTLY IF EXISTS {quote_ident(name)};",
                                     "DropStmt"),
                table=table.display,
            )
