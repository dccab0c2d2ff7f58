"""Query facts: what one DML statement reads, filters, joins, orders, limits and projects.

Built from pglast's JSON tree, one walk per statement. Every SELECT block (and the body
of an UPDATE, DELETE, INSERT or MERGE) is a ``Scope``; every FROM item a ``TableRef``
resolved through aliases, CTEs (recursive too), derived tables and LATERAL; every
top-level conjunct of a WHERE or JOIN … ON a ``Predicate`` on one table reference, or a
``JoinKey`` between two. Any node shape is tolerated: what is not understood is skipped,
never guessed.

The walk (this module) visits the statement's clauses; its parts live beside it: name
resolution (``names``), predicates (``predicates``), join keys (``joins``), ordering,
limits and windows (``ordering``). The data it produces is in ``model``.
"""

from __future__ import annotations

from typing import Any

from sqllint.analysis.expressions import (
    const_text,
    expr_key,
    loc,
    numeric,
    same_constant,
    sval,
)
from sqllint.analysis.inline import Inlining
from sqllint.analysis.model import (
    AGGREGATES,
    ARRAY_OP,
    BOOL,
    EMPTY,
    EQ,
    FTS,
    IN,
    IS_NULL,
    JSONB_CONTAINS,
    JSONB_KEY,
    JSONB_PATH,
    LIKE_INFIX,
    LIKE_PARAM,
    LIKE_PREFIX,
    NEQ,
    NOT_NULL,
    OTHER,
    RANGE,
    SYSTEM_COLUMNS,
    ColumnProblem,
    JoinKey,
    OrderKey,
    Predicate,
    QueryFacts,
    Scope,
    Star,
    TableRef,
    Window,
)
from sqllint.analysis.names import (
    NameResolution,
    first_arm,
    output_names,
    output_names_list,
    returning_names,
)
from sqllint.analysis.ordering import OrderReading
from sqllint.analysis.predicates import PredicateReading
from sqllint.analysis.state import Env
from sqllint.catalog.model import Catalog
from sqllint.model import build

__all__ = [
    "AGGREGATES", "ARRAY_OP", "BOOL", "EMPTY", "EQ", "FTS", "IN", "IS_NULL", "JSONB_CONTAINS",
    "JSONB_KEY", "JSONB_PATH", "LIKE_INFIX", "LIKE_PARAM", "LIKE_PREFIX", "NEQ", "NOT_NULL",
    "OTHER", "RANGE", "SYSTEM_COLUMNS", "ColumnProblem", "JoinKey", "OrderKey", "Predicate",
    "QueryFacts", "Scope", "Star", "TableRef", "Window", "const_text", "expr_key", "numeric",
    "query_facts", "same_constant",
]


def query_facts(node: dict[str, Any] | None, catalog: Catalog, *,
                embedded: bool = False, function: str | None = None) -> QueryFacts:
    """The facts of one statement's pglast JSON tree (``Statement.node``); ``function``
    names the function whose body holds it (its triggers' transition tables are tables)."""
    if not node:
        return EMPTY
    kind = next(iter(node))
    builder = _Builder(catalog, embedded, function)
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
        return query_facts(inner.get("query"), catalog, embedded=embedded, function=function)
    else:
        return EMPTY
    return builder.freeze(fkind)


# Nodes _expr need not open: no column reference, sublink or call can sit inside them.
_LEAVES = frozenset({"A_Const", "ParamRef", "String", "Integer", "Float", "Boolean",
                     "BitString", "A_Star", "SQLValueFunction"})

