"""Inlining, as PostgreSQL's planner does it, so predicates and join keys reach the
tables they restrict.

- A view is its query (the rewriter expands it); a CTE referenced once, not recursive,
  not ``MATERIALIZED`` and a plain SELECT is inlined (PostgreSQL 12+); a subquery in
  FROM is what it is.
- Such a subquery is pulled up into the outer query when it is a plain SELECT with no
  aggregate, GROUP BY, DISTINCT, window, LIMIT or OFFSET, or a ``UNION ALL`` of such
  arms: then both the outer predicates and the join keys on its columns reach the base
  tables (one per arm).
- Otherwise outer predicates are still pushed down into it, on columns that GROUP BY /
  DISTINCT (ON) keep whole; its join keys stay on the subquery's result, which the
  outer query joins as it is (it is never probed through an index).

Pushed predicates are copies on the base table reference; the originals stay on the
subquery's reference, which no index rule reviews. A view's own predicates have
``source == "view"``: they decide what drives a join, but they are the view's, so the
rules do not report them at every query that reads the view.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache
from typing import Any

from pglast import parser as pg

from sqllint.analysis.expressions import sval
from sqllint.analysis.model import JoinKey, Predicate
from sqllint.analysis.state import BuilderState, Env, ScopeDraft
from sqllint.catalog.model import Table

_PULL, _PUSH, _NONE = "pull", "push", "none"


@lru_cache(maxsize=256)
def _view_query(text: str) -> dict[str, Any] | None:
    """The SELECT of a ``CREATE VIEW`` statement's text (None when it cannot be read)."""
    try:
        stmt = json.loads(pg.parse_sql_json(text))["stmts"][0]["stmt"]
    except Exception:
        return None
    query = (stmt.get("ViewStmt") or {}).get("query")
    return query if isinstance(query, dict) and "SelectStmt" in query else None


