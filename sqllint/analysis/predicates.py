"""Predicates: every top-level conjunct of a WHERE or JOIN … ON that restricts one table
reference, classified by operator kind and by how its compared value is known."""

from __future__ import annotations

from typing import Any

from sqllint.analysis.expressions import (
    column_refs,
    const_text,
    expr_key,
    has,
    has_any,
    immutable_expr,
    is_json_extract,
    literal_value,
    loc,
    sval,
)
from sqllint.analysis.joins import JoinReading
from sqllint.analysis.model import (
    ARRAY_OP,
    BOOL,
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
    Predicate,
)
from sqllint.analysis.state import Env

_RANGE_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}
_RUNTIME = {"FuncCall", "SQLValueFunction", "SubLink", "ColumnRef", "CoalesceExpr",
            "CaseExpr", "MinMaxExpr", "A_Indirection", "RowExpr", "GroupingFunc"}


class PredicateReading(JoinReading):
    def _conjuncts(self, node: Any, env: Env, scope: int, source: str) -> None:
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
            read = len(self.predicates) + len(self.joins)
            try:
                self._conjunct(kind, inner, cur, source)
                if len(self.predicates) + len(self.joins) == read:
                    self._residual(cur, source)
            except (KeyError, TypeError, IndexError, AttributeError, ValueError):
                continue  # an odd shape: no predicate, never a crash

    def _residual(self, node: dict[str, Any], source: str) -> None:
        """A conjunct on one table reference that no index could evaluate as written
        (``NOT name LIKE 'x%'``, ``a OR b``, ``f(t) > t.x``): an ``OTHER`` predicate,
        kept so that a partial index whose WHERE says the same can be matched."""
        link = node.get("SubLink")
        reads = link.get("testexpr") if isinstance(link, dict) else node  # x IN (SELECT …)
        own = self._refs_in(reads, 0)
        if len(own) != 1 or self._refs_in(reads, None) != own:
            return
        self.predicates.append(Predicate(
            ref=next(iter(own)), op=OTHER, operator="", column=None, expr=None, columns=(),
            value="runtime", consts=(), location=loc(node), immutable=False, source=source,
            conjunct=node))

    def _subject(self, node: Any) -> tuple[int, str | None, Any] | None:
        """(ref, column or None, node) when ``node`` reads exactly one ref of this scope."""
        col = self._column_of(node)
        if col is not None:
            return col[0], col[1], node
        if not isinstance(node, dict) or has(node, "SubLink") or has(node, "ParamRef"):
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
        if has(node, "ParamRef") and not has_any(node, _RUNTIME):
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
                          loc(inner), args[0], source, node)
            return
        if kind == "ColumnRef":
            col = self._column_of(node)
            if col is not None:
                self._add(col[0], BOOL, "", col[1], None, "const", ("true",), loc(inner),
                          node, source, node)
            return
        if kind == "NullTest":
            subj = self._subject(inner.get("arg"))
            if subj is not None:
                op = IS_NULL if inner.get("nulltesttype") == "IS_NULL" else NOT_NULL
                self._add(subj[0], op, "IS", subj[1], subj[2], "const", (), loc(inner),
                          subj[2], source, node)
            return
        if kind == "SubLink":
            return
        if kind != "A_Expr":
            return
        akind = inner.get("kind", "")
        opname = "".join(sval(n) for n in inner.get("name") or [])
        left, right = inner.get("lexpr"), inner.get("rexpr")
        if akind == "AEXPR_OP" and opname == "=" and self._join(left, right, loc(inner)):
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
        location = loc(inner)
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
                op = like_kind(operator, consts, value)
            else:
                op = OTHER
        elif akind == "AEXPR_OP_ANY" and opname == "=":
            op, operator = IN, "= ANY"
        elif akind == "AEXPR_IN" and opname == "=":
            op, operator = IN, "IN"
        elif akind in ("AEXPR_LIKE", "AEXPR_ILIKE") and not opname.startswith("!"):
            operator = opname
            op = like_kind(opname, consts, value)
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


    def _or(self, inner: dict[str, Any], node: dict[str, Any], source: str) -> None:
        """``a = 1 OR a = 2`` is ``a IN (1, 2)``; any other OR restricts nothing usable."""
        consts: list[str] = []
        subject: tuple[int, str] | None = None
        for arg in inner.get("args") or []:
            expr = arg.get("A_Expr") if isinstance(arg, dict) else None
            if not expr or expr.get("kind") not in ("AEXPR_OP", "AEXPR_IN"):
                return
            if "".join(sval(n) for n in expr.get("name") or []) != "=":
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
                      loc(inner), None, source, node)

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
            immutable = immutable_expr(snode, self.tables[ref].table)
            jsonb = is_json_extract(snode)
        self.predicates.append(Predicate(
            ref=ref, op=op, operator=operator, column=column, expr=expr, columns=columns,
            value=value, consts=consts, location=location, immutable=immutable, jsonb=jsonb,
            source=source, node=node, conjunct=conjunct,
        ))

    def _columns_in(self, node: Any, ref: int) -> set[str]:
        out: set[str] = set()
        for column_ref in column_refs(node):
            hit = self.resolved.get(id(column_ref))
            if hit is not None and hit[0] == ref:
                out.add(hit[1])
        return out



def like_kind(operator: str, consts: tuple[str, ...], value: str) -> str:
    if value != "const" or len(consts) != 1:
        return LIKE_PARAM if value == "param" else OTHER
    pattern = literal_value(consts[0])
    if operator == "~~" and pattern and pattern[0] not in "%_":
        return LIKE_PREFIX
    return LIKE_INFIX if pattern[:1] in ("%", "_") or operator == "~~*" else OTHER

