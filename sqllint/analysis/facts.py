"""Query facts: what one DML statement reads, filters, joins, orders, limits and projects.

Built from pglast's JSON tree, one walk per statement. Every SELECT block (and the body
of an UPDATE, DELETE, INSERT or MERGE) is a ``Scope``; every FROM item a ``TableRef``
resolved through aliases, CTEs (recursive too), derived tables and LATERAL; every
top-level conjunct of a WHERE or JOIN … ON a ``Predicate`` on one table reference, or a
``JoinKey`` between two. Any node shape is tolerated: what is not understood is skipped,
never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqllint.catalog.model import Catalog, Table

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

_RANGE_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}
_RUNTIME = {"FuncCall", "SQLValueFunction", "SubLink", "ColumnRef", "CoalesceExpr",
            "CaseExpr", "MinMaxExpr", "A_Indirection", "RowExpr", "GroupingFunc"}


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
    source: str = "where"  # "where" | "join"
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


def query_facts(node: dict[str, Any] | None, catalog: Catalog, *,
                embedded: bool = False) -> QueryFacts:
    """The facts of one statement's pglast JSON tree (``Statement.node``)."""
    if not node:
        return EMPTY
    kind = next(iter(node))
    builder = _Builder(catalog, embedded)
    inner = node[kind]
    if not isinstance(inner, dict):
        return EMPTY
    if kind == "SelectStmt":
        builder.select(inner, None, "top", {})
        fkind = "select"
    elif kind in ("UpdateStmt", "DeleteStmt", "InsertStmt", "MergeStmt"):
        builder.dml(kind, inner, {})
        fkind = kind[:-4].lower()
    elif kind == "ExplainStmt" or kind in ("CreateTableAsStmt", "ViewStmt", "DeclareCursorStmt"):
        return query_facts(inner.get("query"), catalog, embedded=embedded)
    else:
        return EMPTY
    return builder.freeze(fkind)


# ---------------------------------------------------------------------------------------
# Normalised expression keys (shared with the advisor: index expressions use the same).


def expr_key(node: Any) -> str:
    """A key equal for two expressions that differ only in qualifiers and positions."""
    out: list[str] = []
    _key_into(node, out)
    return "".join(out)


def _key_into(node: Any, out: list[str]) -> None:
    if isinstance(node, dict):
        if "ColumnRef" in node and len(node) == 1:
            fields = node["ColumnRef"].get("fields") or []
            out.append("col:" + (_sval(fields[-1]) if fields else ""))
            return
        if "TypeCast" in node and len(node) == 1:
            cast = node["TypeCast"]
            out.append("cast(")
            _key_into(cast.get("arg"), out)
            out.append("," + _type_text(cast.get("typeName") or {}) + ")")
            return
        out.append("{")
        for k in sorted(node):
            if k == "location":
                continue
            out.append(k + ":")
            _key_into(node[k], out)
            out.append(",")
        out.append("}")
    elif isinstance(node, list):
        out.append("[")
        for item in node:
            _key_into(item, out)
            out.append(",")
        out.append("]")
    else:
        out.append(repr(node))


def _type_text(type_node: dict[str, Any]) -> str:
    names = [_sval(n) for n in type_node.get("names") or []]
    if names and names[0] == "pg_catalog":
        names = names[1:]
    return ".".join(names) + ("[]" if type_node.get("arrayBounds") else "")


def _sval(node: Any) -> str:
    if isinstance(node, dict):
        inner = node.get("String")
        if isinstance(inner, dict):
            return str(inner.get("sval", ""))
        if "A_Star" in node:
            return "*"
    return ""


def const_text(node: Any) -> str | None:
    """The SQL literal of a constant node (``'open'``, ``42``, ``'x'::text``), else None."""
    if not isinstance(node, dict):
        return None
    if "A_Const" in node:
        c = node["A_Const"]
        if c.get("isnull"):
            return "NULL"
        if "sval" in c:
            s = str((c["sval"] or {}).get("sval", ""))
            return "'" + s.replace("'", "''") + "'"
        if "ival" in c:
            return str((c["ival"] or {}).get("ival", 0))
        if "fval" in c:
            return str((c["fval"] or {}).get("fval", "0"))
        if "boolval" in c:
            return "true" if (c["boolval"] or {}).get("boolval") else "false"
        if "bsval" in c:
            return None
        return None
    if "TypeCast" in node:
        cast = node["TypeCast"]
        inner = const_text(cast.get("arg"))
        type_node = cast.get("typeName") or {}
        tname = _type_text(type_node)
        if inner is None or not re.fullmatch(r"[a-z_][a-z0-9_ .]*(\[\])?", tname):
            return None
        if type_node.get("typmods"):
            return None
        return f"{inner}::{tname}"
    return None


def _literal_value(text: str) -> str:
    """A constant's value without casts or quotes, for comparing two constants."""
    base = text.split("::", 1)[0]
    if base.startswith("'") and base.endswith("'"):
        return base[1:-1].replace("''", "'")
    return base


def same_constant(a: str, b: str) -> bool:
    return _literal_value(a) == _literal_value(b)


def numeric(text: str) -> float | None:
    try:
        return float(_literal_value(text))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------
# The walk.


class _Env:
    """Name resolution for one scope: its FROM items, then the enclosing scopes'."""

    __slots__ = ("aliases", "ctes", "outputs", "parent", "refs", "scope")

    def __init__(self, scope: int, parent: _Env | None, ctes: dict[str, tuple[str, ...] | None]):
        self.scope = scope
        self.parent = parent
        self.ctes = ctes
        self.aliases: dict[str, int] = {}
        self.refs: list[int] = []
        self.outputs: frozenset[str] = frozenset()


@dataclass
class _ScopeDraft:
    index: int
    kind: str
    parent: int | None
    context: str
    location: int
    refs: list[int] = field(default_factory=list)
    order: tuple[OrderKey, ...] = ()
    limit: bool = False
    limit_location: int = -1
    offset: int | None = None
    offset_param: bool = False
    offset_location: int = -1
    aggregate: bool = False
    group_by: bool = False
    distinct: bool = False
    windows: list[Window] = field(default_factory=list)
    where: bool = False
    stars: list[Star] = field(default_factory=list)
    into: bool = False
    children: list[int] = field(default_factory=list)


