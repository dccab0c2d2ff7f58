"""Join keys: ``a.x = b.y`` between two table references, ``USING (…)``, and the
correlation of a subquery with its enclosing query."""

from __future__ import annotations

from typing import Any

from sqllint.analysis.expressions import loc
from sqllint.analysis.model import JoinKey
from sqllint.analysis.names import refs_of_item
from sqllint.analysis.state import BuilderState, Env


class JoinReading(BuilderState):
    def _join(self, left: Any, right: Any, location: int) -> bool:
        """Record ``left = right`` as a join key when it is one (True when it was)."""
        lcol, rcol = self._column_of(left), self._column_of(right)
        if lcol is not None and rcol is not None and lcol[0] != rcol[0]:
            self.joins.append(JoinKey(lcol[0], lcol[1], rcol[0], rcol[1], location))
            return True
        outer = self._outer_join(left, right) or self._outer_join(right, left)
        if outer is not None:
            self.joins.append(outer)
            return True
        return False

    def _using(self, join: dict[str, Any], using: list[str], env: Env) -> None:
        left = refs_of_item(join.get("larg"), env)
        right = refs_of_item(join.get("rarg"), env)
        for col in using:
            lref = next((r for r in left if self._has_column(r, col)), None)
            rref = next((r for r in right if self._has_column(r, col)), None)
            if lref is not None and rref is not None:
                self.joins.append(JoinKey(lref, col, rref, col, loc(join)))


    def _outer_join(self, inner_side: Any, outer_side: Any) -> JoinKey | None:
        """``inner.col = outer.col`` correlating a subquery with an enclosing query."""
        col = self._column_of(inner_side)
        if col is None or not isinstance(outer_side, dict) or "ColumnRef" not in outer_side:
            return None
        hit = self.resolved.get(id(outer_side["ColumnRef"]))
        if hit is None or hit[2] == 0 or hit[0] < 0:
            return None
        return JoinKey(col[0], col[1], hit[0], hit[1], loc(outer_side), outer=True)

    def _has_column(self, ref: int, column: str) -> bool:
        cols = self.tables[ref].columns
        return cols is not None and column in cols
