"""Turning pglast nodes back into text: canonical keys, deparsed expressions, names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from pglast import parser as pg
from pglast.error import Error as PgError
from pglast.stream import RawStream, maybe_double_quote_name

_TYPE_NAMES = {
    "int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real",
    "float8": "double precision", "bool": "boolean", "varchar": "character varying",
    "bpchar": "character", "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone", "timetz": "time with time zone",
    "time": "time without time zone", "varbit": "bit varying",
}
_SERIALS = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint",
            "serial4": "integer", "serial8": "bigint", "serial2": "smallint"}


def _position_fields() -> frozenset[str]:
    """Every node field that holds a parser position (``location``, ``rexpr_list_start``, …)."""
    from pglast import ast

    found = {"location", "stmt_location", "stmt_len"}
    for cls in vars(ast).values():
        slots = getattr(cls, "__slots__", None)
        if isinstance(slots, dict):
            found.update(k for k, v in slots.items()
                         if getattr(v, "c_type", v) == "ParseLoc")
    return frozenset(found)


POSITION_FIELDS = _position_fields()


def strip_locations(node: Any) -> Any:
    """The node without parser positions: equal for equal text written anywhere."""
    if isinstance(node, dict):
        return {k: strip_locations(v) for k, v in node.items() if k not in POSITION_FIELDS}
    if isinstance(node, list):
        return [strip_locations(v) for v in node]
    return node


def canonical(node: Any) -> str:
    """A key equal for two nodes exactly when they are the same expression."""
    return json.dumps(strip_locations(node), sort_keys=True, separators=(",", ":"))


def strval(node: Any) -> str:
    """The text of a ``String`` node (or a bare string)."""
    if isinstance(node, dict):
        inner = node.get("String") or node
        return str(inner.get("sval", ""))
    return str(node)


def names(items: Any) -> list[str]:
    return [strval(i) for i in items or []]


def type_name(type_node: dict[str, Any]) -> str:
    """A column type as PostgreSQL's format_type prints it."""
    parts = names(type_node.get("names"))
    base = parts[-1] if parts else "unknown"
    if base == "char" and (len(parts) == 1 or parts[0] == "pg_catalog"):
        base = '"char"'  # the one-byte internal type: unquoted CHAR is pg_catalog.bpchar
    elif len(parts) == 2 and parts[0] == "pg_catalog":
        base = _TYPE_NAMES.get(base, base)
    else:
        base = _SERIALS.get(base, base)
        base = _TYPE_NAMES.get(base, base) if len(parts) == 1 and base in (
            "varchar", "bpchar", "timestamptz", "bool", "int4", "int8") else base
    mods = []
    for mod in type_node.get("typmods") or []:
        const = mod.get("A_Const", {})
        if "ival" in const:
            mods.append(str(const["ival"].get("ival", 0)))
        elif "ColumnRef" in mod and base in ("geometry", "geography"):
            # PostGIS prints its subtype in its own case: geometry(Polygon,4326).
            mods.append(_postgis_subtype(strval((mod["ColumnRef"].get("fields") or [""])[-1])))
    if mods and base not in ("timestamp with time zone", "timestamp without time zone",
                             "time with time zone", "time without time zone"):
        base += "(" + ",".join(mods) + ")"
    elif mods:
        word, _, rest = base.partition(" ")
        base = f"{word}({mods[0]}) {rest}"
    if type_node.get("arrayBounds"):
        base += "[]" * len(type_node["arrayBounds"])
    return base


_POSTGIS_SUBTYPES = {name.lower(): name for name in (
    "Geometry", "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
    "MultiPolygon", "GeometryCollection", "CircularString", "CompoundCurve", "CurvePolygon",
    "MultiCurve", "MultiSurface", "PolyhedralSurface", "Triangle", "Tin")}


def _postgis_subtype(word: str) -> str:
    low = word.lower()
    for suffix in ("zm", "z", "m", ""):
        stem = low[: len(low) - len(suffix)] if suffix else low
        if low.endswith(suffix) and stem in _POSTGIS_SUBTYPES:
            return _POSTGIS_SUBTYPES[stem] + suffix.upper()
    return word


