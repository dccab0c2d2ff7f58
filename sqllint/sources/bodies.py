"""The statements inside CREATE FUNCTION / PROCEDURE bodies and DO blocks, located in the file.

This module owns reading a body (its language and text from the ``language`` / ``as``
options, where its text starts in the statement) and turning it into ``Statement``s
positioned exactly in the file:

* PL/pgSQL bodies (functions and DO blocks) are read with
  ``pglast.parser.parse_plpgsql_json``, which gives the text and the line of every
  embedded SQL statement and expression; each is found in the body from that line;
* SQL-language bodies are split and parsed like a file;
* ``BEGIN ATOMIC`` / ``RETURN expr`` bodies are already in the statement's tree.

Every ``BodyStatement`` says what it is (``source``) and whether its text was found
verbatim in the body, so the query analysis (``sqllint.analysis.queries``) and the migration steps
(``sqllint.migrations.steps``) take what they need from the one walk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

from pglast import parser as pg

from sqllint.model import OffsetMap, Segment, Statement
from sqllint.sources import sqlfile

Container = Literal["function", "do"]
# sql: a statement of a SQL-language body; atomic: a query of a BEGIN ATOMIC body (its
# node located in the CREATE statement's text); plpgsql: an SQL statement of a PL/pgSQL
# body; query: a query PL/pgSQL runs otherwise (PERFORM, RETURN QUERY, FOR … IN query,
# OPEN cursor); expression: a PL/pgSQL expression holding a subquery, as SELECT <expr>;
# execute: the SQL of EXECUTE '<literal>'.
Source = Literal["sql", "atomic", "plpgsql", "query", "expression", "execute"]

_DOLLAR = re.compile(r"\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$")
_OPENING = re.compile(r"\$[A-Za-z_0-9]*\$|[Ee]?'")
_FIRST_WORD = re.compile(r"\s*([A-Za-z_]+)")
_DYNAMIC = ("PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors")


@dataclass(frozen=True)
class BodyStatement:
    # Positioned in the file, with the path, seq, origin and migration flag of ``parent``;
    # ``kind`` is what ``sqlfile.classify`` says, ``error`` set when it did not parse.
    stmt: Statement
    container: Container
    parent: Statement
    source: Source
    origin: str  # "function <name>" or "function DO"
    # Its text was found verbatim in the body (PL/pgSQL rewrites PERFORM as SELECT and
    # takes INTO clauses out: those are placed at their first keyword).
    verbatim: bool
    dynamic: bool = False  # inside EXECUTE … / FOR … IN EXECUTE … (the loop body included)


@dataclass(frozen=True)
class _Body:
    container: Container
    origin: str
    language: str
    text: str | None  # None: no AS option (BEGIN ATOMIC, or none at all)
    # Character offset of ``text`` in the statement (after the opening quote; approximate
    # past '' escapes of a quoted body). None: unknown, statements go at the statement start.
    start: int | None
    doubled: bool  # a '…' body whose quotes are doubled in the statement
    atomic: Any  # sql_body of a BEGIN ATOMIC function


def read_bodies(cache: dict[str, Any], stmt: Statement) -> tuple[BodyStatement, ...]:
    """``body_statements(stmt)``, read once for every rule of a run (``cache`` is the
    run's ``Context.cache``: the query analysis and the migration steps both ask)."""
    if stmt.node_type not in _BODY_NODES:
        return ()
    memo: dict[int, tuple[BodyStatement, ...]] | None = cache.get(_READ)
    if memo is None:
        memo = cache[_READ] = {}
    found = memo.get(id(stmt))
    if found is None:
        found = memo[id(stmt)] = tuple(body_statements(stmt))
    return found


_BODY_NODES = frozenset({"CreateFunctionStmt", "DoStmt"})
_READ = "sources:bodies"  # ``Context.cache``: id(statement) → its body statements


def body_statements(stmt: Statement) -> Iterator[BodyStatement]:
    """The statements inside ``stmt`` when it is CREATE FUNCTION/PROCEDURE or DO."""
    body = _read(stmt)
    if body is None:
        return
    if body.atomic is not None:
        for node in _atomic(body.atomic):
            yield BodyStatement(replace(stmt, node=node, kind="query"), body.container, stmt,
                                "atomic", body.origin, True)
    elif body.text is None:
        return
    elif body.language == "plpgsql":
        yield from _plpgsql(stmt, body, body.text)
    elif body.language == "sql":
        for span in sqlfile.split(body.text):
            text = body.text[span.start : span.end]
            lead = len(text) - len(text.lstrip())
            sub = _positioned(stmt, body, text.strip(), span.start + lead)
            if sub is not None:
                yield BodyStatement(sub, body.container, stmt, "sql", body.origin, True)


def _read(stmt: Statement) -> _Body | None:
    """The language and body text of a CREATE FUNCTION / DO statement (None for others)."""
    node = stmt.node or {}
    if "CreateFunctionStmt" in node:
        inner = node["CreateFunctionStmt"]
        container: Container = "function"
        name = ".".join(_sval(n) for n in inner.get("funcname") or []) or "?"
        origin, language, options = f"function {name}", "sql", inner.get("options")
    elif "DoStmt" in node:
        inner = node["DoStmt"]
        container, origin, language, options = "do", "function DO", "plpgsql", inner.get("args")
    else:
        return None
    body_elem: dict[str, Any] | None = None
    for opt in options or []:
        elem = opt.get("DefElem") if isinstance(opt, dict) else None
        if not isinstance(elem, dict):
            continue
        if elem.get("defname") == "language":
            language = _sval(elem.get("arg")).lower()
        elif elem.get("defname") == "as":
            body_elem = elem
    atomic = inner.get("sql_body")
    if atomic is not None or body_elem is None:
        return _Body(container, origin, language, None, None, False, atomic)
    arg = body_elem.get("arg") or {}
    # CREATE FUNCTION: a list (two items for C functions: AS 'obj_file', 'link_symbol');
    # DO: the string itself.
    items = (arg.get("List") or {}).get("items") if "List" in arg else [arg]
    if not isinstance(items, list) or len(items) != 1:
        return None
    text = _sval(items[0])
    location = body_elem.get("arg_location", body_elem.get("location"))
    start = _body_start(stmt.sql, location, text)
    doubled = (start is not None and _plain_quote(stmt.sql, start)
               and not stmt.sql.startswith(text, start))
    return _Body(container, origin, language, text, start, doubled, None)


def _plain_quote(sql: str, start: int) -> bool:
    """Does the body starting at ``start`` open with a plain quote (not E'…', not $$)?"""
    return sql[start - 1 : start] == "'" and sql[start - 2 : start - 1] not in ("E", "e")


def _sval(node: Any) -> str:
    if isinstance(node, dict):
        inner = node.get("String")
        if isinstance(inner, dict):
            return str(inner.get("sval", ""))
    return ""


def _body_start(sql: str, arg_location: Any, body: str) -> int | None:
    """Character offset in ``sql`` where the body text starts (after its opening quote):
    where the text is found verbatim, else after the quote at ``arg_location`` (a quoted
    body with '' or backslash escapes), else None."""
    located: int | None = None
    if isinstance(arg_location, int) and arg_location >= 0:
        located = arg_location
        if not sql.isascii():  # JSON locations are UTF-8 bytes
            located = len(sql.encode("utf-8")[:located].decode("utf-8", errors="ignore"))
    candidates = [] if located is None else [located]
    candidates.extend(m.start() for m in _DOLLAR.finditer(sql))
    for loc in candidates:
        m = _DOLLAR.match(sql, loc)
        if m and sql.startswith(body, m.end()):
            return m.end()
        if sql.startswith("'", loc) and sql.startswith(body, loc + 1) and "'" not in body:
            return loc + 1
    m = _OPENING.match(sql, located) if located is not None else None
    return m.end() if m else None


def _positioned(stmt: Statement, body: _Body, text: str, at: int | None,
                prefix: int = 0) -> Statement | None:
    """A statement for ``text`` (after ``prefix`` characters of our own), which starts at
    character ``at`` of the body; at the start of ``stmt`` when that is unknown."""
    node, error, error_offset = sqlfile.parse(text)
    if node is None:
        return None
    offset = 0
    if body.start is not None and at is not None:
        offset = body.start + at
        if body.doubled:  # '…' body: each quote before ``at`` is written twice
            offset += body.text.count("'", 0, at) if body.text else 0
    line, column = stmt.position(offset)
    if prefix:
        offsets = OffsetMap((Segment(0, line, column, escaped=True),
                             Segment(prefix, line, column)))
    else:
        offsets = OffsetMap.at(line, column)
    return replace(stmt, sql=text, offsets=offsets, node=node,
                   kind=sqlfile.classify(node, stmt.migration), error=error,
                   error_offset=error_offset)


def _atomic(body: Any) -> Iterator[dict[str, Any]]:
    """BEGIN ATOMIC … END / RETURN expr: the query nodes, already located in the statement."""
    stack = [body]
    while stack:
        cur = stack.pop()
        if isinstance(cur, list):
            stack.extend(reversed(cur))
        elif isinstance(cur, dict):
            kind = next(iter(cur)) if len(cur) == 1 else ""
            if kind in sqlfile.QUERY_NODES:
                yield cur
            elif kind == "ReturnStmt":
                yield {"SelectStmt": {"targetList": [
                    {"ResTarget": {"val": cur[kind].get("returnval")}}]}}
            else:
                stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))


