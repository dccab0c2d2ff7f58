"""Expressions of pglast's JSON tree: normalised keys, constants, positions, immutability.

Shared by the analysis and the advisor (index expressions use the same keys).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqllint.catalog.model import Table
from sqllint.sqltext import POSITION_FIELDS


def expr_key(node: Any) -> str:
    """A key equal for two expressions that differ only in qualifiers and positions."""
    out: list[str] = []
    _key_into(node, out)
    return "".join(out)


def _key_into(node: Any, out: list[str]) -> None:
    if isinstance(node, dict):
        if "ColumnRef" in node and len(node) == 1:
            fields = node["ColumnRef"].get("fields") or []
            out.append("col:" + (sval(fields[-1]) if fields else ""))
            return
        if "TypeCast" in node and len(node) == 1:
            cast = node["TypeCast"]
            out.append("cast(")
            _key_into(cast.get("arg"), out)
            out.append("," + type_text(cast.get("typeName") or {}) + ")")
            return
        out.append("{")
        for k in sorted(node):
            if k in POSITION_FIELDS:
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


def type_text(type_node: dict[str, Any]) -> str:
    names = [sval(n) for n in type_node.get("names") or []]
    if names and names[0] == "pg_catalog":
        names = names[1:]
    return ".".join(names) + ("[]" if type_node.get("arrayBounds") else "")


def sval(node: Any) -> str:
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
        tname = type_text(type_node)
        if inner is None or not re.fullmatch(r"[a-z_][a-z0-9_ .]*(\[\])?", tname):
            return None
        if type_node.get("typmods"):
            return None
        return f"{inner}::{tname}"
    return None


def literal_value(text: str) -> str:
    """A constant's value without casts or quotes, for comparing two constants."""
    base = text.split("::", 1)[0]
    if base.startswith("'") and base.endswith("'"):
        return base[1:-1].replace("''", "'")
    return base


def same_constant(a: str, b: str) -> bool:
    return literal_value(a) == literal_value(b)


def numeric(text: str) -> float | None:
    try:
        return float(literal_value(text))
    except ValueError:
        return None


def loc(node: Any, default: int = -1) -> int:
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


def column_refs(node: Any, *, into_sublinks: bool = True) -> Iterator[dict[str, Any]]:
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


def has(node: Any, kind: str) -> bool:
    return has_any(node, {kind})


def has_any(node: Any, kinds: set[str] | frozenset[str]) -> bool:
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


def is_null_const(node: Any) -> bool:
    return isinstance(node, dict) and bool((node.get("A_Const") or {}).get("isnull"))



# Functions PostgreSQL marks IMMUTABLE (for any argument type we would index).
_IMMUTABLE_FUNCS = frozenset(
    """lower upper btrim ltrim rtrim trim md5 abs left right substr substring length
    char_length octet_length replace reverse split_part concat_ws coalesce nullif
    jsonb_extract_path_text json_extract_path_text jsonb_extract_path jsonb_typeof
    array_length cardinality round trunc floor ceil ceiling sign mod""".split()
)
# Need a time zone (or DateStyle): IMMUTABLE only on timestamp without time zone / date.
_TIME_FUNCS = frozenset({"date_trunc", "date_part", "extract", "date", "to_char"})


def immutable_expr(node: Any, table: Table | None) -> bool:
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
            names = [sval(n) for n in call.get("funcname") or []]
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
            target = type_text(cast.get("typeName") or {})
            if _known_immutable_cast(cast, target, table):
                stack.append(cast.get("arg"))  # timestamp::date, integer::bigint
                continue
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


def _known_immutable_cast(cast: dict[str, Any], target: str, table: Table | None) -> bool:
    """A cast of one column whose type is known, by a cast PostgreSQL marks IMMUTABLE
    (``timestamp::date`` is; ``timestamptz::date`` and ``text::date`` are not)."""
    from sqllint.migrations.volatility import cast_volatility, typname

    arg = cast.get("arg")
    if not isinstance(arg, dict) or "ColumnRef" not in arg:
        return False
    types = _column_types(arg, table)
    source = typname(types[0]) if len(types) == 1 and types[0] != "?" else None
    goal = typname(target)
    return source is not None and goal is not None and cast_volatility(source, goal) is None


def _column_types(node: Any, table: Table | None) -> list[str]:
    out: list[str] = []
    for column_ref in column_refs(node):
        fields = column_ref.get("fields") or []
        col = table.column(sval(fields[-1])) if table is not None and fields else None
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


def is_json_extract(node: Any) -> bool:
    expr = node.get("A_Expr") if isinstance(node, dict) else None
    if expr is None and isinstance(node, dict) and "TypeCast" in node:
        return is_json_extract(node["TypeCast"].get("arg"))
    if not expr:
        return False
    name = "".join(sval(n) for n in expr.get("name") or [])
    return name in ("->>", "#>>", "->", "#>")