def is_serial(type_node: dict[str, Any]) -> bool:
    parts = names(type_node.get("names"))
    return len(parts) == 1 and parts[0] in _SERIALS


@lru_cache(maxsize=256)
def _object_tree(sql: str) -> Any:
    try:
        return pg.parse_sql(sql)
    except (PgError, RecursionError):
        return None


def deparse_at(sql: str, location: int, kind: str | None = None, fallback: str = "") -> str:
    """Deparse the node of type ``kind`` at character ``location`` of ``sql``.

    pglast's JSON tree cannot be printed directly; its Python tree can, and carries
    the same (character) locations, so the node is found there by type and position.
    """
    tree = _object_tree(sql)
    if tree is None:
        return fallback
    found = _find_at(tree, location, kind)
    if found is None:
        return fallback
    try:
        return str(RawStream()(found))
    except Exception:  # pglast printers do not cover every node; fall back to the source
        return fallback


def _find_at(tree: Any, location: int, kind: str | None) -> Any:
    from pglast import ast

    stack = [tree]
    while stack:
        cur = stack.pop()
        if isinstance(cur, (list, tuple)):
            stack.extend(reversed(cur))
            continue
        if not isinstance(cur, ast.Node):
            continue
        if getattr(cur, "location", None) == location and (
            kind is None or type(cur).__name__ == kind
        ):
            return cur
        for attr in reversed(getattr(cur, "__slots__", ())):
            value = getattr(cur, attr, None)
            if isinstance(value, (ast.Node, list, tuple)):
                stack.append(value)
    return None


# SQLValueFunction kinds by the name PostgreSQL gives them (an output column's name).
SQL_VALUE_FUNCTION_NAMES = {
    "SVFOP_CURRENT_DATE": "current_date", "SVFOP_CURRENT_TIME": "current_time",
    "SVFOP_CURRENT_TIME_N": "current_time", "SVFOP_CURRENT_TIMESTAMP": "current_timestamp",
    "SVFOP_CURRENT_TIMESTAMP_N": "current_timestamp", "SVFOP_LOCALTIME": "localtime",
    "SVFOP_LOCALTIME_N": "localtime", "SVFOP_LOCALTIMESTAMP": "localtimestamp",
    "SVFOP_LOCALTIMESTAMP_N": "localtimestamp", "SVFOP_CURRENT_ROLE": "current_role",
    "SVFOP_CURRENT_USER": "current_user", "SVFOP_USER": "user",
    "SVFOP_SESSION_USER": "session_user", "SVFOP_CURRENT_CATALOG": "current_catalog",
    "SVFOP_CURRENT_SCHEMA": "current_schema",
}

_SQL_VALUE_FUNCTIONS = {
    "SVFOP_CURRENT_DATE": "CURRENT_DATE", "SVFOP_CURRENT_TIME": "CURRENT_TIME",
    "SVFOP_CURRENT_TIMESTAMP": "CURRENT_TIMESTAMP", "SVFOP_LOCALTIME": "LOCALTIME",
    "SVFOP_LOCALTIMESTAMP": "LOCALTIMESTAMP", "SVFOP_CURRENT_USER": "CURRENT_USER",
    "SVFOP_SESSION_USER": "SESSION_USER", "SVFOP_USER": "USER",
    "SVFOP_CURRENT_ROLE": "CURRENT_ROLE",
}


