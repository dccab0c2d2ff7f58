"""Which statements are queries, and their facts, computed once per run.

A query is a ``kind == "query"`` statement, or a query inside the body of a
``CREATE FUNCTION`` (PL/pgSQL, SQL or BEGIN ATOMIC) or a ``DO`` block in any file: those
(found by ``sqllint.sources.bodies``) are extra ``Statement``s located inside the body, so
findings point at the right line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqllint.analysis.facts import EMPTY, QueryFacts, query_facts
from sqllint.model import Statement
from sqllint.sources.bodies import body_statements, read_bodies
from sqllint.sqltext import node_location

if TYPE_CHECKING:
    from sqllint.context import Context

_QUERY_NODES = frozenset({"SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt",
                          "MergeStmt"})
_BODIES = frozenset({"CreateFunctionStmt", "DoStmt"})
# ``ctx.cache`` key of a facts memo that outlives one run (``check_project(memo=…)``).
SHARED_FACTS = "analysis:shared-facts"
_QUERIES = "analysis:queries"  # ``ctx.cache``: id(statement) → the queries it runs
_FACTS = "analysis:facts"  # ``ctx.cache``: id(query) → its facts


def queries(ctx: Context, stmt: Statement) -> tuple[Statement, ...]:
    """The queries ``stmt`` runs: itself (a query), or those in its function body."""
    # Asked by every rule of every statement: a lookup, no allocation, when known.
    memo: dict[int, tuple[Statement, ...]] | None = ctx.cache.get(_QUERIES)
    if memo is None:
        memo = ctx.cache[_QUERIES] = {}
    found = memo.get(id(stmt))
    if found is not None:
        return found
    out: tuple[Statement, ...] = ()
    if stmt.node is not None:
        kind = stmt.node_type
        if kind in _QUERY_NODES and stmt.kind == "query":
            out = (stmt,)
        elif kind in _BODIES:
            out = tuple(embedded_statements(stmt, ctx.cache))
    memo[id(stmt)] = out
    return out


def embedded_statements(stmt: Statement,
                        cache: dict[str, Any] | None = None) -> Iterator[Statement]:
    """The queries of a CREATE FUNCTION / DO statement's body (none for other statements):
    not those run by EXECUTE (their text is built at run time). ``cache``: the run's
    ``Context.cache``, where the body is read once for every rule."""
    bodies = body_statements(stmt) if cache is None else read_bodies(cache, stmt)
    for body in bodies:
        if body.dynamic or body.source == "execute" or body.stmt.node_type not in _QUERY_NODES:
            continue
        yield replace(body.stmt, kind="query", origin=body.origin)


def facts(ctx: Context, stmt: Statement) -> QueryFacts:
    """The facts of a query statement (cached; ``EMPTY`` for anything else)."""
    memo: dict[int, QueryFacts] | None = ctx.cache.get(_FACTS)
    if memo is None:
        memo = ctx.cache[_FACTS] = {}
    found = memo.get(id(stmt))
    if found is not None:
        return found
    if stmt.node is None:
        result = EMPTY
    else:
        embedded = stmt.origin.startswith("function ")
        catalog = ctx.catalog if embedded else ctx.catalog_at(stmt)
        # Across runs (an editor session): the same text against the same catalog has
        # the same facts, whatever its position (facts hold offsets into the text).
        function = stmt.origin.removeprefix("function ") if embedded else None
        shared: dict[tuple[str, bool, str | None, int | None], tuple[Any, QueryFacts]] \
            | None = ctx.cache.get(SHARED_FACTS)
        known = None
        if shared is not None:
            # The queries of a BEGIN ATOMIC body share their function's text: where the
            # query starts in it tells them apart.
            key = (stmt.sql, embedded, function,
                   node_location(stmt.node) if embedded else None)
            known = shared.get(key)
        if known is not None and known[0] is catalog:
            result = known[1]
        else:
            result = query_facts(stmt.node, catalog, embedded=embedded, function=function)
            if shared is not None:
                shared[key] = (catalog, result)
    memo[id(stmt)] = result
    return result


def is_embedded(stmt: Statement) -> bool:
    return stmt.origin.startswith("function ")
