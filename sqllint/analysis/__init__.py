"""Per statement: resolved tables, predicates, joins, order, limit, windows, stars.

``query_facts(stmt, catalog)`` reads pglast's JSON tree (already in ``stmt.node``);
``queries(ctx, stmt)`` and ``facts(ctx, stmt)`` add the queries inside PL/pgSQL and SQL
function bodies and cache everything in ``ctx.cache``.
"""

from sqllint.analysis.facts import (
    ColumnProblem,
    JoinKey,
    OrderKey,
    Predicate,
    QueryFacts,
    Scope,
    Star,
    TableRef,
    Window,
    query_facts,
)
from sqllint.analysis.queries import facts, queries

__all__ = [
    "ColumnProblem",
    "JoinKey",
    "OrderKey",
    "Predicate",
    "QueryFacts",
    "Scope",
    "Star",
    "TableRef",
    "Window",
    "facts",
    "queries",
    "query_facts",
]