def _plpgsql(stmt: Statement, body: _Body, text: str) -> Iterator[BodyStatement]:
    try:
        tree = json.loads(pg.parse_plpgsql_json(stmt.sql))
    except Exception:  # a body PL/pgSQL itself rejects, or an odd statement
        return
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    for lineno, query, mode, owner, dynamic in _expressions(tree):
        line = max(1, lineno) - 1
        from_offset = line_starts[line] if line < len(line_starts) else 0
        source: Source
        if owner == "PLpgSQL_stmt_dynexecute.query":
            # A constant string (quotes inside doubled): the statement is static.
            if not (len(query) > 2 and query[0] == query[-1] == "'"
                    and "'" not in query[1:-1].replace("''", "")):
                continue
            source, sql, prefix = "execute", query[1:-1].replace("''", "'"), 0
            where, exact = _find(text, query, from_offset)
            where += 1
            exact = exact and "''" not in query
        elif mode == 0:
            source = "plpgsql" if owner.startswith("PLpgSQL_stmt_execsql") else "query"
            sql, prefix = query, 0
            where, exact = _find(text, query, from_offset)
        elif "select" in query.lower():
            source, sql, prefix = "expression", "SELECT " + query, 7
            where, exact = _find(text, query, from_offset)
        else:
            continue
        sub = _positioned(stmt, body, sql, where, prefix)
        if sub is not None:
            yield BodyStatement(sub, body.container, stmt, source, body.origin, exact, dynamic)


