"""
## What it does
Reports a materialized view with no unique index (over plain columns, without a
predicate), which therefore cannot be refreshed with `REFRESH MATERIALIZED VIEW
CONCURRENTLY`.

## Why is this bad?
A plain `REFRESH MATERIALIZED VIEW` takes an ACCESS EXCLUSIVE lock: every reader of the
view (a dashboard) blocks for the whole refresh. `CONCURRENTLY` avoids that, but
PostgreSQL refuses it unless the view has a unique index on columns.

## Example
```sql
CREATE MATERIALIZED VIEW mv_org_usage AS SELECT organization_id, count(*) AS vms
FROM vms GROUP BY organization_id;
```

Use instead:
```sql
CREATE UNIQUE INDEX mv_org_usage_organization_id_key ON mv_org_usage (organization_id);
REFRESH MATERIALIZED VIEW CONCURRENTLY mv_org_usage;
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.advisor.ddl import ROW_IDENTITY_NOTE, unique_index_ddl
from sqllint.catalog.model import Catalog, Table
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, generated, origin_location

CODE = "SL205"
NAME = "matview-without-unique-index"
SEVERITY = "warning"
SCOPE = "catalog"  # reads only the final catalog: checked once per run


def refreshable_concurrently(catalog: Catalog, table: Table) -> bool:
    return any(
        i.unique and i.predicate_key is None and all(k.column is not None for k in i.keys)
        for i in catalog.indexes_on(table.qualified)
    )


def check(ctx: Context) -> Iterator[Finding]:
    for table in ctx.catalog.tables.values():
        if table.kind != "matview" or table.origin.path not in ctx.targets:
            continue
        if refreshable_concurrently(ctx.catalog, table):
            continue
        yield finding(
            __name__,
            origin_location(table.origin),
            f"materialized view {table.display} has no unique index: it cannot be refreshed "
            f"CONCURRENTLY, so every refresh blocks its readers",
            suggestion=with_row_note(generated(unique_index_ddl, table)),
            table=table.display,
        )


def with_row_note(ddl: str | None) -> str | None:
    return ddl + ROW_IDENTITY_NOTE if ddl else None
