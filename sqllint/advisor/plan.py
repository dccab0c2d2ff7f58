"""The repository-wide index plan: one entry per index to build, with what it serves.

Every finding that asks for an index (its ``index`` is an ``IndexRequest``, or its
suggestion is a ``CREATE INDEX``) is a request. Per table, longer requests are taken
first; a request is dropped when an existing index already covers it, and merged into
a planned index whose keys start with its keys (equality keys in any order, then the
same keys in the same directions, same method and partial predicate). A partial
request of equality keys only is also served by a plain index with those leading keys.
``replaces`` lists existing non-unique indexes that the planned one makes redundant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from pglast import parser as pg

from sqllint.advisor.ddl import column_key, split_key
from sqllint.advisor.serve import expression_key, key_ident
from sqllint.advisor.suggest import IndexRequest
from sqllint.analysis.expressions import expr_key
from sqllint.catalog.model import Index
from sqllint.model import Finding
from sqllint.sqltext import quote_ident

if TYPE_CHECKING:
    from sqllint.context import Context
    from sqllint.result import PlannedIndex


@dataclass
class _Entry:
    request: IndexRequest
    serves: list[str] = field(default_factory=list)
    absorbed: set[str] = field(default_factory=set)


def plan_indexes(findings: list[Finding], ctx: Context) -> list[PlannedIndex]:
    """The consolidated plan for ``findings`` (sorted by table, then DDL)."""
    from sqllint.result import PlannedIndex

    by_table: dict[tuple[str, str], list[tuple[IndexRequest, str]]] = {}
    suggestions: dict[int, set[str]] = {}  # request → the suggestion texts it stands for
    for f in findings:
        request = f.index if isinstance(f.index, IndexRequest) else None
        if request is None and f.suggestion:
            request = parse_request(f.suggestion)
        if request is None or request.schema == "pg_temp":
            continue  # a temporary table's indexes belong to the code that creates it
        if f.suggestion:
            suggestions.setdefault(id(request), set()).add(f.suggestion)
        where = f"{f.location.path}:{f.location.line}"
        by_table.setdefault((request.schema, request.relname), []).append((request, where))
    out: list[PlannedIndex] = []
    for (schema, relname), items in sorted(by_table.items()):
        existing = ctx.catalog.indexes_on(f"{schema}.{relname}")
        entries: list[_Entry] = []
        ordered = sorted(items, key=lambda it: (-len(it[0].keys), it[0].where is not None,
                                                it[0].ddl, it[1]))
        for request, where in ordered:
            if any(covers_existing(index, request) for index in existing):
                continue
            host = next((e for e in entries if covers(e.request, request)), None)
            if host is None:
                host = _Entry(request)
                entries.append(host)
            if where not in host.serves:
                host.serves.append(where)
            host.absorbed.add(request.ddl)
            host.absorbed.update(suggestions.get(id(request), ()))
        for entry in entries:
            replaces = tuple(sorted(i.name for i in existing if _made_redundant(i,
                                                                                entry.request)))
            out.append(PlannedIndex(table=entry.request.table, ddl=entry.request.ddl,
                                    serves=tuple(sorted(entry.serves, key=_where_key)),
                                    replaces=replaces, name=entry.request.name,
                                    requests=tuple(sorted(entry.absorbed))))
    return sorted(out, key=lambda p: (p.table, p.ddl))


def _where_key(where: str) -> tuple[str, int]:
    path, _, line = where.rpartition(":")
    return path, int(line) if line.isdigit() else 0


def covers(host: IndexRequest, req: IndexRequest) -> bool:
    """Does an index built as ``host`` serve everything ``req`` asks for?"""
    if host.method != req.method or len(req.keys) > len(host.keys):
        return False
    if host.method != "btree" and host.keys != req.keys:
        return False
    if _where(host.where) != _where(req.where):
        equality_only = req.eq == len(req.keys)
        if not (host.where is None and req.where is not None and equality_only):
            return False
    if set(req.idents[:req.eq]) != set(host.idents[:req.eq]):
        return False
    reverse: bool | None = None
    for i in range(req.eq, len(req.keys)):
        if req.idents[i] != host.idents[i]:
            return False
        rel = req.descending[i] != host.descending[i]
        if reverse is None:
            reverse = rel
        elif reverse != rel:
            return False
    return True


def covers_existing(index: Index, req: IndexRequest) -> bool:
    """Does an existing index already serve ``req``?"""
    if index.method != req.method:
        return False
    host = IndexRequest(
        table=req.table, schema=req.schema, relname=req.relname,
        keys=tuple(k.text for k in index.keys), idents=tuple(key_ident(k) for k in index.keys),
        descending=tuple(k.descending for k in index.keys), eq=0, method=index.method,
        where=index.predicate, name=index.name)
    if host.method != "btree":
        return [split_key(k)[0] for k in host.keys] == [split_key(k)[0] for k in req.keys] and \
            _where(host.where) == _where(req.where) and _opclass_ok(index, req)
    return covers(host, req)


def _opclass_ok(index: Index, req: IndexRequest) -> bool:
    """A ``jsonb_path_ops`` GIN does not serve a plain (``jsonb_ops``) request."""
    wanted = {next((w for w in split_key(k)[1] if w != "DESC"), "").strip('"')
              for k in req.keys}
    have = {(k.opclass or "").split(".")[-1] for k in index.keys}
    return wanted == have or (wanted == {""} and not have - {"", "jsonb_ops"})


def _made_redundant(index: Index, req: IndexRequest) -> bool:
    if index.unique or index.primary or index.constraint or index.method != req.method:
        return False
    if req.method != "btree" or _where(index.predicate) != _where(req.where):
        return False
    mine = IndexRequest(
        table=req.table, schema=req.schema, relname=req.relname,
        keys=tuple(k.text for k in index.keys), idents=tuple(key_ident(k) for k in index.keys),
        descending=tuple(k.descending for k in index.keys), eq=0)
    return len(mine.keys) < len(req.keys) and covers(req, mine)


@lru_cache(maxsize=1024)
def _where(text: str | None) -> str | None:
    """A partial predicate's normalised key (two spellings of one predicate compare equal)."""
    if text is None:
        return None
    try:
        tree = json.loads(pg.parse_sql_json("SELECT 1 WHERE " + text))
        return expr_key(tree["stmts"][0]["stmt"]["SelectStmt"]["whereClause"])
    except Exception:
        return " ".join(text.split())