def _expressions(tree: Any) -> Iterator[tuple[int, str, int, str, bool]]:
    """(line in body, query text, parse mode, what it is, inside EXECUTE or FOR … IN
    EXECUTE) of every PLpgSQL_expr, in body order. What it is: the PL/pgSQL statement
    holding it, with ``.query`` for the query field of that statement."""
    stack: list[tuple[Any, int, str, bool]] = [(tree, 0, "", False)]
    while stack:
        cur, lineno, owner, dynamic = stack.pop()
        if isinstance(cur, list):
            stack.extend((item, lineno, owner, dynamic) for item in reversed(cur))
        elif isinstance(cur, dict):
            if "lineno" in cur and isinstance(cur["lineno"], int):
                lineno = cur["lineno"]
            expr = cur.get("PLpgSQL_expr")
            if isinstance(expr, dict) and isinstance(expr.get("query"), str):
                yield lineno, expr["query"], int(expr.get("parseMode", 0) or 0), owner, dynamic
                continue
            key = next(iter(cur)) if len(cur) == 1 else ""
            if key.startswith("PLpgSQL_stmt_"):
                owner, dynamic = key, dynamic or key in _DYNAMIC
            stack.extend(reversed([
                (v, lineno, f"{owner}.query" if k == "query" else owner, dynamic)
                for k, v in cur.items() if isinstance(v, (dict, list)) and k != "datums"]))


def _find(body: str, query: str, from_offset: int) -> tuple[int, bool]:
    """Where ``query`` starts in ``body``, at or after ``from_offset``, and whether it is
    there verbatim; else where its first keyword is (PL/pgSQL rewrites PERFORM as SELECT
    and takes INTO clauses out), or ``from_offset``."""
    at = body.find(query, from_offset)
    if at >= 0 and "\n" not in body[from_offset:at]:  # on the statement's line
        return at, True
    m = _FIRST_WORD.match(query)
    if not m:
        return from_offset, False
    word = m.group(1)
    if word.lower() == "select":
        pattern = r"\b(?:select|perform)\b"
    else:
        pattern = r"\b" + re.escape(word) + r"\b"
    hit = re.compile(pattern, re.I).search(body, from_offset, from_offset + 4000)
    return (hit.start() if hit else from_offset), False
