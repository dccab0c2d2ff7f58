"""The query facts: plain frozen data about one DML statement (what the rules read).

One ``Scope`` per SELECT block, set operation or DML body; one ``TableRef`` per FROM item;
one ``Predicate`` per top-level conjunct restricting one table reference; one ``JoinKey``
per equality between two; ``OrderKey``/``Window``/``Star``/``ColumnProblem`` for ORDER BY,
windows, star projections and names that do not resolve.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqllint.analysis.expressions import expr_key
from sqllint.catalog.model import Table

# Predicate kinds (Predicate.op).
EQ, IN, RANGE, IS_NULL, NOT_NULL, BOOL = "eq", "in", "range", "is-null", "not-null", "bool"
LIKE_PREFIX, LIKE_INFIX, LIKE_PARAM = "like-prefix", "like-infix", "like-param"
JSONB_CONTAINS, JSONB_KEY, JSONB_PATH = "jsonb-contains", "jsonb-key", "jsonb-path"
ARRAY_OP, FTS, NEQ, OTHER = "array-op", "fts", "neq", "other"

SYSTEM_COLUMNS = frozenset({"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid"})

AGGREGATES = frozenset(
    """count sum avg min max array_agg string_agg bool_and bool_or every json_agg jsonb_agg
    json_object_agg jsonb_object_agg json_objectagg json_arrayagg stddev stddev_pop
    stddev_samp variance var_pop var_samp percentile_cont percentile_disc mode bit_and bit_or
    bit_xor xmlagg regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx
    regr_sxy regr_syy corr covar_pop covar_samp any_value range_agg range_intersect_agg
    rank dense_rank percent_rank cume_dist""".split()
)


@dataclass(frozen=True)
class TableRef:
    """One FROM item (or DML target) of a scope."""

    index: int
    scope: int
    kind: str  # "table" (a catalog relation or an unknown one), "cte", "subquery", "function"
    name: str
    schema: str | None
    alias: str
    location: int
    table: Table | None = None  # the catalog relation; None for an unknown table
    columns: tuple[str, ...] | None = None  # known output columns; None: unknown
    target: bool = False  # UPDATE / DELETE / INSERT / MERGE target
    nullable: bool = False  # the inner side of an outer join
    source: int | None = None  # the scope a CTE or derived table reads from

    @property
    def unknown(self) -> bool:
        return self.kind == "table" and self.table is None


@dataclass(frozen=True)
class Predicate:
    """One conjunct of a WHERE / ON restricting one table reference."""

    ref: int
    op: str  # EQ, IN, RANGE, … (see the constants above)
    operator: str  # the SQL operator as written ("=", ">=", "@>", "~~", …)
    column: str | None  # the column when the predicate is on a plain column
    expr: str | None  # normalised key of the expression when it is on an expression
    columns: tuple[str, ...]  # columns of the table the left side reads
    value: str  # "const" | "param" | "runtime" | "none"
    consts: tuple[str, ...]  # constant values as SQL literals ('open', 42, true)
    location: int
    immutable: bool  # the left side could be an index expression
    jsonb: bool = False  # ``->>``/``#>>`` extraction
    source: str = "where"  # "where" | "join" | "view" (a view's own, see inline)
    node: Any = field(default=None, compare=False, repr=False)  # the left side's node
    conjunct: Any = field(default=None, compare=False, repr=False)

    @cached_property
    def key(self) -> str:
        """Normalised key of the whole conjunct (for partial-index implication only)."""
        return expr_key(self.conjunct)

    @property
    def sargable(self) -> bool:
        """Usable by an index on the plain column (no function, cast or arithmetic)."""
        return self.expr is None


@dataclass(frozen=True)
class JoinKey:
    """``a.x = b.y`` between two table references (``outer``: b is an outer query's)."""

    left: int
    left_column: str
    right: int
    right_column: str
    location: int
    outer: bool = False


@dataclass(frozen=True)
class OrderKey:
    ref: int | None
    column: str | None
    expr: str | None
    descending: bool
    location: int
    nulls: str = ""  # "first" / "last" when written


@dataclass(frozen=True)
class Window:
    name: str
    location: int
    partition: tuple[OrderKey, ...]
    order: tuple[OrderKey, ...]


@dataclass(frozen=True)
class Star:
    location: int
    refs: tuple[int, ...]  # the table references the star expands over
    qualified: bool


@dataclass(frozen=True)
class ColumnProblem:
    kind: str  # "unknown-column" | "unknown-qualifier"
    qualifier: str | None
    column: str
    location: int
    ref: int | None = None


@dataclass(frozen=True)
class Scope:
    """A SELECT block, a set operation, or the body of a DML statement."""

    index: int
    kind: str  # "select" | "setop" | "values" | "update" | "delete" | "insert" | "merge"
    parent: int | None
    context: str  # "top" | "cte" | "from" | "lateral" | "exists" | "in" | "scalar" | "arm" …
    location: int
    refs: tuple[int, ...] = ()
    order: tuple[OrderKey, ...] = ()
    limit: bool = False
    limit_location: int = -1
    offset: int | None = None  # a constant OFFSET
    offset_param: bool = False
    offset_location: int = -1
    aggregate: bool = False
    group_by: bool = False
    distinct: bool = False
    windows: tuple[Window, ...] = ()
    where: bool = False
    stars: tuple[Star, ...] = ()
    into: bool = False
    children: tuple[int, ...] = ()


@dataclass(frozen=True)
class QueryFacts:
    kind: str  # "select" | "update" | "delete" | "insert" | "merge" | ""
    tables: tuple[TableRef, ...] = ()
    scopes: tuple[Scope, ...] = ()
    predicates: tuple[Predicate, ...] = ()
    joins: tuple[JoinKey, ...] = ()
    problems: tuple[ColumnProblem, ...] = ()
    embedded: bool = False  # from a function body: bare names may be its variables

    @property
    def root(self) -> Scope | None:
        return self.scopes[0] if self.scopes else None

    def refs(self, scope: Scope) -> Iterator[TableRef]:
        for i in scope.refs:
            yield self.tables[i]

    def predicates_of(self, ref: int) -> tuple[Predicate, ...]:
        return tuple(p for p in self.predicates if p.ref == ref)

    def joins_of(self, ref: int) -> Iterator[tuple[str, int, str, JoinKey]]:
        """(column of ``ref``, other ref, other column, key) for every join key of ``ref``."""
        for j in self.joins:
            if j.left == ref:
                yield j.left_column, j.right, j.right_column, j
            elif j.right == ref:
                yield j.right_column, j.left, j.left_column, j


EMPTY = QueryFacts(kind="")
