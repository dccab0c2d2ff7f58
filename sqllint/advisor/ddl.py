"""Writing index DDL: deterministic names, CONCURRENTLY IF NOT EXISTS, quoting."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqllint.catalog.model import Table
from sqllint.sqltext import quote_ident


def index_name(table: str, parts: Sequence[str], suffix: str = "idx") -> str:
    """``<table>_<col>_<col>_idx``, made of identifier characters, at most 63 long."""
    words = [re.sub(r"[^a-z0-9_]+", "_", p.lower()).strip("_") or "expr" for p in parts]
    name = "_".join([table.split(".")[-1], *words, suffix])
    return name[:63]


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

    ``keys`` are key texts as written (a column, ``col DESC``, ``(expr)``). A partitioned
    table cannot be indexed CONCURRENTLY (PostgreSQL refuses): there the statement
    builds the index on every partition in one go.
    """
    if name is None:
        name = index_name(table.name, name_parts or [k.split()[0].strip("()") for k in keys])
    target = quote_ident(table.name) if table.schema == "public" else \
        f"{quote_ident(table.schema)}.{quote_ident(table.name)}"
    concurrently = "" if table.partition_by else "CONCURRENTLY "
    parts = [f"CREATE {'UNIQUE ' if unique else ''}INDEX {concurrently}IF NOT EXISTS "
             f"{quote_ident(name)} ON {target}"]
    if method != "btree":
        parts.append(f"USING {method}")
    parts.append("(" + ", ".join(_key_text(k) for k in keys) + ")")
    if include:
        parts.append("INCLUDE (" + ", ".join(quote_ident(c) for c in include) + ")")
    if where:
        parts.append(f"WHERE {where}")
    return " ".join(parts) + ";"


def _key_text(key: str) -> str:
    if key.startswith("("):
        inner = key[1:-1] if key.endswith(")") else key
        # A single function call needs no parentheses of its own: (lower(email)).
        if re.fullmatch(r"[a-z_][a-z0-9_.]*\(.*\)", inner) and _closes_at_end(inner):
            return inner
        return key
    col, _, rest = key.partition(" ")
    return quote_ident(col) + (f" {rest}" if rest else "")


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
