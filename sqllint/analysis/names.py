"""Name resolution: FROM items become table references; column references resolve
through aliases, CTEs, derived tables, LATERAL and the enclosing scopes."""

from __future__ import annotations

from typing import Any

from sqllint.analysis.expressions import column_refs, const_text, loc, sval, type_text
from sqllint.analysis.model import SYSTEM_COLUMNS, ColumnProblem, Star, TableRef
from sqllint.analysis.state import BuilderState, Env
from sqllint.catalog.model import Table
from sqllint.model import build


class NameResolution(BuilderState):
    def _target_column(self, ref: int, column: str, location: int) -> None:
        cols = self.tables[ref].columns
        if cols is not None and column not in cols and column not in SYSTEM_COLUMNS:
            self.problems.append(ColumnProblem("unknown-column", self.tables[ref].alias,
                                               column, location, ref))

    # -- FROM ---------------------------------------------------------------------------

    def _add_ref(self, ref: TableRef, env: Env, scope: int) -> int:
        self.tables.append(ref)
        env.aliases[ref.alias] = ref.index
        env.refs.append(ref.index)
        self.scopes[scope].refs.append(ref.index)
        return ref.index

    def _range_var(self, rv: dict[str, Any], env: Env, scope: int, *,
                   target: bool = False, nullable: bool = False) -> int | None:
        inner = rv.get("RangeVar", rv)
        if not isinstance(inner, dict):
            return None
        name = str(inner.get("relname", ""))
        schema = inner.get("schemaname") or None
        alias_node = inner.get("alias") or {}
        alias = str(alias_node.get("aliasname") or name)
        alias_cols = tuple(sval(c) for c in alias_node.get("colnames") or [])
        location = loc(inner)
        if schema is None and name in env.ctes:
            cols = env.ctes[name]
            if cols is not None and alias_cols:
                cols = alias_cols + cols[len(alias_cols):]
            return self._add_ref(build(
                TableRef, index=len(self.tables), scope=scope, kind="cte", name=name,
                schema=None, alias=alias, location=location, table=None, columns=cols,
                target=target, nullable=nullable, source=self.cte_scopes.get(name)),
                env, scope)
        table = self._table(name, schema)
        cols2: tuple[str, ...] | None = None
        if table is not None and table.columns and not (
                table.kind in ("view", "matview") and "*" in (table.query or "")):
            cols2 = table.column_names
            if alias_cols:
                cols2 = alias_cols + cols2[len(alias_cols):]
        ref = self._add_ref(build(
            TableRef, index=len(self.tables), scope=scope, kind="table", name=name,
            schema=schema, alias=alias, location=location, table=table, columns=cols2,
            target=target, nullable=nullable, source=None), env, scope)
        if table is not None and table.kind == "view" and not target:
            self._inline_view(ref, table, scope)
        return ref

    def _table(self, name: str, schema: str | None) -> Table | None:
        if schema is None and name in self.transitions:  # REFERENCING NEW TABLE AS name
            return self.catalog.tables.get(self.transitions[name])
        return self.catalog.table(name, schema, self.path)  # pg_temp, then the search path

    def _from_item(self, item: Any, env: Env, scope: int, nullable: bool = False) -> None:
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
            using = [sval(u) for u in node.get("usingClause") or []]
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
            alias_cols = tuple(sval(c) for c in alias_node.get("colnames") or [])
            sub_env = env if lateral else env.parent
            source = len(self.scopes)
            cols = self._subquery(node.get("subquery"), sub_env, scope,
                                  "lateral" if lateral else "from", env.ctes)
            if cols is not None and alias_cols:
                cols = alias_cols + cols[len(alias_cols):]
            elif alias_cols:
                cols = None
            self._add_ref(TableRef(len(self.tables), scope, "subquery", alias, None, alias,
                                   loc(node), None, cols, False, nullable,
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
                        fname = sval((call.get("funcname") or [{}])[-1])
                    break
            alias = str(alias_node.get("aliasname") or fname)
            fcols: tuple[str, ...] | None = None
            colnames = tuple(sval(c) for c in alias_node.get("colnames") or [])
            coldefs = tuple(str((c.get("ColumnDef") or {}).get("colname", ""))
                            for c in node.get("coldeflist") or [] if isinstance(c, dict))
            if coldefs and all(coldefs):
                fcols = coldefs
            del colnames
            self._add_ref(TableRef(len(self.tables), scope, "function", fname, None, alias,
                                   loc(node), None, fcols, False, nullable), env, scope)
        elif kind == "RangeTableSample":
            self._from_item(node.get("relation"), env, scope, nullable)
            self._expr(node.get("args"), env, scope, "from")
        else:
            # XMLTABLE, JSON_TABLE, …: a source whose columns are not tracked.
            alias_node = node.get("alias") or {}
            alias = str(alias_node.get("aliasname") or "")
            self._expr({k: v for k, v in node.items() if k != "alias"}, env, scope, "from")
            self._add_ref(TableRef(len(self.tables), scope, "function", kind, None, alias,
                                   loc(node), None, None, False, nullable), env, scope)


    def _star(self, fields: list[Any], node: dict[str, Any], env: Env, scope: int) -> None:
        location = loc(node)
        if len(fields) == 1:
            self.scopes[scope].stars.append(Star(location, tuple(env.refs), False))
            return
        qualifier = sval(fields[-2])
        ref = lookup_alias(env, qualifier)
        if ref is None:
            if not self.embedded:
                self.problems.append(ColumnProblem("unknown-qualifier", qualifier, "*",
                                                   location))
            return
        if ref[0] >= 0:
            self.scopes[scope].stars.append(Star(location, (ref[0],), True))

    # -- expressions --------------------------------------------------------------------


    def _column(self, node: dict[str, Any], env: Env, clause: str) -> None:
        fields = node.get("fields") or []
        if len(fields) == 2 and isinstance(fields[1], dict) and "A_Star" in fields[1]:
            self._whole_row(node, env, sval(fields[0]))  # f(t.*)
            return
        if not fields or any(not isinstance(f, dict) or "String" not in f for f in fields):
            return  # an odd shape
        if len(fields) == 1:
            column = sval(fields[0])
            found = self._find_unqualified(env, column)
            if found is not None:
                if found[0] >= 0:
                    self.resolved[id(node)] = found
                else:
                    self._whole_row(node, env, column)  # f(t): the row of t
                return
            if clause in ("order", "group") and column in env.outputs:
                return
            if self.embedded or column in SYSTEM_COLUMNS:
                return
            if _all_known(env, self.tables):
                self.problems.append(ColumnProblem("unknown-column", None, column, loc(node)))
            return
        qualifier = sval(fields[-2])
        column = sval(fields[-1])
        hit = lookup_alias(env, qualifier)
        if hit is None and len(fields) >= 3:
            return  # schema.table.column of a table not aliased otherwise: rare; skip
        if hit is None:
            if not self.embedded and not _shadowed_by_unknown(env, self.tables):
                self.problems.append(ColumnProblem("unknown-qualifier", qualifier, column,
                                                   loc(node)))
            return
        ref, depth = hit
        if ref < 0:
            return
        cols = self.tables[ref].columns
        if cols is not None and column not in cols and column not in SYSTEM_COLUMNS:
            self.problems.append(ColumnProblem("unknown-column", qualifier, column, loc(node),
                                               ref))
            return
        self.resolved[id(node)] = (ref, column, depth)

    def _whole_row(self, node: dict[str, Any], env: Env, alias: str) -> None:
        """``t`` or ``t.*`` naming a whole row: it reads table reference ``t`` (so
        ``funding(t) >= t.amount`` compares ``t`` with itself, not with a constant)."""
        hit = lookup_alias(env, alias)
        if hit is not None and hit[0] >= 0:
            self.whole_rows[id(node)] = hit

    def _find_unqualified(self, env: Env | None, column: str) -> tuple[int, str, int] | None:
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
        for column_ref in column_refs(node, into_sublinks=False):
            hit = self.resolved.get(id(column_ref))
            if hit is not None and hit[0] >= 0 and (depth is None or hit[2] == depth):
                out.add(hit[0])
            elif hit is None and self.whole_rows:
                row = self.whole_rows.get(id(column_ref))
                if row is not None and (depth is None or row[1] == depth):
                    out.add(row[0])
        return out

    # -- predicates ---------------------------------------------------------------------


def lookup_alias(env: Env | None, alias: str) -> tuple[int, int] | None:
    depth = 0
    while env is not None:
        if alias in env.aliases:
            return env.aliases[alias], depth
        env = env.parent
        depth += 1
    return None


def _all_known(env: Env | None, tables: list[TableRef]) -> bool:
    while env is not None:
        if any(tables[r].columns is None for r in env.refs) or -1 in env.aliases.values():
            return False
        env = env.parent
    return True


def _shadowed_by_unknown(env: Env | None, tables: list[TableRef]) -> bool:
    """A RangeFunction with no alias may be named by its function: do not guess."""
    while env is not None:
        if any(tables[r].kind == "function" and not tables[r].alias for r in env.refs):
            return True
        env = env.parent
    return False


def refs_of_item(item: Any, env: Env) -> list[int]:
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


def first_arm(query: Any) -> Any:
    node = query.get("SelectStmt") if isinstance(query, dict) else None
    while isinstance(node, dict) and node.get("op") not in (None, "SETOP_NONE"):
        node = node.get("larg")
    return node or {}


def output_names(select: Any) -> tuple[str, ...] | None:
    if not isinstance(select, dict):
        return None
    names = output_names_list(select.get("targetList") or [])
    return tuple(names) if names and all(names) else None


def output_names_list(targets: list[Any]) -> list[str]:
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
            last = sval(fields[-1]) if fields else ""
            names.append("" if last == "*" else last)
        elif "FuncCall" in val:
            fn = val["FuncCall"].get("funcname") or []
            names.append(sval(fn[-1]) if fn else "")
        elif "A_Indirection" in val:
            last = (val["A_Indirection"].get("indirection") or [{}])[-1]
            names.append(sval(last) or "?column?")
        elif "TypeCast" in val:
            arg = val["TypeCast"].get("arg") or {}
            if "ColumnRef" in arg:
                fields = arg["ColumnRef"].get("fields") or []
                names.append(sval(fields[-1]) if fields else "")
            else:
                names.append(type_text(val["TypeCast"].get("typeName") or {}).split(".")[-1])
        else:
            names.append("?column?")
    return names


def returning_names(node: dict[str, Any]) -> tuple[str, ...] | None:
    targets = node.get("returningList") or []
    names = output_names_list(targets)
    return tuple(names) if names and all(names) else None


def output_expr(node: Any, targets: list[Any]) -> Any:
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
            name = sval(fields[0])
            for target in targets:
                res = target.get("ResTarget") if isinstance(target, dict) else None
                if res and res.get("name") == name:
                    return res.get("val", node)
    return node

