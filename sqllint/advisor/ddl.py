"""Writing index DDL: deterministic names, CONCURRENTLY IF NOT EXISTS, quoting."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqllint.catalog.model import Table
from sqllint.sqltext import checked_sql, quote_ident


def index_name(table: str, parts: Sequence[str], suffix: str = "idx") -> str:
    """``<table>_<col>_<col>_idx``, made of identifier characters, at most 63 long."""
    words = [re.sub(r"[^a-z0-9_]+", "_", p.lower()).strip("_") or "expr" for p in parts]
    head = re.sub(r"\W+", "_", table.split(".")[-1]).strip("_") or "t"
    name = "_".join([head, *words, suffix])
    return name[:63]


def column_key(column: str, *suffix: str) -> str:
    """A key's SQL text: the quoted column, then its operator class or ``DESC``."""
    return " ".join([quote_ident(column), *suffix])


def split_key(key: str) -> tuple[str, list[str]]:
    """A key text's head (the column as written, or ``(expr)``) and the words after it
    (operator class, ``DESC``)."""
    if key.startswith('"'):
        i = 1
        while i < len(key):
            if key[i] == '"':
                if key[i + 1 : i + 2] == '"':
                    i += 2
                    continue
                break
            i += 1
        return key[: i + 1], key[i + 1 :].split()
    if key.startswith("("):
        return key, []
    head, _, rest = key.partition(" ")
    return head, rest.split()


def create_index_ddl(
    table: Table,
    keys: Sequence[str],
    *,
    name: str | None = None,
    unique: bool = False,
    method: str = "btree",
    where: str | None = None,
    include: Sequence[str] = (),
    name_parts: Sequence[str] | None = None,
) -> str:
    """``CREATE INDEX CONCURRENTLY IF NOT EXISTS name ON table (keys) …;``.

    ``keys`` are key texts as SQL (a quoted column from ``column_key``, ``col DESC``,
    ``(expr)``); the result re-parses as exactly one CREATE INDEX or ``UnsafeSQL`` is
    raised, whatever the names held. A partitioned
    table cannot be indexed CONCURRENTLY (PostgreSQL refuses): there the statement
    builds the index on every partition in one go.
    """
    if not name:  # none given, or an unnamed index read back from DDL (CREATE INDEX ON t …)
        name = index_name(table.name, name_parts or [split_key(k)[0].strip('()"') for k in keys])
    target = relation_sql(table)
    concurrently = "" if table.partition_by else "CONCURRENTLY "
    parts = [f"CREATE {'UNIQUE ' if unique else ''}INDEX {concurrently}IF NOT EXISTS "
             f"{quote_ident(name)} ON {target}"]
    if method != "btree":
        parts.append(f"USING {quote_ident(method)}")
    parts.append("(" + ", ".join(_key_text(k) for k in keys) + ")")
    if include:
        parts.append("INCLUDE (" + ", ".join(quote_ident(c) for c in include) + ")")
    if where:
        parts.append(f"WHERE {where}")
    return checked_sql(" ".join(parts) + ";", "IndexStmt")


def relation_sql(table: Table) -> str:
    """The table's name as SQL: quoted, schema-qualified outside ``public``."""
    if table.schema == "public":
        return quote_ident(table.name)
    return f"{quote_ident(table.schema)}.{quote_ident(table.name)}"


def unique_index_ddl(view: Table) -> str:
    """The unique index that lets a materialized view refresh CONCURRENTLY, on its first
    column (the user picks the right ones: the comment says so)."""
    first = view.columns[0].name if view.columns else "id"
    name = index_name(view.name, [first], "key")
    ddl = (f"CREATE UNIQUE INDEX {quote_ident(name)} ON {relation_sql(view)} "
           f"({quote_ident(first)});")
    return checked_sql(ddl, "IndexStmt")


ROW_IDENTITY_NOTE = "  -- on the column(s) that identify a row"


def _key_text(key: str) -> str:
    if key.startswith("("):
        inner = key[1:-1] if key.endswith(")") else key
        # A single function call needs no parentheses of its own: (lower(email)).
        if re.fullmatch(r"[a-z_][a-z0-9_.]*\(.*\)", inner) and _closes_at_end(inner):
            return inner
    return key


def _closes_at_end(text: str) -> bool:
    """Does the first ``(`` of ``text`` close at its last character?"""
    depth = 0
    quoted = False
    for i, ch in enumerate(text):
        if ch == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i == len(text) - 1
    return False
