"""
## What it does
Reports a migration that drops or renames a column or a table that existed before
it, when queries of the repository (SQL files and SQL in Python) still use that column
or table, and lists those queries with their locations.

## Why is this bad?
During a rolling deploy the old version of the application keeps running against the
new schema, and after the deploy these very queries fail: `ERROR: column "state" does
not exist` / `relation "vms" does not exist`. Only a tool that sees the migrations and
the application's queries together can tell which ones break.

Lock: `DROP COLUMN`, `DROP TABLE` and `RENAME` take an ACCESS EXCLUSIVE lock but are
instant; the hazard is the code. Safe recipe (any migration tool): first deploy code
that no longer uses the column or table (for a rename: code that reads both names, or a
view with the old name), then drop or rename it in a later release.

## Example
```sql
-- migrations/000007_drop_state.up.sql, while app/repo.py still runs
-- "SELECT id FROM vms WHERE state = %s"
ALTER TABLE vms DROP COLUMN state;
```

Use instead:
```sql
-- release 1: stop using vms.state in app/repo.py; release 2:
ALTER TABLE vms DROP COLUMN state;
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import NamedTuple

from sqllint import analysis
from sqllint.analysis import query_facts
from sqllint.catalog.model import Catalog, Table
from sqllint.migrations.steps import Step, reported
from sqllint.model import Finding, Location, Statement
from sqllint.rules.base import Context, finding, normalized
from sqllint.sqltext import names

CODE = "SL318"
NAME = "schema-change-breaks-queries"
SEVERITY = "error"

_SHOWN = 5


class Change(NamedTuple):
    step: Step
    table: Table
    column: str | None  # None: the table itself
    what: str  # "DROP COLUMN vms.state", "RENAME TABLE vms TO machines", …


def check(ctx: Context) -> Iterator[Finding]:
    changes = gather(ctx)
    if changes:
        yield from report(changes, scan(ctx, changes))


# A run that goes file by file calls the three steps below itself (RuleSpec.gather).


def gather(ctx: Context) -> list[Change]:
    """The reported migration steps of ``ctx`` that drop or rename a table or column."""
    return [c for step in reported(ctx) if step.container == "top"
            and step.role == "migration" for c in _changes(step)]


def scan(ctx: Context, changes: list[Change]) -> list[tuple[int, Location]]:
    """(change number, where) for each query of ``ctx`` that ``changes`` break."""
    queries = [s for s in ctx.statements
               if s.kind == "query" and not s.migration and s.node is not None]
    if not queries:
        return []
    return [(i, loc) for i, change in enumerate(changes)
            for loc in _broken(ctx, change, queries)]


def report(changes: list[Change], found: list[tuple[int, Location]]) -> Iterator[Finding]:
    by_change: dict[int, set[Location]] = {}
    for i, loc in found:
        by_change.setdefault(i, set()).add(loc)
    for i, change in enumerate(changes):
        broken = sorted(by_change.get(i, ()), key=lambda loc: (loc.path, loc.line, loc.column))
        if not broken:
            continue
        where = ", ".join(f"{loc.path}:{loc.line}:{loc.column}" for loc in broken[:_SHOWN])
        more = f" and {len(broken) - _SHOWN} more" if len(broken) > _SHOWN else ""
        thing = f"column {change.column}" if change.column else "table"
        error = (f'column "{change.column}" does not exist' if change.column
                 else f'relation "{change.table.name}" does not exist')
        message = (f"{change.what}: {len(broken)} quer{'y' if len(broken) == 1 else 'ies'} of "
                   f"the repository still use{'s' if len(broken) == 1 else ''} the {thing} "
                   f"({where}{more}); during a rolling deploy the running code fails with "
                   f"\"{error}\": deploy code that no longer uses it first, change the "
                   f"schema in a later release")
        yield finding(__name__, change.step.stmt.location(), message,
                      statement=normalized(change.step.stmt.sql), table=change.table.display)


def _changes(step: Step) -> Iterator[Change]:
    node = step.stmt.node or {}
    if "AlterTableStmt" in node:
        inner = node["AlterTableStmt"]
        table = step.existing(inner.get("relation"))
        if table is None:
            return
        for wrapped in inner.get("cmds") or []:
            cmd = wrapped.get("AlterTableCmd", {})
            column = str(cmd.get("name", ""))
            if cmd.get("subtype") == "AT_DropColumn" and table.column(column) is not None:
                yield Change(step, table, column, f"DROP COLUMN {table.display}.{column}")
    elif "RenameStmt" in node:
        inner = node["RenameStmt"]
        table = step.existing(inner.get("relation"))
        if table is None:
            return
        if inner.get("renameType") == "OBJECT_COLUMN":
            column = str(inner.get("subname", ""))
            if table.column(column) is not None:
                yield Change(step, table, column, f"RENAME COLUMN {table.display}.{column} TO "
                                                  f"{inner.get('newname')}")
        elif inner.get("renameType") in ("OBJECT_TABLE", "OBJECT_VIEW",
                                         "OBJECT_MATVIEW"):
            yield Change(step, table, None, f"RENAME {table.display} TO {inner.get('newname')}")
    elif "DropStmt" in node and node["DropStmt"].get("removeType") in (
            "OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
        for obj in node["DropStmt"].get("objects") or []:
            parts = names(obj.get("List", {}).get("items"))
            if parts:
                rv = {"relname": parts[-1], "schemaname": parts[-2] if len(parts) > 1 else None}
                table = step.existing(rv)
                if table is not None:
                    yield Change(step, table, None, f"DROP TABLE {table.display}")


def _mentions(sql: str, *words: str) -> bool:
    return all(re.search(rf"(?<![\w$]){re.escape(w)}(?![\w$])", sql, re.I) for w in words)


def _broken(ctx: Context, change: Change, queries: list[Statement]) -> Iterator[Location]:
    before = change.step.catalog
    key = change.table.qualified
    after: Catalog | None = None
    if change.column is not None:
        kept = tuple(c for c in change.table.columns if c.name != change.column)
        after = replace(before, tables={**before.tables, key: replace(change.table, columns=kept)})
    for stmt in queries:
        if not _mentions(stmt.sql, change.table.name, *(
                [change.column] if change.column else [])):
            continue
        for query in analysis.queries(ctx, stmt):
            facts = query_facts(query.node, before)
            refs = [t for t in facts.tables if t.table is not None and t.table.qualified == key]
            if not refs:
                continue
            if after is None:
                yield query.location(refs[0].location, refs[0].location + 1)
                continue
            old = {(p.column, p.location) for p in facts.problems}
            for problem in query_facts(query.node, after).problems:
                if problem.column == change.column and (problem.column, problem.location) \
                        not in old:
                    yield query.location(problem.location, problem.location + 1)
                    break


