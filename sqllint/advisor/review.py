"""One review per query: for every table read, what is served and which index would help.

The index rules (SL103–SL108) read these reviews instead of re-deriving index logic;
the review of a statement is computed once per run (``Context.cache``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqllint import analysis
from sqllint.advisor.serve import (
    PINNING,
    join_served,
    key_ident,
    order_served,
    pred_ident,
    served_predicates,
    unique_pinned,
)
from sqllint.advisor.suggest import IndexRequest, low_cardinality, suggest
from sqllint.analysis import facts as query_facts_of
from sqllint.analysis.model import (
    BOOL,
    EQ,
    IN,
    IS_NULL,
    JSONB_CONTAINS,
    JSONB_KEY,
    JSONB_PATH,
    LIKE_PREFIX,
    RANGE,
    JoinKey,
    OrderKey,
    Predicate,
    QueryFacts,
    Scope,
    TableRef,
)
from sqllint.catalog.model import Catalog, Index, Table
from sqllint.model import Statement, build

if TYPE_CHECKING:
    from sqllint.context import Context

# Predicates a btree on the column (or an expression index) evaluates.
BTREE_OPS = frozenset({EQ, IN, RANGE, IS_NULL, BOOL, LIKE_PREFIX})
JSONB_OPS = frozenset({JSONB_CONTAINS, JSONB_KEY, JSONB_PATH})


@dataclass(frozen=True)
class RefReview:
    """What the query asks of one table it reads, and what the indexes answer."""

    ref: TableRef
    table: Table
    scope: Scope
    indexes: tuple[Index, ...]
    preds: tuple[Predicate, ...]
    served: tuple[Index | None, ...]  # per predicate: the index evaluating it
    probes: tuple[tuple[str, JoinKey], ...]  # (column of this table, key): probed joins
    probe_index: Index | None  # an index serving one of the probes
    order: tuple[OrderKey, ...]  # the scope's ORDER BY, when all on this table
    order_wanted: bool  # no index delivers it and it costs: SL108
    order_useful: bool  # a suggested index should deliver it (there is a LIMIT)
    order_served: bool
    small: bool

    @property
    def filter_served(self) -> bool:
        return any(i is not None for i in self.served) or self.probe_index is not None

    @property
    def narrowed(self) -> bool:
        """An index already narrows this table to a few rows: an equality on the leading
        key of a unique index (or the table is probed through an indexed join key). A
        leftover filter is then checked on those rows; no index for it would be used.
        (An equality on another selective column, or a range even one a partial index
        serves, is not counted: the planner combines a second index with it when the
        leftover filter is as selective, and the data decides.)"""
        for p, index in zip(self.preds, self.served, strict=True):
            if index is None or not index.keys:
                continue
            if (index.unique or index.primary) and p.op == EQ \
                    and p.value in ("const", "param") and key_ident(index.keys[0]) == pred_ident(p):
                return True
            if index.predicate is not None and p.op == RANGE and _bounded_range(p, self.preds):
                return True  # a window of a partial index's rows (the events)
        return self.probe_index is not None

    def keyed_join(self, facts: QueryFacts) -> bool:
        """Joined on a unique key of this table: the planner can reach its rows through
        that key, one per row of the other side."""
        return any(unique_pinned(self.indexes, (Predicate(
            self.ref.index, EQ, "=", col, None, (col,), "param", (), -1, True),), self.table)
            for col, _, _, _ in facts.joins_of(self.ref.index))

    def btree_preds(self) -> list[Predicate]:
        """Predicates an index on a plain column or an IMMUTABLE expression could serve."""
        return [p for p in self.preds
                if p.op in BTREE_OPS and p.value not in ("self", "none") and p.source != "view"
                and (p.expr is None or p.immutable)]

    def served_by(self, pred: Predicate) -> Index | None:
        for p, index in zip(self.preds, self.served, strict=True):
            if p is pred:
                return index
        return None


@dataclass(frozen=True)
class QueryReview:
    stmt: Statement
    facts: QueryFacts
    refs: tuple[RefReview, ...]
    catalog: Catalog

    def request(self, review: RefReview, *, with_order: bool | None = None) -> \
            IndexRequest | None:
        """The btree index that would serve ``review``'s filter, probes (and order)."""
        use_order = (review.order_wanted or review.order_useful) if with_order is None \
            else with_order
        preds: Sequence[Predicate] = review.btree_preds()
        order: tuple[OrderKey, ...] = review.order if use_order else ()
        if order and with_order:
            first = order[0]
            preds = [p for p in preds if p.op != RANGE or pred_ident(p) == pred_ident(first)]
        probes = [col for col, _ in review.probes]
        return suggest(review.table, self.stmt.sql, preds, join_columns=probes, order=order)