class _Builder(Inlining, NameResolution, PredicateReading, OrderReading):
    """One walk over a statement's clauses; the parts record what each clause says."""

    def freeze(self, kind: str) -> QueryFacts:
        self._inline()
        scopes = tuple(
            build(Scope, index=s.index, kind=s.kind, parent=s.parent, context=s.context,
                  location=s.location, refs=tuple(s.refs), order=() if s.view else s.order,
                  limit=s.limit,
                  limit_location=s.limit_location, offset=s.offset,
                  offset_param=s.offset_param, offset_location=s.offset_location,
                  aggregate=s.aggregate, group_by=s.group_by, distinct=s.distinct,
                  # a view's body: what it reads and filters, not its own clauses
                  windows=() if s.view else tuple(s.windows), where=s.where,
                  stars=() if s.view else tuple(s.stars), into=s.into,
                  children=tuple(s.children))
            for s in self.scopes
        )
        return build(QueryFacts, kind=kind, tables=tuple(self.tables), scopes=scopes,
                     predicates=tuple(self.predicates), joins=tuple(self.joins),
                     problems=tuple(self.problems), embedded=self.embedded)

    def _with(self, with_clause: Any, parent_env: Env | None, scope: int | None,
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
            alias_cols = tuple(sval(c) for c in cte.get("aliascolnames") or [])
            query = cte.get("ctequery") or {}
            if recursive:
                # The recursive arm reads the CTE itself: its columns are those of the
                # non-recursive arm (or the alias list).
                out[name] = alias_cols or output_names(first_arm(query))
            env_ctes = out
            self.cte_scopes[name] = len(self.scopes)
            if not recursive and "SelectStmt" in query \
                    and cte.get("ctematerialized") != "CTEMaterializeAlways":
                self.inline_ctes.add(len(self.scopes))
            cols = self._subquery(query, parent_env, scope, "cte", env_ctes)
            out[name] = alias_cols or cols
        return out

    def _subquery(self, node: Any, env: Env | None, parent_scope: int | None, context: str,
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
                return returning_names(inner)
        finally:
            self.depth -= 1
        return None

    def select(self, node: dict[str, Any], outer: Env | None, context: str,
               ctes: dict[str, tuple[str, ...] | None],
               parent_scope: int | None = None) -> tuple[str, ...] | None:
        location = loc(node)
        op = node.get("op", "SETOP_NONE")
        if op and op != "SETOP_NONE":
            index = self._new_scope("setop", parent_scope, context, location)
            ctes = self._with(node.get("withClause"), outer, index, ctes)
            left = self._subquery({"SelectStmt": node.get("larg") or {}}, outer, index, "arm",
                                  ctes)
            self._subquery({"SelectStmt": node.get("rarg") or {}}, outer, index, "arm", ctes)
            self.scopes[index].setop = (str(op).removeprefix("SETOP_").lower()
                                        + (" all" if node.get("all") else ""))
            env = Env(index, outer, ctes)
            env.outputs = frozenset(left or ())
            self._tail(node, env, index)
            return left
        kind = "values" if node.get("valuesLists") else "select"
        index = self._new_scope(kind, parent_scope, context, location)
        ctes = self._with(node.get("withClause"), outer, index, ctes)
        env = Env(index, outer, ctes)
        draft = self.scopes[index]
        draft.into = node.get("intoClause") is not None
        for item in node.get("fromClause") or []:
            self._from_item(item, env, index)
        targets = node.get("targetList") or []
        names = output_names_list(targets)
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
        inlined = context not in ("top", "exists", "scalar", "in", "array", "insert")
        if inlined:  # what a predicate or join key outside could reach (see inline)
            draft.outputs = self._plain_outputs(targets, env)
        if node.get("groupClause"):
            draft.group_by = True
            self._expr(node.get("groupClause"), env, index, "group")
            if inlined:
                draft.keys = self._key_columns(node.get("groupClause"), draft.keys)
        if node.get("havingClause") is not None:
            draft.aggregate = True
            self._expr(node.get("havingClause"), env, index, "having")
        if node.get("distinctClause") is not None:
            draft.distinct = True
            self._expr(node.get("distinctClause"), env, index, "group")
            if inlined:
                draft.keys = self._key_columns(node.get("distinctClause"), draft.keys)
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


    def dml(self, kind: str, node: dict[str, Any], ctes: dict[str, tuple[str, ...] | None],
            outer: Env | None = None, parent_scope: int | None = None,
            context: str = "top") -> None:
        scope_kind = kind[:-4].lower()
        index = self._new_scope(scope_kind, parent_scope, context, loc(node))
        ctes = self._with(node.get("withClause"), outer, index, ctes)
        env = Env(index, outer, ctes)
        draft = self.scopes[index]
        rel = node.get("relation")
        target = self._range_var(rel, env, index, target=True) if isinstance(rel, dict) else None
        if kind == "InsertStmt":
            for col in node.get("cols") or []:
                res = col.get("ResTarget") if isinstance(col, dict) else None
                if res and target is not None:
                    self._target_column(target, str(res.get("name", "")), loc(res))
            self._subquery(node.get("selectStmt"), outer, index, "insert", ctes)
            conflict = node.get("onConflictClause")
            if isinstance(conflict, dict) and target is not None:
                infer = conflict.get("infer") or {}
                for elem in infer.get("indexElems") or []:
                    ie = elem.get("IndexElem") if isinstance(elem, dict) else None
                    if ie and ie.get("name"):
                        self._target_column(target, str(ie["name"]), loc(infer))
                    elif ie:
                        self._expr(ie.get("expr"), env, index, "where")
                self._expr(infer.get("whereClause"), env, index, "where")
                excluded = self._add_ref(TableRef(
                    len(self.tables), index, "table", self.tables[target].name,
                    self.tables[target].schema, "excluded", loc(conflict),
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
                            self._target_column(target, str(res["name"]), loc(res))
                    self._expr(clause.get("values"), env, index, "target")
                else:
                    self._set_list(clause.get("targetList"), target, env, index)
        where = node.get("whereClause")
        if where is not None:
            draft.where = True
            self._expr(where, env, index, "where")
            self._conjuncts(where, env, index, "where")
        self._expr(node.get("returningList"), env, index, "target")

    def _set_list(self, targets: Any, target: int | None, env: Env, index: int) -> None:
        for item in targets or []:
            res = item.get("ResTarget") if isinstance(item, dict) else None
            if not res:
                continue
            if target is not None and res.get("name"):
                self._target_column(target, str(res["name"]), loc(res))
            self._expr(res.get("val"), env, index, "target")


    def _expr(self, node: Any, env: Env, scope: int, clause: str) -> None:
        """Resolve column references, find sublinks, aggregates and windows."""
        # Every expression of every query passes here: JSON trees hold only dicts,
        # lists and scalars, so exact type tests; the walk's order is depth first,
        # last child first (the order scopes and problems are numbered in).
        stack = [node]
        pop, push, extend = stack.pop, stack.append, stack.extend
        while stack:
            cur = pop()
            if cur.__class__ is list:
                extend(cur)
                continue
            if cur.__class__ is not dict:
                continue
            if len(cur) != 1:
                extend([v for v in cur.values() if v.__class__ is dict or v.__class__ is list])
                continue
            ((kind, inner),) = cur.items()
            if kind in _LEAVES:  # constants and parameters hold no column or subquery
                continue
            if inner.__class__ is not dict:
                if inner.__class__ is list:
                    push(inner)
                continue
            if kind == "ColumnRef":
                self._column(inner, env, clause)
            elif kind == "A_Expr":  # its operator's name is strings: only the operands
                for side in (inner.get("lexpr"), inner.get("rexpr")):
                    if side.__class__ is dict or side.__class__ is list:
                        push(side)
            elif kind == "SubLink":
                link = inner.get("subLinkType", "")
                context = {"EXISTS_SUBLINK": "exists", "ANY_SUBLINK": "in",
                           "ALL_SUBLINK": "in", "EXPR_SUBLINK": "scalar",
                           "ARRAY_SUBLINK": "array"}.get(link, "scalar")
                self._subquery(inner.get("subselect"), env, scope, context, env.ctes)
                if inner.get("testexpr") is not None:
                    push(inner["testexpr"])
            elif kind == "FuncCall":
                self._func(inner, env, scope, clause)
                for key in ("args", "agg_order", "agg_filter"):
                    if inner.get(key) is not None:
                        push(inner[key])
            elif kind in ("SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt"):
                self._subquery(cur, env, scope, "scalar", env.ctes)
            elif kind == "SortBy":
                push(inner.get("node"))
            else:
                extend([v for v in inner.values()
                        if v.__class__ is dict or v.__class__ is list])
