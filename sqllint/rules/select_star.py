"""
## What it does
Reports `SELECT *` and `t.*` over a table or view, and says how many columns the star
expands to.

## Why is this bad?
The query reads and ships every column, including wide JSONB and text that the caller
never uses; it can never be an index-only scan; and it silently changes shape when a
migration adds a column.

## Example
```sql
SELECT * FROM vm_metrics WHERE vm_id = $1;
```

Use instead:
```sql
SELECT "timestamp", cpu_usage, memory_usage FROM vm_metrics WHERE vm_id = $1;
```
`SELECT *` from a CTE or subquery of the same statement, and inside `EXISTS (…)`, are
fine and not reported. Queries inside function bodies are checked too.

## Fix safety
`--fix --unsafe-fixes` replaces a star over one table with that table's columns as the
schema declares them (`t.*` keeps its qualifier). Unsafe: the query's output no longer
follows the table when a migration adds a column, which is the point, but the caller
must be ready for it. A star over a join is left to you.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqllint import analysis
from sqllint.analysis.facts import QueryFacts
from sqllint.catalog.model import Catalog, Table
from sqllint.fixes import fix_of, make_edit
from sqllint.migrations.sqledit import token_spans
from sqllint.model import Finding, Fix, Statement
from sqllint.rules.base import Context, finding, normalized
from sqllint.sqltext import quote_ident

CODE = "SL101"
NAME = "select-star"
SEVERITY = "warning"
FIX = "unsafe"

_TABLE = re.compile("table", re.I)


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    if stmt.node is None or (stmt.kind == "migration" and stmt.node_type not in (
            "CreateFunctionStmt", "DoStmt")):
        return
    queries = analysis.queries(ctx, stmt)
    if not queries and stmt.node_type in ("ViewStmt", "CreateTableAsStmt"):
        queries = (stmt,)
    if not queries or ("*" not in stmt.sql and not _TABLE.search(stmt.sql)):
        return  # no star in its queries (most): TABLE t is SELECT * FROM t
    for query in queries:
        catalog = ctx.catalog if query is not stmt else ctx.catalog_at(query)
        if catalog.empty:
            continue
        facts: QueryFacts = analysis.facts(ctx, query) if query.kind == "query" else _ddl_facts(
            ctx, query)
        for scope in facts.scopes:
            if scope.context == "exists":
                continue
            for star in scope.stars:
                tables: list[Table] = []
                for i in star.refs:
                    ref = facts.tables[i]
                    if ref.kind == "table" and ref.table is not None:
                        tables.append(ref.table)
                    elif not star.qualified and ref.kind in ("table", "cte", "subquery",
                                                             "function"):
                        tables = []  # a star over a CTE / subquery / unknown: not reported
                        break
                if not tables:
                    continue
                count = sum(len(t.columns) for t in tables)
                names = ", ".join(t.display for t in tables)
                cols = [c.name for t in tables for c in t.columns]
                shown = ", ".join(cols[:8]) + (", …" if len(cols) > 8 else "")
                # A view whose columns sqllint could not read says nothing of a count.
                expands = (f"expands to {count} column{'' if count == 1 else 's'} ({shown})"
                           if count else "expands to every column")
                yield finding(
                    __name__,
                    query.location(star.location, star.location + 1),
                    f"SELECT * from {names} {expands}; name the columns the caller uses",
                    statement=normalized(query.sql),
                    table=tables[0].display,
                    # A DO block runs right there: its columns are the ones of that moment.
                    fix=_fix(ctx, query, star.location, tables,
                             ctx.catalog_at(stmt) if stmt.node_type == "DoStmt" else catalog),
                )


def _fix(ctx: Context, query: Statement, at: int, tables: list[Table],
         catalog: Catalog) -> Fix | None:
    """The star (or `t.*`) replaced by the table's columns, in ``catalog``'s order.
    Unsafe: the query no longer follows the table when a migration adds a column."""
    table = catalog.tables.get(tables[0].qualified) if len(tables) == 1 else None
    if table is None or not table.columns:
        return None
    # A bare star is the token at ``at`` (a node's location starts a token); `t.*` is
    # found among the tokens.
    star: tuple[int, int, str] | None = (at, at + 1, "*") if query.sql.startswith("*", at) \
        else next((t for t in token_spans(query.sql) if t[0] >= at and t[2] == "*"), None)
    if star is None:
        return None
    qualifier = query.sql[at : star[0]]  # "v." or ""
    columns = ", ".join(qualifier + quote_ident(c.name) for c in table.columns)
    return fix_of("Name the columns", [make_edit(ctx.texts, query, at, star[1], columns)],
                  safe=False)


def _ddl_facts(ctx: Context, stmt: Statement) -> QueryFacts:
    from sqllint.analysis.facts import query_facts

    key = f"select_star:{id(stmt)}"
    cached = ctx.cache.get(key)
    if cached is None:
        cached = query_facts(stmt.node, ctx.catalog_at(stmt))
        ctx.cache[key] = cached
    return cached  # type: ignore[no-any-return]