class Inlining(BuilderState):
    def _plain_outputs(self, targets: list[Any], env: Env) -> list[
            tuple[str, tuple[int, str] | None]]:
        """(name, (ref, column)) per output column of a SELECT list; stars expanded."""
        out: list[tuple[str, tuple[int, str] | None]] = []
        for target in targets:
            res = target.get("ResTarget") if isinstance(target, dict) else None
            val = res.get("val") if isinstance(res, dict) else None
            name = str(res.get("name") or "") if isinstance(res, dict) else ""
            column = val.get("ColumnRef") if isinstance(val, dict) else None
            if not isinstance(column, dict):
                out.append((name, None))
                continue
            fields = column.get("fields") or []
            if fields and isinstance(fields[-1], dict) and "A_Star" in fields[-1]:
                refs = list(env.refs)
                if len(fields) == 2:
                    hit = env.aliases.get(sval(fields[0]))
                    refs = [hit] if hit is not None and hit >= 0 else []
                for ref in refs:
                    cols = self.tables[ref].columns
                    if cols is None:
                        return out + [("*", None)]  # columns unknown from here on
                    out.extend((c, (ref, c)) for c in cols)
                continue
            hit2 = self.resolved.get(id(column))
            if hit2 is not None and hit2[2] == 0 and hit2[0] >= 0:
                out.append((name or hit2[1], (hit2[0], hit2[1])))
            else:
                out.append((name or (sval(fields[-1]) if fields else ""), None))
        return out

    def _key_columns(self, items: Any, keys: set[tuple[int, str]] | None) -> \
            set[tuple[int, str]] | None:
        """The plain columns of a GROUP BY / DISTINCT ON list (None: plain DISTINCT)."""
        if keys is None:
            return None
        out = set(keys)
        for item in items or []:
            if item == {}:
                return None  # DISTINCT: every output column
            col = self._column_of(item)
            if col is not None:
                out.add(col)
        return out

    def _inline_view(self, ref: int, table: Table, scope: int) -> None:
        """Walk a view's query as a subquery of ``ref`` (its scope, tables and
        predicates located at ``ref``); leave nothing when it reads an unknown table."""
        query = _view_query(table.query or "") if table.kind == "view" else None
        if query is None or self.depth > 20:
            return
        marks = (len(self.tables), len(self.scopes), len(self.predicates),
                 len(self.joins), len(self.problems))
        location = self.tables[ref].location
        self._subquery(query, None, scope, "view", {})
        if len(self.scopes) == marks[1] or any(t.unknown for t in self.tables[marks[0]:]):
            del self.tables[marks[0]:], self.scopes[marks[1]:], self.predicates[marks[2]:]
            del self.joins[marks[3]:], self.problems[marks[4]:]
            self.scopes[scope].children = [c for c in self.scopes[scope].children
                                           if c < marks[1]]
            return
        for i in range(marks[0], len(self.tables)):
            self.tables[i] = replace(self.tables[i], location=location)
        for i in range(marks[2], len(self.predicates)):
            # the view's text is not the query's: no node to quote, the view's place
            self.predicates[i] = replace(self.predicates[i], location=location, node=None,
                                         source="view")
        for i in range(marks[3], len(self.joins)):
            self.joins[i] = replace(self.joins[i], location=location)
        for draft in self.scopes[marks[1]:]:
            draft.view = True
            draft.location = location
        del self.problems[marks[4]:]
        self.tables[ref] = replace(self.tables[ref], source=marks[1])

    # -- at the end of the walk ----------------------------------------------------------

    def _inline(self) -> None:
        if not any(t.source is not None for t in self.tables):
            return
        uses: dict[int, int] = {}
        for t in self.tables:
            if t.kind == "cte" and t.source is not None:
                uses[t.source] = uses.get(t.source, 0) + 1
        inlinable = {t.index for t in self.tables if t.source is not None and (
            t.kind in ("subquery", "table")
            or (t.kind == "cte" and t.source in self.inline_ctes and uses[t.source] == 1))}
        if not inlinable:
            return
        pushed: list[Predicate] = []
        for p in self.predicates:
            if p.ref in inlinable and p.column is not None:
                for ref, column in self._reach(p.ref, p.column, _PUSH, inlinable) or ():
                    pushed.append(replace(p, ref=ref, column=column, columns=(column,)))
        self.predicates.extend(pushed)
        joins: list[JoinKey] = []
        for j in self.joins:
            left = self._reach(j.left, j.left_column, _PULL, inlinable) \
                if j.left in inlinable else None
            right = self._reach(j.right, j.right_column, _PULL, inlinable) \
                if j.right in inlinable else None
            if left is None and right is None:
                joins.append(j)
                continue
            for lref, lcol in left or [(j.left, j.left_column)]:
                for rref, rcol in right or [(j.right, j.right_column)]:
                    if lref != rref:
                        joins.append(replace(j, left=lref, left_column=lcol, right=rref,
                                             right_column=rcol))
        self.joins[:] = joins

    def _reach(self, ref: int, column: str, need: str, inlinable: set[int]) -> \
            list[tuple[int, str]] | None:
        """The base table columns that ``column`` of the subquery-like ``ref`` reads,
        when a predicate (``push``) or join key (``pull``) on it reaches them."""
        table_ref = self.tables[ref]
        source = table_ref.source
        if source is None or source >= len(self.scopes):
            return None
        cols = table_ref.columns
        position: int | str = cols.index(column) if cols is not None and column in cols \
            else column
        return self._outputs_reach(source, position, need, inlinable, 0)

    def _outputs_reach(self, scope: int, position: int | str, need: str,
                       inlinable: set[int], depth: int) -> list[tuple[int, str]] | None:
        draft = self.scopes[scope]
        if depth > 8:
            return None
        if draft.kind == "setop":
            if draft.limit or draft.offset_location >= 0 or (need == _PULL and draft.order):
                return None
            if draft.setop != "union all" and (need == _PULL or not draft.setop.startswith(
                    "union")):
                return None
            arms = [c for c in draft.children if self.scopes[c].context == "arm"]
            if isinstance(position, str):
                names = self._arm_names(arms[0]) if arms else []
                if position not in names:
                    return None
                position = names.index(position)
            found: list[tuple[int, str]] = []
            for arm in arms:
                reached = self._outputs_reach(arm, position, need, inlinable, depth + 1)
                if reached is None:
                    return None
                found.extend(reached)
            return found or None
        mode = _mode(draft)
        if draft.kind != "select" or mode == _NONE or (need == _PULL and mode != _PULL):
            return None
        entry = _output(draft.outputs, position)
        if entry is None:
            return None
        ref, column = entry
        if mode == _PUSH and draft.keys is not None and (ref, column) not in draft.keys:
            return None
        inner = self.tables[ref]
        if inner.source is None:
            return [(ref, column)] if inner.kind == "table" and inner.table is not None \
                and inner.table.kind in ("table", "matview") else None
        if ref not in inlinable:
            return None
        cols = inner.columns
        nested: int | str = cols.index(column) if cols is not None and column in cols \
            else column
        return self._outputs_reach(inner.source, nested, need, inlinable, depth + 1)

    def _arm_names(self, scope: int) -> list[str]:
        draft = self.scopes[scope]
        while draft.kind == "setop":
            arms = [c for c in draft.children if self.scopes[c].context == "arm"]
            if not arms:
                return []
            draft = self.scopes[arms[0]]
        return [name for name, _ in draft.outputs]


def _mode(draft: ScopeDraft) -> str:
    """What reaches into this SELECT: everything (pull-up), predicates only, nothing."""
    if draft.limit or draft.offset_location >= 0 or draft.windows or draft.into:
        return _NONE
    if draft.aggregate and not draft.group_by:
        return _NONE
    if draft.aggregate or draft.group_by or draft.distinct:
        return _PUSH
    return _PULL


def _output(outputs: list[tuple[str, tuple[int, str] | None]], position: int | str) -> \
        tuple[int, str] | None:
    if isinstance(position, int):
        return outputs[position][1] if 0 <= position < len(outputs) else None
    for name, entry in outputs:
        if name == position:
            return entry
    return None
