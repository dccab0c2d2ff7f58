"""Queries inside function bodies and DO blocks, as statements located in the file.

PL/pgSQL bodies are read with ``pglast.parser.parse_plpgsql_json``; every embedded SQL
statement (and every expression holding a subquery) becomes a ``Statement`` whose
positions map into the body. SQL-language bodies are split and parsed as SQL;
``BEGIN ATOMIC`` bodies are already in the tree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from pglast import parser as pg

from sqllint.model import OffsetMap, Segment, Statement
from sqllint.sources import sqlfile

_QUERY_NODES = sqlfile.QUERY_NODES
_FIRST_WORD = re.compile(r"\s*([A-Za-z_]+)")


def embedded_statements(stmt: Statement) -> Iterator[Statement]:
    """The queries of a CREATE FUNCTION / DO statement (none for other statements)."""
    node = stmt.node or {}
    kind = stmt.node_type
    inner = node.get(kind) or {}
    if kind == "CreateFunctionStmt":
        name = ".".join(_sval(n) for n in inner.get("funcname") or []) or "?"
        origin = f"function {name}"
        language = "sql"
        body_elem: dict[str, Any] | None = None
        for opt in inner.get("options") or []:
            elem = opt.get("DefElem") if isinstance(opt, dict) else None
            if not elem:
                continue
            if elem.get("defname") == "language":
                language = _sval(elem.get("arg")).lower()
            elif elem.get("defname") == "as":
                body_elem = elem
        if inner.get("sql_body") is not None:
            yield from _atomic(stmt, inner["sql_body"], origin)
            return
        if body_elem is None:
            return
        items = (body_elem.get("arg") or {}).get("List", {}).get("items") or []
        if len(items) != 1:
            return
        body = _sval(items[0])
        start = _body_start(stmt.sql, body_elem.get("arg_location"))
        if language == "plpgsql":
            yield from _plpgsql(stmt, body, start, origin)
        elif language == "sql":
            yield from _sql_body(stmt, body, start, origin)
    elif kind == "DoStmt":
        language = "plpgsql"
        body = None
        location = None
        for arg in inner.get("args") or []:
            elem = arg.get("DefElem") if isinstance(arg, dict) else None
            if not elem:
                continue
            if elem.get("defname") == "language":
                language = _sval(elem.get("arg")).lower()
            elif elem.get("defname") == "as":
                body = _sval(elem.get("arg"))
                location = elem.get("arg_location", elem.get("location"))
        if body is not None and language == "plpgsql":
            yield from _plpgsql(stmt, body, _body_start(stmt.sql, location), "function DO")


def _sval(node: Any) -> str:
    if isinstance(node, dict):
        inner = node.get("String")
        if isinstance(inner, dict):
            return str(inner.get("sval", ""))
    return ""


def _body_start(sql: str, arg_location: Any) -> int:
    """Character offset in ``sql`` where the body string's content starts."""
    if not isinstance(arg_location, int) or arg_location < 0:
        return -1
    at: int = arg_location
    if not sql.isascii():
        at = len(sql.encode("utf-8")[:at].decode("utf-8", errors="ignore"))
    rest = sql[at:]
    m = re.match(r"\$[A-Za-z_0-9]*\$|[Ee]?'", rest)
    if not m:
        return -1
    return at + len(m.group())


def _atomic(stmt: Statement, body: Any, origin: str) -> Iterator[Statement]:
    """BEGIN ATOMIC … END / RETURN expr: nodes already located in ``stmt.sql``."""
    stack = [body]
    while stack:
        cur = stack.pop()
        if isinstance(cur, list):
            stack.extend(reversed(cur))
        elif isinstance(cur, dict):
            kind = next(iter(cur)) if len(cur) == 1 else ""
            if kind in _QUERY_NODES:
                yield replace(stmt, node=cur, kind="query", origin=origin)
            elif kind == "ReturnStmt":
                yield replace(stmt, node={"SelectStmt": {"targetList": [
                    {"ResTarget": {"val": cur[kind].get("returnval")}}]}},
                    kind="query", origin=origin)
            else:
                stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))


def _sql_body(stmt: Statement, body: str, start: int, origin: str) -> Iterator[Statement]:
    try:
        spans = sqlfile.split(body)
    except Exception:  # pragma: no cover - the splitter has its own fallbacks
        return
    for span in spans:
        text = body[span.start:span.end]
        yield from _make(stmt, text, start + span.start if start >= 0 else -1, origin)


def _plpgsql(stmt: Statement, body: str, start: int, origin: str) -> Iterator[Statement]:
    try:
        tree = json.loads(pg.parse_plpgsql_json(stmt.sql))
    except Exception:  # a body PL/pgSQL itself rejects, or an odd statement
        return
    line_starts = [0] + [m.end() for m in re.finditer("\n", body)]
    for lineno, query, mode in _expressions(tree):
        if mode == 0:
            text = query
        elif "select" in query.lower():
            text = None  # an expression with a subquery: analysed as SELECT <expr>
        else:
            continue
        line = max(1, lineno) - 1
        from_offset = line_starts[line] if line < len(line_starts) else 0
        where = _find(body, query, from_offset)
        base = start + where if start >= 0 and where >= 0 else -1
        if text is not None:
            yield from _make(stmt, text, base, origin)
        else:
            yield from _make(stmt, "SELECT " + query, base, origin, prefix=7)


def _expressions(tree: Any) -> Iterator[tuple[int, str, int]]:
    """(line in body, query text, parse mode) of every PLpgSQL_expr, in body order."""
    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        cur, lineno = stack.pop()
        if isinstance(cur, list):
            stack.extend((item, lineno) for item in reversed(cur))
        elif isinstance(cur, dict):
            if "lineno" in cur and isinstance(cur["lineno"], int):
                lineno = cur["lineno"]
            expr = cur.get("PLpgSQL_expr")
            if isinstance(expr, dict) and isinstance(expr.get("query"), str):
                yield lineno, expr["query"], int(expr.get("parseMode", 0) or 0)
                continue
            if "PLpgSQL_stmt_dynexecute" in cur or "PLpgSQL_stmt_dynfors" in cur:
                continue
            items = [(v, lineno) for k, v in cur.items()
                     if isinstance(v, (dict, list)) and k != "datums"]
            stack.extend(reversed(items))


def _find(body: str, query: str, from_offset: int) -> int:
    """Where ``query`` starts in ``body`` at or after ``from_offset`` (-1 if unsure)."""
    m = _FIRST_WORD.match(query)
    if not m:
        return from_offset
    word = m.group(1)
    if word.lower() == "select":
        pattern = r"\b(?:select|perform)\b"
    else:
        pattern = r"\b" + re.escape(word) + r"\b"
    hit = re.compile(pattern, re.I).search(body, from_offset, from_offset + 4000)
    return hit.start() if hit else from_offset


def _make(stmt: Statement, text: str, base: int, origin: str,
          prefix: int = 0) -> Iterator[Statement]:
    if not text.strip():
        return
    node, error, _ = sqlfile.parse(text)
    if node is None or error is not None:
        return
    if next(iter(node)) not in _QUERY_NODES:
        return
    line, col = stmt.position(base if base >= 0 else 0)
    if prefix:
        offsets = OffsetMap((Segment(0, line, col, escaped=True), Segment(prefix, line, col)))
    else:
        offsets = OffsetMap.at(line, col)
    yield Statement(path=stmt.path, sql=text, offsets=offsets, kind="query", origin=origin,
                    node=node, migration=stmt.migration, seq=stmt.seq)