class _Builder:
    def __init__(self, catalog: Catalog, embedded: bool) -> None:
        self.catalog = catalog
        self.embedded = embedded
        self.tables: list[TableRef] = []
        self.scopes: list[_ScopeDraft] = []
        self.predicates: list[Predicate] = []
        self.joins: list[JoinKey] = []
        self.problems: list[ColumnProblem] = []
        # id(ColumnRef dict) → (ref index, column, depth: 0 own scope, >0 outer)
        self.resolved: dict[int, tuple[int, str, int]] = {}
        self.cte_scopes: dict[str, int] = {}
        self.depth = 0

    def freeze(self, kind: str) -> QueryFacts:
        scopes = tuple(
            Scope(index=s.index, kind=s.kind, parent=s.parent, context=s.context,
                  location=s.location, refs=tuple(s.refs), order=s.order, limit=s.limit,
                  limit_location=s.limit_location, offset=s.offset,
                  offset_param=s.offset_param, offset_location=s.offset_location,
                  aggregate=s.aggregate, group_by=s.group_by, distinct=s.distinct,
                  windows=tuple(s.windows), where=s.where, stars=tuple(s.stars),
                  into=s.into, children=tuple(s.children))
            for s in self.scopes
        )
        return QueryFacts(kind=kind, tables=tuple(self.tables), scopes=scopes,
                          predicates=tuple(self.predicates), joins=tuple(self.joins),
                          problems=tuple(self.problems), embedded=self.embedded)

    # -- scopes -------------------------------------------------------------------------

    def _new_scope(self, kind: str, parent: int | None, context: str, location: int) -> int:
        index = len(self.scopes)
        self.scopes.append(_ScopeDraft(index, kind, parent, context, location))
        if parent is not None:
            self.scopes[parent].children.append(index)
        return index

    def _with(self, with_clause: Any, parent_env: _Env | None, scope: int | None,
              ctes: dict[str, tuple[str, ...] | None]) -> dict[str, tuple[str, ...] | None]:
        if not isinstance(with_clause, dict):
            return ctes
        out = dict(ctes)
        recursive = bool(with_clause.get("recursive"))
        for item in with_clause.get("ctes") or []:
            cte = item.get("CommonTableExpr") if isinstance(item, dict) else None
            if not cte:
                continue
            name = str(cte.get("ctename", ""))
            alias_cols = tuple(_sval(c) for c in cte.get("aliascolnames") or [])
            query = cte.get("ctequery") or {}
            if recursive:
                # The recursive arm reads the CTE itself: its columns are those of the
                # non-recursive arm (or the alias list).
                out[name] = alias_cols or _output_names(_first_arm(query))
            env_ctes = out
            self.cte_scopes[name] = len(self.scopes)
            cols = self._subquery(query, parent_env, scope, "cte", env_ctes)
            out[name] = alias_cols or cols
        return out

    def _subquery(self, node: Any, env: _Env | None, parent_scope: int | None, context: str,
                  ctes: dict[str, tuple[str, ...] | None]) -> tuple[str, ...] | None:
        """Analyse a nested statement; its output column names (None when unknown)."""
        if not isinstance(node, dict) or not node:
            return None
        kind = next(iter(node))
        inner = node[kind]
        if not isinstance(inner, dict):
            return None
        self.depth += 1
        try:
            if self.depth > 60:
                return None
            if kind == "SelectStmt":
                return self.select(inner, env, context, ctes, parent_scope)
            if kind in ("UpdateStmt", "DeleteStmt", "InsertStmt", "MergeStmt"):
                self.dml(kind, inner, ctes, env, parent_scope, context)
                return _returning_names(inner)
        finally:
            self.depth -= 1
        return None

    def select(self, node: dict[str, Any], outer: _Env | None, context: str,
               ctes: dict[str, tuple[str, ...] | None],
               parent_scope: int | None = None) -> tuple[str, ...] | None:
        location = _loc(node)
        op = node.get("op", "SETOP_NONE")
        if op and op != "SETOP_NONE":
            index = self._new_scope("setop", parent_scope, context, location)
            ctes = self._with(node.get("withClause"), outer, index, ctes)
            left = self._subquery({"SelectStmt": node.get("larg") or {}}, outer, index, "arm",
                                  ctes)
            self._subquery({"SelectStmt": node.get("rarg") or {}}, outer, index, "arm", ctes)
            env = _Env(index, outer, ctes)
            env.outputs = frozenset(left or ())
            self._tail(node, env, index)
            return left
        kind = "values" if node.get("valuesLists") else "select"
        index = self._new_scope(kind, parent_scope, context, location)
        ctes = self._with(node.get("withClause"), outer, index, ctes)
        env = _Env(index, outer, ctes)
        draft = self.scopes[index]
        draft.into = node.get("intoClause") is not None
        for item in node.get("fromClause") or []:
            self._from_item(item, env, index)
        targets = node.get("targetList") or []
        names = _output_names_list(targets)
        env.outputs = frozenset(n for n in names if n)
        for values in node.get("valuesLists") or []:
            self._expr(values, env, index, "values")
        where = node.get("whereClause")
        if where is not None:
            draft.where = True
            self._expr(where, env, index, "where")
            self._conjuncts(where, env, index, "where")
        for target in targets:
            res = target.get("ResTarget") if isinstance(target, dict) else None
            if res is None:
                continue
            val = res.get("val")
            if isinstance(val, dict) and "ColumnRef" in val:
                fields = val["ColumnRef"].get("fields") or []
                if fields and isinstance(fields[-1], dict) and "A_Star" in fields[-1]:
                    self._star(fields, val["ColumnRef"], env, index)
                    continue
            self._expr(val, env, index, "target")
        if node.get("groupClause"):
            draft.group_by = True
            self._expr(node.get("groupClause"), env, index, "group")
        if node.get("havingClause") is not None:
            draft.aggregate = True
            self._expr(node.get("havingClause"), env, index, "having")
        if node.get("distinctClause") is not None:
            draft.distinct = True
            self._expr(node.get("distinctClause"), env, index, "group")
        named = {}
        for win in node.get("windowClause") or []:
            wdef = win.get("WindowDef") if isinstance(win, dict) else None
            if wdef:
                named[str(wdef.get("name", ""))] = wdef
                self._expr(wdef.get("partitionClause"), env, index, "window")
                self._expr(wdef.get("orderClause"), env, index, "window")
        if draft.windows and named:
            draft.windows = [self._named_window(w, named, env) for w in draft.windows]
        self._tail(node, env, index)
        return tuple(names) if all(names) else None

    def _tail(self, node: dict[str, Any], env: _Env, index: int) -> None:
        """ORDER BY, LIMIT/FETCH, OFFSET of a SELECT or a set operation."""
        draft = self.scopes[index]
        sort = node.get("sortClause") or []
        if sort:
            self._expr(sort, env, index, "order")
            draft.order = tuple(self._order_keys(sort, env, node.get("targetList") or []))
        count = node.get("limitCount")
        if count is not None and not _is_null_const(count):
            draft.limit = True
            draft.limit_location = _loc(count, _loc(node))
            self._expr(count, env, index, "limit")
        offset = node.get("limitOffset")
        if offset is not None:
            draft.offset_location = _loc(offset, _loc(node))
            text = const_text(offset)
            if text is not None and text.lstrip("-").isdigit():
                draft.offset = int(text)
            elif _has(offset, "ParamRef") or _has(offset, "ColumnRef"):
                draft.offset_param = True
            self._expr(offset, env, index, "limit")

    def _named_window(self, win: Window, named: dict[str, Any], env: _Env) -> Window:
        if win.partition or win.order:
            return win
        wdef = named.get(win.name.split(":", 1)[-1])
        if not wdef:
            return win
        return Window(win.name.split(":", 1)[0], win.location,
                      tuple(self._order_keys(wdef.get("partitionClause") or [], env, [])),
                      tuple(self._order_keys(wdef.get("orderClause") or [], env, [])))

    def dml(self, kind: str, node: dict[str, Any], ctes: dict[str, tuple[str, ...] | None],
            outer: _Env | None = None, parent_scope: int | None = None,
            context: str = "top") -> None:
        scope_kind = kind[:-4].lower()
        index = self._new_scope(scope_kind, parent_scope, context, _loc(node))
        ctes = self._with(node.get("withClause"), outer, index, ctes)
        env = _Env(index, outer, ctes)
        draft = self.scopes[index]
        rel = node.get("relation")
        target = self._range_var(rel, env, index, target=True) if isinstance(rel, dict) else None
        if kind == "InsertStmt":
            for col in node.get("cols") or []:
                res = col.get("ResTarget") if isinstance(col, dict) else None
                if res and target is not None:
                    self._target_column(target, str(res.get("name", "")), _loc(res))
            self._subquery(node.get("selectStmt"), outer, index, "insert", ctes)
            conflict = node.get("onConflictClause")
            if isinstance(conflict, dict) and target is not None:
                infer = conflict.get("infer") or {}
                for elem in infer.get("indexElems") or []:
                    ie = elem.get("IndexElem") if isinstance(elem, dict) else None
                    if ie and ie.get("name"):
                        self._target_column(target, str(ie["name"]), _loc(infer))
                    elif ie:
                        self._expr(ie.get("expr"), env, index, "where")
                self._expr(infer.get("whereClause"), env, index, "where")
                excluded = self._add_ref(TableRef(
                    len(self.tables), index, "table", self.tables[target].name,
                    self.tables[target].schema, "excluded", _loc(conflict),
                    self.tables[target].table, self.tables[target].columns), env, index)
                del excluded
                self._set_list(conflict.get("targetList"), target, env, index)
                self._expr(conflict.get("whereClause"), env, index, "where")
        elif kind == "UpdateStmt":
            for item in node.get("fromClause") or []:
                self._from_item(item, env, index)
            self._set_list(node.get("targetList"), target, env, index)
        elif kind == "DeleteStmt":
            for item in node.get("usingClause") or []:
                self._from_item(item, env, index)
        elif kind == "MergeStmt":
            source = node.get("sourceRelation")
            if isinstance(source, dict):
                self._from_item(source, env, index)
            cond = node.get("joinCondition")
            if cond is not None:
                self._expr(cond, env, index, "where")
                self._conjuncts(cond, env, index, "join")
            for when in node.get("mergeWhenClauses") or []:
                clause = when.get("MergeWhenClause") if isinstance(when, dict) else None
                if not clause:
                    continue
                self._expr(clause.get("condition"), env, index, "where")
                if clause.get("commandType") == "CMD_INSERT":
                    for col in clause.get("targetList") or []:
                        res = col.get("ResTarget") if isinstance(col, dict) else None
                        if res and target is not None and res.get("name"):
                            self._target_column(target, str(res["name"]), _loc(res))
                    self._expr(clause.get("values"), env, index, "target")
                else:
                    self._set_list(clause.get("targetList"), target, env, index)
        where = node.get("whereClause")
        if where is not None:
            draft.where = True
            self._expr(where, env, index, "where")
            self._conjuncts(where, env, index, "where")
        self._expr(node.get("returningList"), env, index, "target")

    def _set_list(self, targets: Any, target: int | None, env: _Env, index: int) -> None:
        for item in targets or []:
            res = item.get("ResTarget") if isinstance(item, dict) else None
            if not res:
                continue
            if target is not None and res.get("name"):
                self._target_column(target, str(res["name"]), _loc(res))
            self._expr(res.get("val"), env, index, "target")

    def _target_column(self, ref: int, column: str, location: int) -> None:
        cols = self.tables[ref].columns
        if cols is not None and column not in cols and column not in SYSTEM_COLUMNS:
            self.problems.append(ColumnProblem("unknown-column", self.tables[ref].alias,
                                               column, location, ref))

    # -- FROM ---------------------------------------------------------------------------

    def _add_ref(self, ref: TableRef, env: _Env, scope: int) -> int:
        self.tables.append(ref)
        env.aliases[ref.alias] = ref.index
        env.refs.append(ref.index)
        self.scopes[scope].refs.append(ref.index)
        return ref.index

    def _range_var(self, rv: dict[str, Any], env: _Env, scope: int, *,
                   target: bool = False, nullable: bool = False) -> int | None:
        inner = rv.get("RangeVar", rv)
        if not isinstance(inner, dict):
            return None
        name = str(inner.get("relname", ""))
        schema = inner.get("schemaname") or None
        alias_node = inner.get("alias") or {}
        alias = str(alias_node.get("aliasname") or name)
        alias_cols = tuple(_sval(c) for c in alias_node.get("colnames") or [])
        location = _loc(inner)
        if schema is None and name in env.ctes:
            cols = env.ctes[name]
            if cols is not None and alias_cols:
                cols = alias_cols + cols[len(alias_cols):]
            return self._add_ref(TableRef(len(self.tables), scope, "cte", name, None, alias,
                                          location, None, cols, target, nullable,
                                          self.cte_scopes.get(name)), env, scope)
        table = self._table(name, schema)
        cols2: tuple[str, ...] | None = None
        if table is not None and table.columns and not (
                table.kind in ("view", "matview") and "*" in (table.query or "")):
            cols2 = table.column_names
            if alias_cols:
                cols2 = alias_cols + cols2[len(alias_cols):]
        return self._add_ref(TableRef(len(self.tables), scope, "table", name, schema, alias,
                                      location, table, cols2, target, nullable), env, scope)

    def _table(self, name: str, schema: str | None) -> Table | None:
        if schema is None:
            temp = self.catalog.tables.get(f"pg_temp.{name}")  # pg_temp comes first
            if temp is not None:
                return temp
        return self.catalog.table(name, schema)

    def _from_item(self, item: Any, env: _Env, scope: int, nullable: bool = False) -> None:
        if not isinstance(item, dict) or not item:
            return
        kind = next(iter(item))
        node = item[kind]
        if not isinstance(node, dict):
            return
        if kind == "RangeVar":
            self._range_var(item, env, scope, nullable=nullable)
        elif kind == "JoinExpr":
            jt = node.get("jointype", "JOIN_INNER")
            self._from_item(node.get("larg"), env, scope,
                            nullable or jt in ("JOIN_RIGHT", "JOIN_FULL"))
            self._from_item(node.get("rarg"), env, scope,
                            nullable or jt in ("JOIN_LEFT", "JOIN_FULL"))
            using = [_sval(u) for u in node.get("usingClause") or []]
            if using:
                self._using(node, using, env)
            quals = node.get("quals")
            if quals is not None:
                self._expr(quals, env, scope, "where")
                self._conjuncts(quals, env, scope, "join")
            for key in ("alias", "join_using_alias"):
                alias = (node.get(key) or {}).get("aliasname")
                if alias:
                    env.aliases[str(alias)] = -1  # a join alias: columns not tracked
        elif kind == "RangeSubselect":
            lateral = bool(node.get("lateral"))
            alias_node = node.get("alias") or {}
            alias = str(alias_node.get("aliasname") or "")
            alias_cols = tuple(_sval(c) for c in alias_node.get("colnames") or [])
            sub_env = env if lateral else env.parent
            source = len(self.scopes)
            cols = self._subquery(node.get("subquery"), sub_env, scope,
                                  "lateral" if lateral else "from", env.ctes)
            if cols is not None and alias_cols:
                cols = alias_cols + cols[len(alias_cols):]
            elif alias_cols:
                cols = None
            self._add_ref(TableRef(len(self.tables), scope, "subquery", alias, None, alias,
                                   _loc(node), None, cols, False, nullable,
                                   source if source < len(self.scopes) else None), env, scope)
        elif kind == "RangeFunction":
            alias_node = node.get("alias") or {}
            self._expr(node.get("functions"), env, scope, "from")
            fname = ""
            for fn in node.get("functions") or []:
                if isinstance(fn, dict) and "List" in fn:
                    items = fn["List"].get("items") or []
                    call = items[0].get("FuncCall") if items and isinstance(items[0], dict) \
                        else None
                    if call:
                        fname = _sval((call.get("funcname") or [{}])[-1])
                    break
            alias = str(alias_node.get("aliasname") or fname)
            fcols: tuple[str, ...] | None = None
            colnames = tuple(_sval(c) for c in alias_node.get("colnames") or [])
            coldefs = tuple(str((c.get("ColumnDef") or {}).get("colname", ""))
                            for c in node.get("coldeflist") or [] if isinstance(c, dict))
            if coldefs and all(coldefs):
                fcols = coldefs
            del colnames
            self._add_ref(TableRef(len(self.tables), scope, "function", fname, None, alias,
                                   _loc(node), None, fcols, False, nullable), env, scope)
        elif kind == "RangeTableSample":
            self._from_item(node.get("relation"), env, scope, nullable)
            self._expr(node.get("args"), env, scope, "from")
        else:
            # XMLTABLE, JSON_TABLE, …: a source whose columns are not tracked.
            alias_node = node.get("alias") or {}
            alias = str(alias_node.get("aliasname") or "")
            self._expr({k: v for k, v in node.items() if k != "alias"}, env, scope, "from")
            self._add_ref(TableRef(len(self.tables), scope, "function", kind, None, alias,
                                   _loc(node), None, None, False, nullable), env, scope)

    def _using(self, join: dict[str, Any], using: list[str], env: _Env) -> None:
        left = _refs_of_item(join.get("larg"), env)
        right = _refs_of_item(join.get("rarg"), env)
        for col in using:
            lref = next((r for r in left if self._has_column(r, col)), None)
            rref = next((r for r in right if self._has_column(r, col)), None)
            if lref is not None and rref is not None:
                self.joins.append(JoinKey(lref, col, rref, col, _loc(join)))

    def _has_column(self, ref: int, column: str) -> bool:
        cols = self.tables[ref].columns
        return cols is not None and column in cols

    def _star(self, fields: list[Any], node: dict[str, Any], env: _Env, scope: int) -> None:
        location = _loc(node)
        if len(fields) == 1:
            self.scopes[scope].stars.append(Star(location, tuple(env.refs), False))
            return
        qualifier = _sval(fields[-2])
        ref = _lookup_alias(env, qualifier)
        if ref is None:
            if not self.embedded:
                self.problems.append(ColumnProblem("unknown-qualifier", qualifier, "*",
                                                   location))
            return
        if ref[0] >= 0:
            self.scopes[scope].stars.append(Star(location, (ref[0],), True))

    # -- expressions --------------------------------------------------------------------

    def _expr(self, node: Any, env: _Env, scope: int, clause: str) -> None:
        """Resolve column references, find sublinks, aggregates and windows."""
        stack = [node]
        while stack:
            cur = stack.pop()
            if isinstance(cur, list):
                stack.extend(cur)
                continue
            if not isinstance(cur, dict):
                continue
            if len(cur) != 1:
                stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))
                continue
            kind, inner = next(iter(cur.items()))
            if not isinstance(inner, dict):
                if isinstance(inner, list):
                    stack.append(inner)
                continue
            if kind == "ColumnRef":
                self._column(inner, env, clause)
            elif kind == "SubLink":
                link = inner.get("subLinkType", "")
                context = {"EXISTS_SUBLINK": "exists", "ANY_SUBLINK": "in",
                           "ALL_SUBLINK": "in", "EXPR_SUBLINK": "scalar",
                           "ARRAY_SUBLINK": "array"}.get(link, "scalar")
                self._subquery(inner.get("subselect"), env, scope, context, env.ctes)
                if inner.get("testexpr") is not None:
                    stack.append(inner["testexpr"])
            elif kind == "FuncCall":
                self._func(inner, env, scope, clause)
                for key in ("args", "agg_order", "agg_filter"):
                    if inner.get(key) is not None:
                        stack.append(inner[key])
            elif kind in ("SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt"):
                self._subquery(cur, env, scope, "scalar", env.ctes)
            elif kind in ("SortBy",):
                stack.append(inner.get("node"))
            else:
                stack.extend(v for v in inner.values() if isinstance(v, (dict, list)))

    def _func(self, call: dict[str, Any], env: _Env, scope: int, clause: str) -> None:
        names = [_sval(n) for n in call.get("funcname") or []]
        name = names[-1].lower() if names else ""
        over = call.get("over")
        draft = self.scopes[scope]
        if isinstance(over, dict):
            self._expr(over.get("partitionClause"), env, scope, "window")
            self._expr(over.get("orderClause"), env, scope, "window")
            if clause in ("target", "order"):
                refname = str(over.get("refname") or over.get("name") or "")
                part = tuple(self._order_keys(over.get("partitionClause") or [], env, []))
                order = tuple(self._order_keys(over.get("orderClause") or [], env, []))
                label = f"{name}:{refname}" if refname and not part and not order else name
                draft.windows.append(Window(label, _loc(call), part, order))
            return
        if clause in ("target", "having", "order") and (
            call.get("agg_star") or call.get("agg_filter") is not None
            or call.get("agg_order") or call.get("agg_within_group")
            or (name in AGGREGATES and (len(names) == 1 or names[0] == "pg_catalog"))
        ):
            draft.aggregate = True

    def _column(self, node: dict[str, Any], env: _Env, clause: str) -> None:
        fields = node.get("fields") or []
        if not fields or any(not isinstance(f, dict) or "String" not in f for f in fields):
            return  # t.* in an argument (row constructor), or an odd shape
        location = _loc(node)
        if len(fields) == 1:
            column = _sval(fields[0])
            found = self._find_unqualified(env, column)
            if found is not None:
                if found[0] >= 0:
                    self.resolved[id(node)] = found
                return
            if clause in ("order", "group") and column in env.outputs:
                return
            if self.embedded or column in SYSTEM_COLUMNS:
                return
            if _all_known(env, self.tables):
                self.problems.append(ColumnProblem("unknown-column", None, column, location))
            return
        qualifier = _sval(fields[-2])
        column = _sval(fields[-1])
        hit = _lookup_alias(env, qualifier)
        if hit is None and len(fields) >= 3:
            return  # schema.table.column of a table not aliased otherwise: rare; skip
        if hit is None:
            if not self.embedded and not _shadowed_by_unknown(env, self.tables):
                self.problems.append(ColumnProblem("unknown-qualifier", qualifier, column,
                                                   location))
            return
        ref, depth = hit
        if ref < 0:
            return
        cols = self.tables[ref].columns
        if cols is not None and column not in cols and column not in SYSTEM_COLUMNS:
            self.problems.append(ColumnProblem("unknown-column", qualifier, column, location,
                                               ref))
            return
        self.resolved[id(node)] = (ref, column, depth)

    def _find_unqualified(self, env: _Env | None, column: str) -> tuple[int, str, int] | None:
        depth = 0
        while env is not None:
            unknown = False
            for ref in env.refs:
                cols = self.tables[ref].columns
                if cols is None:
                    unknown = True
                elif column in cols:
                    return ref, column, depth
            if column in env.aliases:  # a whole-row reference
                return -1, column, depth
            if unknown:
                return -1, column, depth
            env = env.parent
            depth += 1
        return None

    def _order_keys(self, items: list[Any], env: _Env, targets: list[Any]) -> Iterator[OrderKey]:
        for item in items:
            if not isinstance(item, dict):
                continue
            sort = item.get("SortBy")
            if sort is None:
                node, desc, nulls = item, False, ""
            else:
                node = sort.get("node")
                desc = sort.get("sortby_dir") == "SORTBY_DESC"
                nulls = {"SORTBY_NULLS_FIRST": "first", "SORTBY_NULLS_LAST": "last"}.get(
                    str(sort.get("sortby_nulls", "")), "")
            node = _output_expr(node, targets)
            location = _loc(node) if isinstance(node, dict) else -1
            col = self._column_of(node)
            if col is not None:
                yield OrderKey(col[0], col[1], None, desc, location, nulls)
                continue
            refs = self._refs_in(node)
            ref = next(iter(refs)) if len(refs) == 1 else None
            yield OrderKey(ref, None, expr_key(node), desc, location, nulls)

    def _column_of(self, node: Any) -> tuple[int, str] | None:
        """(ref, column) when ``node`` is a column reference of the current scope."""
        if isinstance(node, dict) and "ColumnRef" in node:
            hit = self.resolved.get(id(node["ColumnRef"]))
            if hit is not None and hit[2] == 0 and hit[0] >= 0:
                return hit[0], hit[1]
        return None

    def _refs_in(self, node: Any, depth: int | None = 0) -> set[int]:
        """Table references read by ``node`` (at ``depth``; None: any depth)."""
        out: set[int] = set()
        for column_ref in _column_refs(node, into_sublinks=False):
            hit = self.resolved.get(id(column_ref))
            if hit is not None and hit[0] >= 0 and (depth is None or hit[2] == depth):
                out.add(hit[0])
        return out

    # -- predicates ---------------------------------------------------------------------

    def _conjuncts(self, node: Any, env: _Env, scope: int, source: str) -> None:
        stack = [node]
        while stack:
            cur = stack.pop()
            if not isinstance(cur, dict) or len(cur) != 1:
                continue
            kind, inner = next(iter(cur.items()))
            if not isinstance(inner, dict):
                continue
            if kind == "BoolExpr" and inner.get("boolop") == "AND_EXPR":
                stack.extend(reversed(inner.get("args") or []))
                continue
            try:
                self._conjunct(kind, inner, cur, source)
            except (KeyError, TypeError, IndexError, AttributeError, ValueError):
                continue  # an odd shape: no predicate, never a crash

    def _subject(self, node: Any) -> tuple[int, str | None, Any] | None:
        """(ref, column or None, node) when ``node`` reads exactly one ref of this scope."""
        col = self._column_of(node)
        if col is not None:
            return col[0], col[1], node
        if not isinstance(node, dict) or _has(node, "SubLink") or _has(node, "ParamRef"):
            return None
        refs = self._refs_in(node, None)
        own = self._refs_in(node, 0)
        if len(own) == 1 and refs == own:
            return next(iter(own)), None, node
        return None

    def _value(self, node: Any, ref: int) -> tuple[str, tuple[str, ...]]:
        """How the compared side is known: ("const", literals) / ("param",) / ("runtime",)."""
        if node is None:
            return "none", ()
        if isinstance(node, list):
            texts = [const_text(n) for n in node]
            if texts and all(t is not None for t in texts):
                return "const", tuple(t for t in texts if t is not None)
            kinds = {self._value(n, ref)[0] for n in node}
            if "runtime" in kinds:
                return "runtime", ()
            return ("param" if "param" in kinds else "runtime"), ()
        text = const_text(node)
        if text is not None:
            return "const", (text,)
        if isinstance(node, dict) and "List" in node:
            return self._value(node["List"].get("items") or [], ref)
        if isinstance(node, dict) and "A_ArrayExpr" in node:
            return self._value(node["A_ArrayExpr"].get("elements") or [], ref)
        if ref in self._refs_in(node, None):
            return "self", ()
        if _has(node, "ParamRef") and not _has_any(node, _RUNTIME):
            return "param", ()
        if isinstance(node, dict) and "TypeCast" in node:
            return self._value(node["TypeCast"].get("arg"), ref)
        return "runtime", ()

    def _conjunct(self, kind: str, inner: dict[str, Any], node: dict[str, Any],
                  source: str) -> None:
        if kind == "BoolExpr" and inner.get("boolop") == "OR_EXPR":
            self._or(inner, node, source)
            return
        if kind == "BoolExpr" and inner.get("boolop") == "NOT_EXPR":
            args = inner.get("args") or []
            col = self._column_of(args[0]) if len(args) == 1 else None
            if col is not None:
                self._add(col[0], BOOL, "NOT", col[1], None, "const", ("false",),
                          _loc(inner), args[0], source, node)
            return
        if kind == "ColumnRef":
            col = self._column_of(node)
            if col is not None:
                self._add(col[0], BOOL, "", col[1], None, "const", ("true",), _loc(inner),
                          node, source, node)
            return
        if kind == "NullTest":
            subj = self._subject(inner.get("arg"))
            if subj is not None:
                op = IS_NULL if inner.get("nulltesttype") == "IS_NULL" else NOT_NULL
                self._add(subj[0], op, "IS", subj[1], subj[2], "const", (), _loc(inner),
                          subj[2], source, node)
            return
        if kind == "SubLink":
            return
        if kind != "A_Expr":
            return
        akind = inner.get("kind", "")
        opname = "".join(_sval(n) for n in inner.get("name") or [])
        left, right = inner.get("lexpr"), inner.get("rexpr")
        if akind == "AEXPR_OP" and opname == "=":
            lcol, rcol = self._column_of(left), self._column_of(right)
            if lcol is not None and rcol is not None and lcol[0] != rcol[0]:
                self.joins.append(JoinKey(lcol[0], lcol[1], rcol[0], rcol[1], _loc(inner)))
                return
            outer = self._outer_join(left, right) or self._outer_join(right, left)
            if outer is not None:
                self.joins.append(outer)
                return
        subj = self._subject(left)
        flipped = False
        if subj is None or (right is not None and self._value(right, subj[0])[0] == "self"):
            subj2 = self._subject(right)
            if subj2 is None or akind not in ("AEXPR_OP",):
                return
            if self._value(left, subj2[0])[0] == "self":
                return
            subj, left, right, flipped = subj2, right, left, True
        ref, column, snode = subj
        value, consts = self._value(right, ref)
        location = _loc(inner)
        if akind == "AEXPR_OP":
            operator = _FLIP.get(opname, opname) if flipped else opname
            if operator == "=":
                op = EQ
            elif operator in _RANGE_OPS:
                op = RANGE
            elif operator in ("<>", "!="):
                op = NEQ
            elif operator in ("@>", "<@", "?", "?|", "?&", "@?", "@@", "&&"):
                op = self._container_op(ref, column, operator)
            elif operator in ("~~", "~~*"):
                op = _like(operator, consts, value)
            else:
                op = OTHER
        elif akind == "AEXPR_OP_ANY" and opname == "=":
            op, operator = IN, "= ANY"
        elif akind == "AEXPR_IN" and opname == "=":
            op, operator = IN, "IN"
        elif akind in ("AEXPR_LIKE", "AEXPR_ILIKE") and not opname.startswith("!"):
            operator = opname
            op = _like(opname, consts, value)
        elif akind == "AEXPR_BETWEEN" or akind == "AEXPR_BETWEEN_SYM":
            op, operator = RANGE, "BETWEEN"
        else:
            op, operator = OTHER, opname
        self._add(ref, op, operator, column, snode, value, consts, location, snode, source,
                  node)

    def _container_op(self, ref: int, column: str | None, operator: str) -> str:
        table = self.tables[ref].table
        ctype = ""
        if table is not None and column is not None:
            col = table.column(column)
            ctype = col.type if col is not None else ""
        if ctype == "jsonb":
            if operator == "@>":
                return JSONB_CONTAINS
            if operator in ("?", "?|", "?&"):
                return JSONB_KEY
            if operator in ("@?", "@@"):
                return JSONB_PATH
            return OTHER
        if ctype.endswith("[]") and operator in ("@>", "<@", "&&"):
            return ARRAY_OP
        if ctype == "tsvector" and operator == "@@":
            return FTS
        return OTHER

    def _outer_join(self, inner_side: Any, outer_side: Any) -> JoinKey | None:
        """``inner.col = outer.col`` correlating a subquery with an enclosing query."""
        col = self._column_of(inner_side)
        if col is None or not isinstance(outer_side, dict) or "ColumnRef" not in outer_side:
            return None
        hit = self.resolved.get(id(outer_side["ColumnRef"]))
        if hit is None or hit[2] == 0 or hit[0] < 0:
            return None
        return JoinKey(col[0], col[1], hit[0], hit[1], _loc(outer_side), outer=True)

    def _or(self, inner: dict[str, Any], node: dict[str, Any], source: str) -> None:
        """``a = 1 OR a = 2`` is ``a IN (1, 2)``; any other OR restricts nothing usable."""
        consts: list[str] = []
        subject: tuple[int, str] | None = None
        for arg in inner.get("args") or []:
            expr = arg.get("A_Expr") if isinstance(arg, dict) else None
            if not expr or expr.get("kind") not in ("AEXPR_OP", "AEXPR_IN"):
                return
            if "".join(_sval(n) for n in expr.get("name") or []) != "=":
                return
            col = self._column_of(expr.get("lexpr"))
            if col is None or (subject is not None and col != subject):
                return
            subject = col
            value, texts = self._value(expr.get("rexpr"), col[0])
            if value != "const":
                return
            consts.extend(texts)
        if subject is not None:
            self._add(subject[0], IN, "IN", subject[1], None, "const", tuple(consts),
                      _loc(inner), None, source, node)

    def _add(self, ref: int, op: str, operator: str, column: str | None, snode: Any,
             value: str, consts: tuple[str, ...], location: int, node: Any, source: str,
             conjunct: Any) -> None:
        expr = None
        columns: tuple[str, ...] = (column,) if column else ()
        immutable = True
        jsonb = False
        if column is None and snode is not None:
            expr = expr_key(snode)
            columns = tuple(sorted(self._columns_in(snode, ref)))
            immutable = _immutable_expr(snode, self.tables[ref].table)
            jsonb = _is_json_extract(snode)
        self.predicates.append(Predicate(
            ref=ref, op=op, operator=operator, column=column, expr=expr, columns=columns,
            value=value, consts=consts, location=location, immutable=immutable, jsonb=jsonb,
            source=source, node=node, conjunct=conjunct,
        ))

    def _columns_in(self, node: Any, ref: int) -> set[str]:
        out: set[str] = set()
        for column_ref in _column_refs(node):
            hit = self.resolved.get(id(column_ref))
            if hit is not None and hit[0] == ref:
                out.add(hit[1])
        return out


