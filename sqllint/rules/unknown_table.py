"""
## What it does
Reports a query that names a table (or view) the schema does not have, when sqllint
found a schema at all.

## Why is this bad?
The query fails at run time with `relation "…" does not exist`: a typo, a table
renamed or dropped by a migration, or a query written against another database.

## Example
```sql
SELECT id FROM vm WHERE state = $1;  -- the table is vms
```

Use instead:
```sql
SELECT id FROM vms WHERE state = $1;
```
Names are folded to lower case unless quoted; an unqualified name resolves through the
search path where the query runs (`SET search_path` earlier in its file, a function's own
`SET search_path`, the `search-path` setting), else in `public` (then in any schema).
Another engine's statements (a SQLite branch, a `sqlite3` connection) are checked too,
by the tables sqlglot reads in them: one that no schema file of either engine creates is
reported as "(SQLite statement)".
CTE names, system catalogs (`pg_*`, `information_schema`),
tables created by `SELECT … INTO` or `CREATE TEMP TABLE` and tables in schemas sqllint
never saw are not reported.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from sqllint import analysis
from sqllint.catalog.model import Catalog
from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, finding, normalized

CODE = "SL002"
NAME = "unknown-table"
SEVERITY = "error"
SCOPE = "queries"  # statements that run queries (DML, function bodies)

_SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast"})


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    if stmt.dynamic:
        return
    if stmt.dialect_tables:
        yield from _other_dialect(ctx, stmt)
        return
    for query in analysis.queries(ctx, stmt):
        embedded = query is not stmt
        catalog = ctx.catalog if embedded else ctx.catalog_at(query)
        if catalog.empty:
            continue
        facts = analysis.facts(ctx, query)
        for ref in facts.tables:
            if not ref.unknown:
                continue
            schema, name = ref.schema, ref.name
            if schema in _SYSTEM_SCHEMAS or name.startswith("pg_") or not name:
                continue
            if schema is not None and schema not in catalog.schemas:
                continue
            if name in _created_elsewhere(ctx):
                continue
            if embedded and (catalog.knows(name) or catalog.knows(name, schema or "public")):
                continue  # a function runs later: the table may be created by then
            shown = f"{schema}.{name}" if schema else name
            hint = _close_match(ctx, name, catalog)
            yield finding(
                __name__,
                query.location(ref.location, ref.location + len(name)),
                f"table {shown} does not exist in the schema"
                + (f"; did you mean {hint}?" if hint else ""),
                statement=normalized(query.sql),
                table=shown,
            )


def _other_dialect(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    """Another engine's statement (a SQLite branch) names tables of the same schema:
    one the schema never had is as wrong there as here."""
    catalog = ctx.catalog
    if catalog.empty:
        return
    engine = stmt.checked_as.split(" (")[0] or "another engine"
    for shown, offset in stmt.dialect_tables:
        schema, _, name = shown.rpartition(".")
        if schema and (schema in _SYSTEM_SCHEMAS or schema not in catalog.schemas):
            continue
        if (name.startswith("pg_") or name in _created_elsewhere(ctx)
                or name in ctx.run.created_in_other_dialects):
            continue
        if catalog.knows(name) or catalog.knows(name, schema or "public"):
            continue
        hint = _close_match(ctx, name, catalog)
        yield finding(
            __name__,
            stmt.location(offset, offset + len(name)),
            f"table {shown} does not exist in the schema ({engine} statement)"
            + (f"; did you mean {hint}?" if hint else ""),
            statement=normalized(stmt.sql),
            table=shown,
        )


def _close_match(ctx: Context, name: str, catalog: Catalog) -> str | None:
    """A known table whose name is close to ``name`` (similar length, same first letter)."""
    memo: dict[tuple[int, str], str | None] = ctx.cache.setdefault("unknown_table:hint", {})
    # By the tables, not the snapshot: every DDL statement makes a snapshot, few of them
    # change the tables (the file's snapshots live as long as this memo).
    key = (id(catalog.tables), name)
    if key in memo:
        return memo[key]
    # Compare bare names (``ordrs`` with ``orders``), answer with the name to write.
    shown: dict[str, str] = {}
    for t in catalog.tables.values():
        if t.name[:1] == name[:1] and abs(len(t.name) - len(name)) <= 3:
            shown.setdefault(t.name, t.display)
    found = difflib.get_close_matches(name, sorted(shown), n=1, cutoff=0.75)
    memo[key] = shown[found[0]] if found else None
    return memo[key]


def _created_elsewhere(ctx: Context) -> frozenset[str]:
    """Tables created by SELECT … INTO or inside function bodies, in any file."""
    return ctx.run.created_elsewhere
