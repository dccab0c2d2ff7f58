"""Statements inside PL/pgSQL function bodies, SQL function bodies and DO blocks.

Each body statement becomes a ``Statement`` of its own, positioned exactly in the file:
the body string is found at its ``arg_location`` in the CREATE FUNCTION / DO statement,
PL/pgSQL statements are found through ``parse_plpgsql_json`` (which gives the text and
the line of each one within the body), SQL bodies are split like a file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

from pglast import parser as pg
from pglast.error import Error as PgError

from sqllint.model import OffsetMap, Statement
from sqllint.sources import sqlfile
from sqllint.sqltext import dict_nodes

Container = Literal["function", "do"]
_DOLLAR = re.compile(r"\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$")


@dataclass(frozen=True)
class BodyStatement:
    stmt: Statement  # positioned in the file; seq and path of the statement holding it
    container: Container
    parent: Statement


def body_statements(stmt: Statement) -> Iterator[BodyStatement]:
    """The statements inside ``stmt`` when it is CREATE FUNCTION/PROCEDURE or DO."""
    node = stmt.node or {}
    if "CreateFunctionStmt" in node:
        container: Container = "function"
        options = node["CreateFunctionStmt"].get("options") or []
    elif "DoStmt" in node:
        container = "do"
        options = node["DoStmt"].get("args") or []
    else:
        return
    language = "plpgsql" if container == "do" else "sql"
    body_elem: dict[str, Any] | None = None
    for opt in options:
        elem = opt.get("DefElem", {})
        if elem.get("defname") == "language":
            language = str(elem.get("arg", {}).get("String", {}).get("sval", "")).lower()
        elif elem.get("defname") == "as":
            body_elem = elem
    if body_elem is None:
        return
    arg = body_elem.get("arg") or {}
    items = arg.get("List", {}).get("items") if "List" in arg else [arg]
    if not items or len(items) != 1:
        return  # C functions: AS 'obj_file', 'link_symbol'
    body = str(items[0].get("String", {}).get("sval", ""))
    start = _body_start(stmt.sql, body_elem.get("arg_location"), body)
    if start is None:
        return
    if language == "plpgsql":
        found = _plpgsql(stmt, body, start, container)
    elif language == "sql":
        found = _sql(stmt, body, start)
    else:
        return
    for sub in found:
        yield BodyStatement(sub, container, stmt)


def _body_start(sql: str, arg_location: Any, body: str) -> int | None:
    """Character offset in ``sql`` where the body text starts (after its opening quote)."""
    candidates: list[int] = []
    if isinstance(arg_location, int) and arg_location >= 0:
        loc = arg_location
        if not sql.isascii():  # JSON locations are UTF-8 bytes
            loc = len(sql.encode("utf-8")[:loc].decode("utf-8", errors="ignore"))
        candidates.append(loc)
    candidates.extend(m.start() for m in _DOLLAR.finditer(sql))
    for loc in candidates:
        m = _DOLLAR.match(sql, loc)
        if m and sql.startswith(body, m.end()):
            return m.end()
        if sql.startswith("'", loc) and sql.startswith(body, loc + 1) and "'" not in body:
            return loc + 1
    return None


def _positioned(stmt: Statement, text: str, offset: int) -> Statement | None:
    """A statement for ``text``, which starts at character ``offset`` of ``stmt.sql``."""
    node, error, error_offset = sqlfile.parse(text)
    if node is None:
        return None
    line, column = stmt.position(offset)
    return replace(stmt, sql=text, offsets=OffsetMap.at(line, column), node=node,
                   kind=sqlfile.classify(node, stmt.migration), error=error,
                   error_offset=error_offset)


def _sql(stmt: Statement, body: str, start: int) -> Iterator[Statement]:
    for span in sqlfile.split(body):
        text = body[span.start : span.end]
        lead = len(text) - len(text.lstrip())
        sub = _positioned(stmt, text.strip(), start + span.start + lead)
        if sub is not None:
            yield sub


def _plpgsql(stmt: Statement, body: str, start: int, container: Container) -> Iterator[Statement]:
    if container == "function":
        source = stmt.sql
    else:
        source = ("CREATE FUNCTION sqllint_do() RETURNS void LANGUAGE plpgsql AS "
                  f"$sqllint_body${body}$sqllint_body$")
    try:
        tree = json.loads(pg.parse_plpgsql_json(source))
    except (PgError, RecursionError, ValueError):
        return
    line_starts = [0] + [i + 1 for i, ch in enumerate(body) if ch == "\n"]
    for lineno, query, literal in _queries(tree):
        if not 1 <= lineno <= len(line_starts):
            continue
        # The statement starts on its line (or, for a multi-line keyword, a little before).
        at = body.find(query, line_starts[max(0, lineno - 2)])
        if at < 0:
            continue
        if literal:
            at, query = at + 1, query[1:-1]
        sub = _positioned(stmt, query, start + at)
        if sub is not None:
            yield sub


def _queries(tree: Any) -> Iterator[tuple[int, str, bool]]:
    """(line in body, SQL text, is a quoted literal) of every SQL statement of the tree."""
    for cur in dict_nodes(tree):
        if "PLpgSQL_stmt_execsql" in cur:
            inner = cur["PLpgSQL_stmt_execsql"]
            query = inner.get("sqlstmt", {}).get("PLpgSQL_expr", {}).get("query")
            if query:
                yield int(inner.get("lineno", 0)), str(query), False
        elif "PLpgSQL_stmt_dynexecute" in cur:
            inner = cur["PLpgSQL_stmt_dynexecute"]
            query = str(inner.get("query", {}).get("PLpgSQL_expr", {}).get("query", ""))
            if len(query) > 2 and query[0] == query[-1] == "'" and "'" not in query[1:-1]:
                yield int(inner.get("lineno", 0)), query, True
