"""
## What it does
Reports a foreign key whose columns do not lead any index of the referencing table.

## Why is this bad?
PostgreSQL indexes the referenced key, never the referencing columns. Without an index,
every DELETE or key UPDATE on the parent table scans the whole child table (under a
lock), and joins from parent to child cannot use an index.

## Example
```sql
CREATE TABLE storage_volumes (
    id uuid PRIMARY KEY,
    node_id uuid NOT NULL REFERENCES nodes (id)
);
```

Use instead:
```sql
CREATE INDEX CONCURRENTLY IF NOT EXISTS storage_volumes_node_id_idx
    ON storage_volumes (node_id);
```
An index whose leading columns are the key's columns (in any order) serves it, and so
does a primary key or unique constraint that starts with them. A partial index serves it
only when the check's `col = $1` implies its WHERE (`WHERE col IS NOT NULL`), and an
index collated otherwise than the column (`COLLATE "C"`) does not.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.advisor.ddl import column_key, create_index_ddl
from sqllint.advisor.serve import fk_served
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, generated, origin_location

CODE = "SL201"
NAME = "fk-without-index"
SEVERITY = "warning"
SCOPE = "catalog"  # reads only the final catalog: checked once per run


def check(ctx: Context) -> Iterator[Finding]:
    catalog = ctx.catalog
    for table in catalog.tables.values():
        if table.kind != "table":
            continue
        indexes = catalog.indexes_on(table.qualified)
        for fk in table.foreign_keys:
            if not fk.columns or fk.origin.path not in ctx.targets:
                continue
            if fk_served(fk.columns, indexes, table):
                continue
            if ctx.config.table_size(table.qualified) == "small":
                continue
            ddl = generated(create_index_ddl, table, [column_key(c) for c in fk.columns],
                            name_parts=fk.columns)
            cols = ", ".join(fk.columns)
            yield finding(
                __name__,
                origin_location(fk.origin),
                f"foreign key {fk.name} on {table.display} ({cols}) has no index leading with "
                f"its columns: deletes on {fk.ref_table.removeprefix('public.')} scan "
                f"{table.display}",
                suggestion=ddl,
                table=table.display,
            )
