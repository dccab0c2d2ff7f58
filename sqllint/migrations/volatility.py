"""Which functions, operators and casts are not IMMUTABLE, from PostgreSQL's own catalog.

The data (``sqllint/data/volatility.json``, ``extensions.json``) is generated from a
real server by ``scripts/gen_pg_data.py``; this module loads it and answers questions
about one expression of a pglast JSON tree, with column types taken from the catalog.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from sqllint.sqltext import SQL_VALUE_FUNCTION_NAMES, dict_nodes, names, strval, type_name

WORDS = {"i": "IMMUTABLE", "s": "STABLE", "v": "VOLATILE"}

# Catalog type text (format_type style) → pg_type.typname, as the data files use.
_TYPNAMES = {
    "timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp",
    "time with time zone": "timetz", "time without time zone": "time", "integer": "int4",
    "int": "int4", "bigint": "int8", "smallint": "int2", "boolean": "bool",
    "character varying": "varchar", "character": "bpchar", "char": "bpchar",
    "double precision": "float8", "real": "float4", "decimal": "numeric", "serial": "int4",
    "bigserial": "int8", "smallserial": "int2", "bit varying": "varbit", "float": "float8",
}
# Implicit coercions good enough to pick an overload (argument type → accepted types).
_COERCE = {
    "varchar": {"text"}, "bpchar": {"text"}, "unknown": None, "int2": {"int4", "int8", "numeric"},
    "int4": {"int8", "numeric", "float8"}, "int8": {"numeric"}, "name": {"text"},
}
_SVF = SQL_VALUE_FUNCTION_NAMES


def _load(name: str) -> dict[str, Any]:
    text = resources.files("sqllint").joinpath("data", name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def _volatility() -> dict[str, Any]:
    data = _load("volatility.json")
    by_name: dict[str, str] = {}
    for vol, fnames in data["functions"].items():
        for fname in fnames:
            by_name[fname] = vol
    data["by_name"] = by_name
    data["ops"] = {(o, left, right): vol for o, left, right, vol in data["operators"]}
    data["cast_map"] = {(s, t): vol for s, t, vol in data["casts"]}
    return data


@lru_cache(maxsize=1)
def extension_data() -> dict[str, Any]:
    """``functions`` / ``opclasses`` / ``types`` (name → extension) core PostgreSQL lacks."""
    return _load("extensions.json")


def typname(type_text: str | None) -> str | None:
    """The pg_type name of a catalog type text: ``timestamp(3) with time zone`` → timestamptz."""
    if not type_text or type_text == "unknown":
        return None
    text = re.sub(r"\([^)]*\)", "", type_text.lower()).strip()
    text = " ".join(text.split())
    if text.endswith("[]"):
        return None
    text = text.split(".")[-1].strip('"')
    return _TYPNAMES.get(text, text)


def is_builtin_function(name: str) -> bool:
    data = _volatility()
    return name in data["by_name"] or name in data["by_args"]


def function_volatility(name: str, argtypes: Sequence[str | None]) -> str | None:
    """'i' / 's' / 'v' of a built-in (or contrib) function, None when it cannot be told."""
    data = _volatility()
    if name in data["by_name"]:
        return str(data["by_name"][name])
    sigs: dict[str, str] | None = data["by_args"].get(name)
    if not sigs:
        return None
    same_arity = {sig: vol for sig, vol in sigs.items()
                  if len(sig.split(",") if sig else []) == len(argtypes)}
    matching = {vol for sig, vol in same_arity.items()
                if _accepts(sig.split(",") if sig else [], argtypes)}
    if len(matching) == 1:
        return matching.pop()
    return None


def _accepts(params: list[str], args: Sequence[str | None]) -> bool:
    for param, arg in zip(params, args, strict=True):
        if arg is None or arg == "unknown" or arg == param:
            continue
        if param in (_COERCE.get(arg) or ()):
            continue
        return False
    return True


def operator_volatility(op: str, left: str | None, right: str | None) -> str | None:
    """Volatility of a non-immutable operator for these operand types (None: immutable/unknown)."""
    if left is None and right is None:
        return None
    vol = _volatility()["ops"].get((op, left or "", right or ""))
    return str(vol) if vol else None


def cast_volatility(source: str | None, target: str | None) -> str | None:
    """Volatility of a non-immutable cast (a cast function, or text I/O of a date/time type)."""
    if source is None or target is None or source == target:
        return None
    data = _volatility()
    vol = data["cast_map"].get((source, target))
    if vol:
        return str(vol)
    if target in ("text", "varchar", "bpchar") and source in data["io"]:
        return str(data["io"][source])
    if source in ("text", "varchar", "bpchar") and target in data["io"]:
        return str(data["io"][target])
    return None


@dataclass(frozen=True)
class Mutable:
    """A call in an expression that is not IMMUTABLE."""

    what: str  # e.g. "now()", "date_trunc(text, timestamptz)", "current_date", "::date"
    volatility: str  # "s" or "v"
    offset: int  # character offset of the call in the statement
    function: str  # the function name ("" for casts and operators)
    column: str | None = None  # the timestamptz column it applies to, when there is one

    @property
    def word(self) -> str:
        return WORDS.get(self.volatility, self.volatility)


def mutable_calls(
    node: Any,
    columns: Mapping[str, str],
    user_functions: Mapping[str, str],
) -> Iterator[Mutable]:
    """Every non-immutable call in ``node``; ``columns`` maps column name → catalog type."""
    for cur in dict_nodes(node):
        if "FuncCall" in cur:
            yield from _func_call(cur["FuncCall"], columns, user_functions)
        elif "SQLValueFunction" in cur:
            svf = cur["SQLValueFunction"]
            label = _SVF.get(str(svf.get("op")), "current_timestamp")
            yield Mutable(label, "s", int(svf.get("location", 0)), label)
        elif "TypeCast" in cur:
            tc = cur["TypeCast"]
            src = expr_type(tc.get("arg"), columns)
            target = typname(type_name(tc.get("typeName") or {}))
            vol = cast_volatility(src, target)
            if vol and not _is_literal(tc.get("arg")):
                yield Mutable(f"{src}::{target}", vol, int(tc.get("location", 0)), "",
                              _column_name(tc.get("arg")))
        elif "A_Expr" in cur and cur["A_Expr"].get("kind") == "AEXPR_OP":
            ax = cur["A_Expr"]
            op = strval((ax.get("name") or [""])[-1])
            left, right = expr_type(ax.get("lexpr"), columns), expr_type(ax.get("rexpr"), columns)
            vol = operator_volatility(op, left, right)
            if vol:
                yield Mutable(f"{left} {op} {right}", vol, int(ax.get("location", 0)), "")


def _func_call(
    call: dict[str, Any], columns: Mapping[str, str], user_functions: Mapping[str, str]
) -> Iterator[Mutable]:
    parts = names(call.get("funcname"))
    fname = parts[-1] if parts else ""
    args = call.get("args") or []
    argtypes = [expr_type(a, columns) for a in args]
    if fname in user_functions and (len(parts) == 1 or parts[0] != "pg_catalog"):
        vol: str | None = user_functions[fname]
    else:
        vol = function_volatility(fname, argtypes)
    if vol and vol != "i":
        shown = fname + "(" + ", ".join(
            "text" if t == "unknown" else (t or "?") for t in argtypes) + ")"
        if call.get("funcformat") == "COERCE_SQL_SYNTAX" and fname == "timezone":
            shown = "AT TIME ZONE"
        tz_column = next((_column_name(a) for a, t in zip(args, argtypes, strict=True)
                          if t == "timestamptz" and _column_name(a)), None)
        yield Mutable(shown, vol, int(call.get("location", 0)), fname, tz_column)


def _is_literal(node: Any) -> bool:
    return isinstance(node, dict) and "A_Const" in node


def _column_name(node: Any) -> str | None:
    if isinstance(node, dict) and "ColumnRef" in node:
        fields = node["ColumnRef"].get("fields") or []
        if fields and "String" in fields[-1]:
            return strval(fields[-1])
    return None


def expr_type(node: Any, columns: Mapping[str, str]) -> str | None:
    """The pg_type name of a simple expression (column, literal, cast), else None."""
    if not isinstance(node, dict) or len(node) != 1:
        return None
    kind, inner = next(iter(node.items()))
    if kind == "ColumnRef":
        col = _column_name(node)
        return typname(columns.get(col)) if col else None
    if kind == "A_Const":
        if "sval" in inner:
            return "unknown"
        if "ival" in inner:
            return "int4"
        if "fval" in inner:
            return "numeric"
        if "boolval" in inner:
            return "bool"
        return None
    if kind == "TypeCast":
        return typname(type_name(inner.get("typeName") or {}))
    if kind == "SQLValueFunction":
        op = str(inner.get("op", ""))
        if "TIMESTAMP" in op and "LOCAL" not in op:
            return "timestamptz"
        if "LOCALTIMESTAMP" in op:
            return "timestamp"
        if "DATE" in op:
            return "date"
        return None
    if kind == "FuncCall":
        fname = strval((inner.get("funcname") or [""])[-1])
        args = inner.get("args") or []
        if fname == "timezone" and len(args) == 2:
            return {"timestamptz": "timestamp", "timestamp": "timestamptz"}.get(
                expr_type(args[1], columns) or "")
        return {"now": "timestamptz", "clock_timestamp": "timestamptz",
                "statement_timestamp": "timestamptz", "transaction_timestamp": "timestamptz",
                "lower": "text", "upper": "text"}.get(fname)
    return None
