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

    ``keys`` are key texts as written (a column, ``col DESC``, ``(expr)``).
    """
    if name is None:
        name = index_name(table.name, name_parts or [k.split()[0].strip("()") for k in keys])
    target = table.name if table.schema == "public" else f"{table.schema}.{table.name}"
    parts = [f"CREATE {'UNIQUE ' if unique else ''}INDEX CONCURRENTLY IF NOT EXISTS "
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
        return key
    col, _, rest = key.partition(" ")
    return quote_ident(col) + (f" {rest}" if rest else "")
