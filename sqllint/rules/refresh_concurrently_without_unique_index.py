"""
## What it does
Reports `REFRESH MATERIALIZED VIEW CONCURRENTLY` on a materialized view that has no
unique index on plain columns without a `WHERE` clause, as the schema stands where the
statement runs (for a function body: the final schema).

## Why is this bad?
It fails at run time: `ERROR: cannot refresh materialized view "public.mv_org_usage"
concurrently` (HINT: Create a unique index with no WHERE clause on one or more columns
of the materialized view). A refresh job built on it never refreshes anything.

## Example
```sql
CREATE MATERIALIZED VIEW mv_org_usage AS
  SELECT organization_id, count(*) AS vms FROM vms GROUP BY organization_id;
REFRESH MATERIALIZED VIEW CONCURRENTLY mv_org_usage;
```

Use instead:
```sql
CREATE UNIQUE INDEX CONCURRENTLY mv_org_usage_organization_id_key
  ON mv_org_usage (organization_id);
REFRESH MATERIALIZED VIEW CONCURRENTLY mv_org_usage;
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.advisor.ddl import unique_index_ddl
from sqllint.migrations.sqledit import relation
from sqllint.migrations.steps import reported
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, generated, normalized
from sqllint.rules.matview_without_unique_index import refreshable_concurrently, with_row_note

CODE = "SL305"
NAME = "refresh-concurrently-without-unique-index"
SEVERITY = "error"




def check(ctx: Context) -> Iterator[Finding]:
    for step in reported(ctx):
        node = (step.stmt.node or {}).get("RefreshMatViewStmt")
        if node is None or not node.get("concurrent") or step.role == "down":
            continue
        view = relation(step.catalog, node.get("relation") or {})
        if view is None or view.kind != "matview" or refreshable_concurrently(step.catalog,
                                                                             view):
            continue
        message = (f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view.display} fails at run time: "
                   f"\"cannot refresh materialized view \"{view.qualified}\" concurrently\": "
                   f"it needs a unique index on plain columns, without WHERE; create one "
                   f"first")
        yield finding(__name__, step.stmt.location(), message,
                      suggestion=with_row_note(generated(unique_index_ddl, view)),
                      statement=normalized(step.stmt.sql), table=view.display)