def review(ctx: Context, stmt: Statement) -> QueryReview:
    memo: dict[int, QueryReview] | None = ctx.cache.get(_REVIEWS)
    if memo is None:
        memo = ctx.cache[_REVIEWS] = {}
    cached = memo.get(id(stmt))
    if cached is not None:
        return cached
    facts = query_facts_of(ctx, stmt)
    catalog = ctx.catalog if stmt.origin.startswith("function ") else ctx.catalog_at(stmt)
    result = build(QueryReview, stmt=stmt, facts=facts,
                   refs=tuple(_review_refs(ctx, facts, catalog)), catalog=catalog)
    memo[id(stmt)] = result
    return result


_REVIEWS = "advisor:reviews"  # ``Context.cache``: id(statement) → its review


def _review_refs(ctx: Context, facts: QueryFacts, catalog: Catalog) -> list[RefReview]:
    out: list[RefReview] = []
    if not facts.tables:
        return out
    preds_by_ref: dict[int, list[Predicate]] = {}
    for p in facts.predicates:
        preds_by_ref.setdefault(p.ref, []).append(p)
    served_cache: dict[int, tuple[Index | None, ...]] = {}
    indexes_of: dict[int, tuple[Index, ...]] = {}
    for ref in facts.tables:
        if ref.table is None or ref.table.kind not in ("table", "matview"):
            continue
        indexes_of[ref.index] = catalog.indexes_on(ref.table.qualified)
        preds = tuple(preds_by_ref.get(ref.index, []))
        hits = served_predicates(indexes_of[ref.index], preds, ref.table) if preds else {}
        served_cache[ref.index] = tuple(hits.get(i) for i in range(len(preds)))
    probes = _probes(facts, preds_by_ref, served_cache, indexes_of)
    for ref in facts.tables:
        if ref.index not in indexes_of:
            continue
        table = ref.table
        assert table is not None
        indexes = indexes_of[ref.index]
        preds = tuple(preds_by_ref.get(ref.index, []))
        scope = facts.scopes[ref.scope]
        my_probes = tuple(probes.get(ref.index, []))
        probe_index = None
        for col, _ in my_probes:
            probe_index = join_served(indexes, col, preds, table)
            if probe_index is not None:
                break
        order, wanted, useful = _order_for(facts, scope, ref, preds, table)
        if my_probes:
            # Read once per row of the other side: no index on it delivers the order.
            order, wanted, useful = (), False, False
        served_order = order_served(indexes, preds, order, table) if order else True
        out.append(build(
            RefReview,
            ref=ref, table=table, scope=scope, indexes=indexes, preds=preds,
            served=served_cache[ref.index], probes=my_probes, probe_index=probe_index,
            order=order, order_wanted=wanted, order_useful=useful,
            order_served=served_order,
            small=ctx.config.table_size(table.qualified) == "small",
        ))
    return out


def _probes(facts: QueryFacts, preds_by_ref: dict[int, list[Predicate]],
            served: dict[int, tuple[Index | None, ...]],
            indexes_of: dict[int, tuple[Index, ...]]) -> dict[int, list[tuple[str, JoinKey]]]:
    """For every join key, the side a nested loop would probe.

    The outer (driving) side is the one restricted to a few rows: by an equality on a
    selective column (indexed or not), by an indexed filter, by a LIMIT without ORDER
    BY, or a side that is no table of the catalog (a subquery, a function, a view's
    result). The other side is probed once per outer row.
    """
    out: dict[int, list[tuple[str, JoinKey]]] = {}
    tables = facts.tables

    def driver(ref: int) -> bool:
        return any(i is not None for i in served.get(ref, ()))

    def restricted(ref: TableRef) -> bool:
        if driver(ref.index):
            return True
        table = ref.table
        return table is not None and any(
            p.op in (EQ, IN) and p.value in ("const", "param") and p.column is not None
            and not low_cardinality(table, p) for p in preds_by_ref.get(ref.index, ()))

    def bounded(ref: TableRef) -> bool:
        scope = facts.scopes[ref.scope]
        return scope.limit and not scope.order and scope.kind == "select"

    def drives(ref: TableRef) -> bool:
        """Few rows come from ``ref``."""
        return not _probeable(ref) or restricted(ref) or bounded(ref)

    for j in facts.joins:
        a, b = tables[j.left], tables[j.right]
        if j.outer:
            probed, col = a, j.left_column
        elif not _probeable(a) and _probeable(b):
            probed, col = b, j.right_column
        elif not _probeable(b) and _probeable(a):
            probed, col = a, j.left_column
        elif b.nullable and not a.nullable:
            probed, col = b, j.right_column
        elif a.nullable and not b.nullable:
            probed, col = a, j.left_column
        elif restricted(a) != restricted(b):
            probed, col = (b, j.right_column) if restricted(a) else (a, j.left_column)
        elif driver(a.index) != driver(b.index):
            probed, col = (b, j.right_column) if driver(a.index) else (a, j.left_column)
        else:
            a_ok = _probe_ok(a, j.left_column, preds_by_ref, indexes_of)
            b_ok = _probe_ok(b, j.right_column, preds_by_ref, indexes_of)
            if a_ok or b_ok:
                continue  # a nested loop can probe the indexed side
            probed, col = (b, j.right_column) if b.index > a.index else (a, j.left_column)
        other = b if probed is a else a
        if not j.outer and not drives(other):
            continue  # both sides are read in full: a hash join, not a probe
        if probed.index in indexes_of:
            out.setdefault(probed.index, []).append((col, j))
    return out


