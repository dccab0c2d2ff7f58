"""
## What it does
Reports `VACUUM FULL` and `CLUSTER` in a migration (or a function body) on a table
that existed before this migration file, or on every table (no table named).

## Why is this bad?
Both rewrite the whole table and rebuild all its indexes under an ACCESS EXCLUSIVE
lock: no reads and no writes until the copy is done, and they need room for a second
copy of the table. In a migration they run at deploy time on production-sized tables.
Reclaim space online with an extension such as `pg_repack` or `pg_squeeze`, or run
plain `VACUUM` (no exclusive lock); run them by hand in a maintenance window, not as a
migration. (`VACUUM` also cannot run inside a transaction block, so in a migration the
tool wraps it fails anyway.)

Lock: ACCESS EXCLUSIVE on the table (and its indexes) for the whole rewrite.

## Example
```sql
VACUUM FULL vms;
CLUSTER vms USING vms_created_at_idx;
```

Use instead:
```sql
VACUUM vms;  -- or pg_repack --table=vms, outside the migration
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqllint.migrations.sqledit import option_enabled, relation_text
from sqllint.migrations.steps import Step, reported
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, normalized

CODE = "SL314"
NAME = "vacuum-full-or-cluster"
SEVERITY = "error"


def check(ctx: Context) -> Iterator[Finding]:
    for step in reported(ctx):
        if not step.checked:
            continue
        node = step.stmt.node or {}
        if "VacuumStmt" in node:
            vac = node["VacuumStmt"]
            if not is_full(vac):
                continue
            rels = [r.get("VacuumRelation", {}).get("relation") or {}
                    for r in vac.get("rels") or []]
            yield from _report(step, "VACUUM FULL", rels)
        elif "ClusterStmt" in node:
            rel = node["ClusterStmt"].get("relation")
            yield from _report(step, "CLUSTER", [rel] if rel else [])


def is_full(vacuum: dict[str, Any]) -> bool:
    """Is a VacuumStmt a ``VACUUM FULL`` (``FULL``, ``(FULL)``, ``(FULL true)``)?"""
    return bool(vacuum.get("is_vacuumcmd")) and option_enabled(vacuum.get("options"), "full")


def _report(step: Step, what: str, rels: list[dict[str, Any]]) -> Iterator[Finding]:
    if rels:
        shown = [relation_text(r) for r in rels if _holds_rows(step, r)]
        if not shown:
            return
        target = ", ".join(shown)
    else:
        target = ("every table of the database" if what == "VACUUM FULL"
                  else "every table clustered before")
    message = (f"{what} rewrites {target} and rebuilds its indexes under an ACCESS "
               f"EXCLUSIVE lock (reads and writes blocked until the copy is done): do not "
               f"run it as a migration; use plain VACUUM, or pg_repack / pg_squeeze online")
    yield finding(__name__, step.stmt.location(), message,
                  statement=normalized(step.stmt.sql), table=target if rels else "")


def _holds_rows(step: Step, rangevar: dict[str, Any]) -> bool:
    known = step.catalog.table(str(rangevar.get("relname", "")), rangevar.get("schemaname"))
    return known is None or step.existing(rangevar) is not None