@lru_cache(maxsize=1024)
def parse_request(ddl: str) -> IndexRequest | None:
    """An ``IndexRequest`` from a ``CREATE INDEX`` suggestion (e.g. SL201's)."""
    if "INDEX" not in ddl.upper():
        return None
    try:
        tree = json.loads(pg.parse_sql_json(ddl))
        node = tree["stmts"][0]["stmt"]["IndexStmt"]
    except Exception:
        return None
    if node.get("unique") or node.get("primary"):
        return None  # a UNIQUE index is about meaning, not speed: never merged
    rel = node.get("relation") or {}
    schema = rel.get("schemaname") or "public"
    relname = rel.get("relname") or ""
    keys: list[str] = []
    idents: list[str] = []
    desc: list[bool] = []
    for param in node.get("indexParams") or []:
        elem = param.get("IndexElem") or {}
        is_desc = elem.get("ordering") == "SORTBY_DESC"
        opclass = ".".join(quote_ident((n.get("String") or {}).get("sval", ""))
                           for n in elem.get("opclass") or [])
        if elem.get("name"):
            col = str(elem["name"])
            keys.append(column_key(col, *([opclass] if opclass else []),
                                   *(["DESC"] if is_desc else [])))
            idents.append(col if not opclass.endswith("trgm_ops") else f"trgm:{col}")
        elif elem.get("expr") is not None:
            text = _expr_text(ddl, elem["expr"])
            keys.append(f"({text})")
            idents.append("expr:" + (expression_key(text) or text))
        else:
            return None
        desc.append(is_desc)
    where = None
    if node.get("whereClause") is not None:
        from sqllint.sqltext import deparse_expr_node

        where = deparse_expr_node(ddl, node["whereClause"]) or None
    name = str(node.get("idxname") or "")
    table = relname if schema == "public" else f"{schema}.{relname}"
    return IndexRequest(table=table, schema=schema, relname=relname, keys=tuple(keys),
                        idents=tuple(idents), descending=tuple(desc), eq=len(keys),
                        method=str(node.get("accessMethod") or "btree"), where=where,
                        name=name, partitioned=not node.get("concurrent"))


def _expr_text(ddl: str, expr: dict[str, object]) -> str:
    from sqllint.sqltext import deparse_expr_node

    return deparse_expr_node(ddl, expr)