def simple_expr_text(node: Any) -> str | None:
    """Text of the common small expressions (constants, columns, plain function calls)
    straight from the JSON tree, exactly as pglast would print them; None otherwise.

    Column defaults are mostly such expressions, and printing them this way skips a
    second parse of the whole CREATE TABLE.
    """
    if not isinstance(node, dict) or len(node) != 1:
        return None
    kind, inner = next(iter(node.items()))
    if kind == "A_Const":
        if inner.get("isnull"):
            return "NULL"
        if "ival" in inner:
            return str(inner["ival"].get("ival", 0))
        if "fval" in inner:
            return str(inner["fval"].get("fval", "0"))
        if "boolval" in inner:
            return "TRUE" if inner["boolval"].get("boolval") else "FALSE"
        if "sval" in inner:
            return "'" + str(inner["sval"].get("sval", "")).replace("'", "''") + "'"
        return None
    if kind == "ColumnRef":
        fields = inner.get("fields") or []
        if fields and all("String" in f for f in fields):
            return ".".join(quote_ident(strval(f)) for f in fields)
        return None
    if kind == "SQLValueFunction":
        return _SQL_VALUE_FUNCTIONS.get(str(inner.get("op")))
    if kind == "FuncCall":
        if set(inner) - {"funcname", "args", "funcformat", "location"}:
            return None
        if inner.get("funcformat") not in (None, "COERCE_EXPLICIT_CALL"):
            return None
        args = [simple_expr_text(a) for a in inner.get("args") or []]
        if any(a is None for a in args):
            return None
        name = ".".join(names(inner.get("funcname")))
        return f"{name}({', '.join(a for a in args if a is not None)})"
    return None  # casts and operators: pglast's printer has the last word on their text


def deparse_expr_node(sql: str, node: dict[str, Any]) -> str:
    """Deparsed text of a JSON expression node of ``sql`` (found by type and location)."""
    quick = simple_expr_text(node)
    if quick is not None:
        return quick
    kind = next(iter(node)) if len(node) == 1 else None
    inner = node.get(kind) if kind else None
    own = inner.get("location") if isinstance(inner, dict) else None
    start = node_location(node)
    if start is None:
        return ""
    fallback = source_slice(sql, start)
    if isinstance(own, int) and own >= 0:
        return deparse_at(sql, own, kind, fallback=fallback)
    return deparse_at(sql, start, None, fallback=fallback)


def dict_nodes(tree: Any) -> Iterator[dict[str, Any]]:
    """Every dict of a pglast JSON tree, depth first, each before the dicts inside it."""
    stack = [tree]
    while stack:
        cur = stack.pop()
        if isinstance(cur, list):
            stack.extend(reversed(cur))
        elif isinstance(cur, dict):
            yield cur
            stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))


def node_location(node: Any) -> int | None:
    """The smallest location found in a node (its start in the source)."""
    best: int | None = None
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            for key, value in cur.items():
                if key == "location" and isinstance(value, int) and value >= 0:
                    best = value if best is None else min(best, value)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(cur, list):
            stack.extend(cur)
    return best


def source_slice(sql: str, start: int) -> str:
    """The balanced-parenthesis expression text starting at ``start``, up to the ``,``,
    ``;`` or unmatched ``)`` that ends it, read token by token (a quoted name or a string
    holding one of those does not end it); "" when the text does not scan."""
    try:
        tokens = pg.scan(sql[start:])
    except PgError:
        return ""
    depth = 0
    end = 0
    for token in tokens:
        text = sql[start + token.start : start + token.end + 1]
        if text == "(":
            depth += 1
        elif text == ")":
            if depth == 0:
                break
            depth -= 1
        elif text in (",", ";") and depth == 0:
            break
        end = token.end + 1
    return " ".join(sql[start : start + end].split())


def quote_ident(name: str) -> str:
    """Quote an identifier only where PostgreSQL needs it (pglast's rule: the one quoting
    function every generated statement uses)."""
    return str(maybe_double_quote_name(name))


class UnsafeSQL(ValueError):
    """Generated SQL that does not re-parse as the statements it was meant to be."""


def checked_sql(sql: str, *kinds: str) -> str:
    """``sql`` when it parses as exactly ``len(kinds)`` statements of those node types, in
    order; otherwise ``UnsafeSQL``. Every generated statement passes here before anyone
    can print or apply it: whatever an identifier held, it cannot become a second
    statement."""
    try:
        tree = json.loads(pg.parse_sql_json(sql))
    except Exception as exc:
        raise UnsafeSQL(f"generated SQL does not parse: {exc}") from exc
    found = [next(iter(s["stmt"])) for s in tree.get("stmts") or []]
    if found != list(kinds):
        raise UnsafeSQL(f"generated SQL is {found}, expected {list(kinds)}")
    return sql