# ---------------------------------------------------------------------------------------
# Helpers.


def _loc(node: Any, default: int = -1) -> int:
    if isinstance(node, dict):
        loc = node.get("location")
        if isinstance(loc, int) and loc >= 0:
            return loc
        if len(node) == 1:
            inner = next(iter(node.values()))
            if isinstance(inner, dict):
                loc = inner.get("location")
                if isinstance(loc, int) and loc >= 0:
                    return loc
    return default


def _column_refs(node: Any, *, into_sublinks: bool = True) -> Iterator[dict[str, Any]]:
    """The ColumnRef nodes in ``node`` (depth first; with ``into_sublinks=False``, not
    those inside a sublink's subquery)."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, list):
            stack.extend(cur)
        elif isinstance(cur, dict):
            if "ColumnRef" in cur:
                yield cur["ColumnRef"]
            elif into_sublinks or "SubLink" not in cur:
                stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))


def _has(node: Any, kind: str) -> bool:
    return _has_any(node, {kind})


def _has_any(node: Any, kinds: set[str] | frozenset[str]) -> bool:
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, list):
            stack.extend(cur)
        elif isinstance(cur, dict):
            for k, v in cur.items():
                if k in kinds:
                    return True
                if isinstance(v, (dict, list)):
                    stack.append(v)
    return False


def _is_null_const(node: Any) -> bool:
    return isinstance(node, dict) and bool((node.get("A_Const") or {}).get("isnull"))


def _like(operator: str, consts: tuple[str, ...], value: str) -> str:
    if value != "const" or len(consts) != 1:
        return LIKE_PARAM if value == "param" else OTHER
    pattern = _literal_value(consts[0])
    if operator == "~~" and pattern and pattern[0] not in "%_":
        return LIKE_PREFIX
    return LIKE_INFIX if pattern[:1] in ("%", "_") or operator == "~~*" else OTHER


def _lookup_alias(env: _Env | None, alias: str) -> tuple[int, int] | None:
    depth = 0
    while env is not None:
        if alias in env.aliases:
            return env.aliases[alias], depth
        env = env.parent
        depth += 1
    return None


def _all_known(env: _Env | None, tables: list[TableRef]) -> bool:
    while env is not None:
        if any(tables[r].columns is None for r in env.refs) or -1 in env.aliases.values():
            return False
        env = env.parent
    return True


def _shadowed_by_unknown(env: _Env | None, tables: list[TableRef]) -> bool:
    """A RangeFunction with no alias may be named by its function: do not guess."""
    while env is not None:
        if any(tables[r].kind == "function" and not tables[r].alias for r in env.refs):
            return True
        env = env.parent
    return False


def _refs_of_item(item: Any, env: _Env) -> list[int]:
    """Refs introduced by a FROM item (by alias lookup of its RangeVars / subselects)."""
    out: list[int] = []
    stack = [item]
    while stack:
        cur = stack.pop()
        if not isinstance(cur, dict) or len(cur) != 1:
            continue
        kind, node = next(iter(cur.items()))
        if not isinstance(node, dict):
            continue
        if kind == "JoinExpr":
            stack.extend([node.get("rarg"), node.get("larg")])
            continue
        alias = (node.get("alias") or {}).get("aliasname") or node.get("relname")
        if alias and alias in env.aliases and env.aliases[alias] >= 0:
            out.append(env.aliases[alias])
    return out


def _first_arm(query: Any) -> Any:
    node = query.get("SelectStmt") if isinstance(query, dict) else None
    while isinstance(node, dict) and node.get("op") not in (None, "SETOP_NONE"):
        node = node.get("larg")
    return node or {}


def _output_names(select: Any) -> tuple[str, ...] | None:
    if not isinstance(select, dict):
        return None
    names = _output_names_list(select.get("targetList") or [])
    return tuple(names) if names and all(names) else None


def _output_names_list(targets: list[Any]) -> list[str]:
    names: list[str] = []
    for target in targets:
        res = target.get("ResTarget") if isinstance(target, dict) else None
        if res is None:
            names.append("")
            continue
        if res.get("name"):
            names.append(str(res["name"]))
            continue
        val = res.get("val") or {}
        if "ColumnRef" in val:
            fields = val["ColumnRef"].get("fields") or []
            last = _sval(fields[-1]) if fields else ""
            names.append("" if last == "*" else last)
        elif "FuncCall" in val:
            fn = val["FuncCall"].get("funcname") or []
            names.append(_sval(fn[-1]) if fn else "")
        elif "A_Indirection" in val:
            last = (val["A_Indirection"].get("indirection") or [{}])[-1]
            names.append(_sval(last) or "?column?")
        elif "TypeCast" in val:
            arg = val["TypeCast"].get("arg") or {}
            if "ColumnRef" in arg:
                fields = arg["ColumnRef"].get("fields") or []
                names.append(_sval(fields[-1]) if fields else "")
            else:
                names.append(_type_text(val["TypeCast"].get("typeName") or {}).split(".")[-1])
        else:
            names.append("?column?")
    return names


def _returning_names(node: dict[str, Any]) -> tuple[str, ...] | None:
    targets = node.get("returningList") or []
    names = _output_names_list(targets)
    return tuple(names) if names and all(names) else None


def _output_expr(node: Any, targets: list[Any]) -> Any:
    """ORDER BY 2 / ORDER BY alias → the target expression it names."""
    if not targets or not isinstance(node, dict):
        return node
    text = const_text(node)
    if text is not None and text.isdigit():
        i = int(text) - 1
        if 0 <= i < len(targets):
            res = targets[i].get("ResTarget") if isinstance(targets[i], dict) else None
            return (res or {}).get("val", node)
        return node
    if "ColumnRef" in node:
        fields = node["ColumnRef"].get("fields") or []
        if len(fields) == 1:
            name = _sval(fields[0])
            for target in targets:
                res = target.get("ResTarget") if isinstance(target, dict) else None
                if res and res.get("name") == name:
                    return res.get("val", node)
    return node


# Functions PostgreSQL marks IMMUTABLE (for any argument type we would index).
_IMMUTABLE_FUNCS = frozenset(
    """lower upper btrim ltrim rtrim trim md5 abs left right substr substring length
    char_length octet_length replace reverse split_part concat_ws coalesce nullif
    jsonb_extract_path_text json_extract_path_text jsonb_extract_path jsonb_typeof
    array_length cardinality round trunc floor ceil ceiling sign mod""".split()
)
# Need a time zone (or DateStyle): IMMUTABLE only on timestamp without time zone / date.
_TIME_FUNCS = frozenset({"date_trunc", "date_part", "extract", "date", "to_char"})


def _immutable_expr(node: Any, table: Table | None) -> bool:
    """Could this expression be an index expression (IMMUTABLE all the way down)?"""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, list):
            stack.extend(cur)
            continue
        if not isinstance(cur, dict):
            continue
        if "ColumnRef" in cur or "A_Const" in cur:
            continue
        if "FuncCall" in cur:
            call = cur["FuncCall"]
            names = [_sval(n) for n in call.get("funcname") or []]
            name = names[-1].lower() if names else ""
            if call.get("over") or call.get("agg_star"):
                return False
            if name in _TIME_FUNCS:
                if not _no_tz_args(call.get("args") or [], table):
                    return False
            elif name not in _IMMUTABLE_FUNCS:
                return False
            stack.append(call.get("args"))
            continue
        if "TypeCast" in cur:
            cast = cur["TypeCast"]
            target = _type_text(cast.get("typeName") or {})
            if not _no_tz_args([cast.get("arg")], table) or target in (
                    "date", "timestamp", "timestamptz", "time", "timetz", "text", "varchar",
                    "regclass", "interval"):
                # casts between text and time types depend on TimeZone / DateStyle
                if not _numeric_or_text(cast.get("arg"), table) or target not in (
                        "text", "varchar"):
                    return False
            stack.append(cast.get("arg"))
            continue
        if "A_Expr" in cur:
            expr = cur["A_Expr"]
            if expr.get("kind") not in ("AEXPR_OP", None):
                return False
            stack.extend([expr.get("lexpr"), expr.get("rexpr")])
            continue
        if "SQLValueFunction" in cur or "SubLink" in cur or "ParamRef" in cur:
            return False
        stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))
    return True


def _column_types(node: Any, table: Table | None) -> list[str]:
    out: list[str] = []
    for column_ref in _column_refs(node):
        fields = column_ref.get("fields") or []
        col = table.column(_sval(fields[-1])) if table is not None and fields else None
        out.append(col.type if col is not None else "?")
    return out


def _no_tz_args(args: list[Any], table: Table | None) -> bool:
    types = _column_types(args, table)
    return all(t != "?" and "with time zone" not in t for t in types)


def _numeric_or_text(node: Any, table: Table | None) -> bool:
    types = _column_types(node, table)
    ok = ("integer", "bigint", "smallint", "numeric", "text", "character varying", "uuid",
          "boolean", "real", "double precision")
    return bool(types) and all(t.split("(")[0] in ok for t in types)


def _is_json_extract(node: Any) -> bool:
    expr = node.get("A_Expr") if isinstance(node, dict) else None
    if expr is None and isinstance(node, dict) and "TypeCast" in node:
        return _is_json_extract(node["TypeCast"].get("arg"))
    if not expr:
        return False
    name = "".join(_sval(n) for n in expr.get("name") or [])
    return name in ("->>", "#>>", "->", "#>")