def weak_range(pred: Predicate, preds: Sequence[Predicate]) -> bool:
    """A range no index would be used for: an upper bound from the clock alone
    (``ts < now() - interval '1 year'``), which selects the old rows, most of them.
    (A one-sided ``$n`` range is not one: PostgreSQL guesses a third of the table, and
    on a time-ordered column an index scan of a third is still cheaper.)"""
    return pred.op == RANGE and pred.value == "runtime" and pred.operator in ("<", "<=") \
        and not _bounded_range(pred, preds)


def _bounded_range(pred: Predicate, preds: Sequence[Predicate]) -> bool:
    """Bounded on both sides (``BETWEEN``, or ``>=`` and ``<`` on the same column)."""
    if pred.operator == "BETWEEN":
        return True
    lower = pred.operator in (">", ">=")
    ident = pred_ident(pred)
    return any(q.op == RANGE and q is not pred and pred_ident(q) == ident
               and q.operator in ((">", ">=") if not lower else ("<", "<="))
               for q in preds)


def _probeable(ref: TableRef) -> bool:
    """A table (or materialized view) of the catalog, which an index could serve."""
    return ref.table is not None and ref.table.kind in ("table", "matview")


def _probe_ok(ref: TableRef, column: str, preds_by_ref: dict[int, list[Predicate]],
              indexes_of: dict[int, tuple[Index, ...]]) -> bool:
    if ref.table is None or ref.index not in indexes_of:
        return True
    return join_served(indexes_of[ref.index], column, preds_by_ref.get(ref.index, []),
                       ref.table) is not None


def _order_for(facts: QueryFacts, scope: Scope, ref: TableRef, preds: Sequence[Predicate],
               table: Table) -> tuple[tuple[OrderKey, ...], bool, bool]:
    """The scope's ORDER BY if it is all on ``ref``; (order, wanted, useful).

    Wanted (worth a finding): no selective equality filter (which leaves few rows to
    sort), and either a LIMIT or a filter on low-cardinality columns only (many rows
    to sort). Useful (worth keys in a suggested index): there is a LIMIT.
    """
    if not scope.order or scope.kind != "select" or scope.aggregate or scope.group_by \
            or scope.distinct:
        return (), False, False
    if any(o.ref != ref.index or (o.column is None and o.expr is None) for o in scope.order):
        return (), False, False
    if scope.context != "top" and not scope.limit:
        return (), False, False
    eqs = [p for p in preds if (p.op in PINNING or p.op == IN)
           and p.value not in ("self", "none")]
    selective = any(not low_cardinality(table, p) for p in eqs)
    wanted = not selective and (scope.limit or bool(eqs))
    return scope.order, wanted, scope.limit


def pred_start(pred: Predicate) -> int:
    """Where the predicate's left side starts (A_Expr locations point at the operator)."""
    from sqllint.sqltext import node_location

    start = node_location(pred.node) if pred.node is not None else None
    return pred.location if start is None else min(start, pred.location)


def pred_text(stmt: Statement, table: Table, pred: Predicate) -> str:
    """``vms.state`` for a column, ``lower(users.email)`` for an expression."""
    if pred.column is not None:
        return f"{table.display}.{pred.column}"
    from sqllint.advisor.suggest import expression_text

    text = expression_text(stmt.sql, pred)
    for col in pred.columns:
        text = _qualify(text, col, table.display)
    return text or f"{table.display}.{'/'.join(pred.columns)}"


def _qualify(text: str, column: str, table: str) -> str:
    import re

    from sqllint.sqltext import quote_ident

    needle = quote_ident(column)
    return re.sub(rf"(?<![\w.\"']){re.escape(needle)}(?![\w(\"'])",
                  lambda _: f"{table}.{needle}", text, count=1)


def table_reviews(ctx: Context, stmt: Statement) -> tuple[tuple[Statement, QueryReview,
                                                                   RefReview], ...]:
    """(query, its review, one table reference's review) for every table every query of
    ``stmt`` reads: what the index rules walk (made once for all of them). None for a
    statement with an interpolated identifier (SL004): an index on the column it names
    may serve what looks unserved."""
    memo: dict[int, tuple[tuple[Statement, QueryReview, RefReview], ...]] | None = \
        ctx.cache.get(_TABLE_REVIEWS)
    if memo is None:
        memo = ctx.cache[_TABLE_REVIEWS] = {}
    found = memo.get(id(stmt))
    if found is None:
        found = memo[id(stmt)] = () if stmt.dynamic else tuple(
            (query, qr, r) for query in analysis.queries(ctx, stmt)
            for qr in (review(ctx, query),) for r in qr.refs)
    return found


_TABLE_REVIEWS = "advisor:table-reviews"  # ``Context.cache``: id(statement) → its reviews
