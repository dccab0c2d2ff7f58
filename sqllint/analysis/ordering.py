"""ORDER BY, LIMIT/FETCH/OFFSET, aggregates and window functions of a scope."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqllint.analysis.expressions import const_text, expr_key, has, is_null_const, loc, sval
from sqllint.analysis.model import AGGREGATES, OrderKey, Window
from sqllint.analysis.names import output_expr
from sqllint.analysis.state import BuilderState, Env


class OrderReading(BuilderState):
    def _tail(self, node: dict[str, Any], env: Env, index: int) -> None:
        """ORDER BY, LIMIT/FETCH, OFFSET of a SELECT or a set operation."""
        draft = self.scopes[index]
        sort = node.get("sortClause") or []
        if sort:
            self._expr(sort, env, index, "order")
            draft.order = tuple(self._order_keys(sort, env, node.get("targetList") or []))
        count = node.get("limitCount")
        if count is not None and not is_null_const(count):
            draft.limit = True
            draft.limit_location = loc(count, loc(node))
            self._expr(count, env, index, "limit")
        offset = node.get("limitOffset")
        if offset is not None:
            draft.offset_location = loc(offset, loc(node))
            text = const_text(offset)
            if text is not None and text.lstrip("-").isdigit():
                draft.offset = int(text)
            elif has(offset, "ParamRef") or has(offset, "ColumnRef"):
                draft.offset_param = True
            self._expr(offset, env, index, "limit")

    def _named_window(self, win: Window, named: dict[str, Any], env: Env) -> Window:
        if win.partition or win.order:
            return win
        wdef = named.get(win.name.split(":", 1)[-1])
        if not wdef:
            return win
        return Window(win.name.split(":", 1)[0], win.location,
                      tuple(self._order_keys(wdef.get("partitionClause") or [], env, [])),
                      tuple(self._order_keys(wdef.get("orderClause") or [], env, [])))


    def _func(self, call: dict[str, Any], env: Env, scope: int, clause: str) -> None:
        names = [sval(n) for n in call.get("funcname") or []]
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
                draft.windows.append(Window(label, loc(call), part, order))
            return
        if clause in ("target", "having", "order") and (
            call.get("agg_star") or call.get("agg_filter") is not None
            or call.get("agg_order") or call.get("agg_within_group")
            or (name in AGGREGATES and (len(names) == 1 or names[0] == "pg_catalog"))
        ):
            draft.aggregate = True


    def _order_keys(self, items: list[Any], env: Env, targets: list[Any]) -> Iterator[OrderKey]:
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
            node = output_expr(node, targets)
            location = loc(node) if isinstance(node, dict) else -1
            col = self._column_of(node)
            if col is not None:
                yield OrderKey(col[0], col[1], None, desc, location, nulls)
                continue
            refs = self._refs_in(node)
            ref = next(iter(refs)) if len(refs) == 1 else None
            yield OrderKey(ref, None, expr_key(node), desc, location, nulls)

