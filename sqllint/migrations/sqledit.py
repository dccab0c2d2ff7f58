"""Small helpers the migration rules share: relation lookup and statement rewrites."""

from __future__ import annotations

from typing import Any

from pglast import parser as pg
from pglast.error import Error as PgError

from sqllint.catalog.model import Catalog, Table
from sqllint.rules.base import normalized
from sqllint.sqltext import quote_ident


def relation(catalog: Catalog, rangevar: dict[str, Any]) -> Table | None:
    return catalog.table(str(rangevar.get("relname", "")), rangevar.get("schemaname"))


def relation_text(rangevar: dict[str, Any]) -> str:
    name = quote_ident(str(rangevar.get("relname", "")))
    schema = rangevar.get("schemaname")
    return f"{quote_ident(schema)}.{name}" if schema else name


def option_enabled(options: list[dict[str, Any]] | None, name: str) -> bool:
    """Is the utility option ``name`` on in a ``(NAME [value], …)`` list? ``CONCURRENTLY``
    and ``(FULL)`` are; ``(FULL false)``, ``(CONCURRENTLY off)`` and ``(… 0)`` are not."""
    for option in options or []:
        elem = option.get("DefElem", {})
        if elem.get("defname") == name:
            arg = elem.get("arg") or {}
            if "Integer" in arg:  # pglast leaves out a zero
                return bool(arg["Integer"].get("ival", 0))
            value = arg.get("String", {}).get("sval", arg.get("Boolean", {}).get("boolval", True))
            return str(value).lower() not in ("false", "off", "0", "no")
    return False


def insert_after(sql: str, keywords: tuple[str, ...], word: str) -> str | None:
    """``sql`` with `` word`` inserted after the first run of ``keywords`` (tokens)."""
    try:
        tokens = pg.scan(sql)
    except PgError:
        return None
    texts = [sql[t.start : t.end + 1].upper() for t in tokens]
    for i in range(len(tokens) - len(keywords) + 1):
        if tuple(texts[i : i + len(keywords)]) == keywords:
            at = tokens[i + len(keywords) - 1].end + 1
            return sql[:at] + " " + word + sql[at:]
    return None


def statement_text(sql: str) -> str:
    """The statement as one line, ending in ';'."""
    return normalized(sql).rstrip(";").rstrip() + ";"


def token_spans(sql: str) -> list[tuple[int, int, str]]:
    """(start, end exclusive, upper-cased text) of every token of ``sql``; [] when it
    does not scan."""
    try:
        tokens = pg.scan(sql)
    except PgError:
        return []
    return [(t.start, t.end + 1, sql[t.start : t.end + 1].upper()) for t in tokens]
