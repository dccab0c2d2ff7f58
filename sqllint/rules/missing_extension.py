"""
## What it does
Reports an operator class, function or type that a PostgreSQL extension provides
(`gin_trgm_ops` → pg_trgm, `uuid_generate_v4()` → uuid-ossp, `gist_int4_ops` and a
GiST index on a plain integer/text column → btree_gist, `citext` → citext, …) used
in DDL before the `CREATE EXTENSION` that provides it, in migration order, or in a
migration when no file creates the extension at all. The list of what each extension
provides is generated from PostgreSQL's catalog (`pg_depend`), and only names core
PostgreSQL lacks count. Functions the project defines itself are not reported.

## Why is this bad?
The statement fails on a fresh database (CI, a new environment): `ERROR: operator class
"gin_trgm_ops" does not exist for access method "gin"`, `ERROR: function
uuid_generate_v4() does not exist`, `ERROR: data type integer has no default operator
class for access method "gist"`. It only works where someone created the extension by
hand.

## Example
```sql
-- 000002_users.up.sql
CREATE INDEX users_name_trgm ON users USING gin (name gin_trgm_ops);
-- 000003_extensions.up.sql
CREATE EXTENSION pg_trgm;
```

Use instead:
```sql
-- 000001_extensions.up.sql
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- 000002_users.up.sql
CREATE INDEX users_name_trgm ON users USING gin (name gin_trgm_ops);
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from sqllint.migrations.sqledit import relation
from sqllint.migrations.steps import Step, reported
from sqllint.migrations.volatility import extension_data, typname
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, generated, normalized
from sqllint.sqltext import checked_sql, dict_nodes, names, quote_ident

CODE = "SL310"
NAME = "missing-extension"
SEVERITY = "error"

# Column types with a default btree operator class but none for gist/gin without the
# btree_gist / btree_gin extension.
_SCALAR = frozenset({"int2", "int4", "int8", "float4", "float8", "numeric", "text", "varchar",
                     "bpchar", "bytea", "date", "time", "timetz", "timestamp", "timestamptz",
                     "interval", "uuid", "bool", "oid", "money", "macaddr"})
_METHOD_EXTENSION = {"gist": "btree_gist", "gin": "btree_gin"}
# A word as it could start an identifier: a letter or _, then letters, digits, _ and $
# (``1abc`` is a number, then ``abc``).
_WORD = re.compile(r"[^\W\d][\w$]*")


def check(ctx: Context) -> Iterator[Finding]:
    created = ctx.run.extensions  # in any file, before or after this one
    user_types = ctx.run.user_types
    for step in reported(ctx):
        if step.container != "top" or step.role not in ("migration", "schema"):
            continue
        if step.stmt.node_type in ("CreateFunctionStmt", "DoStmt", "CreateExtensionStmt"):
            continue
        seen: set[tuple[str, str]] = set()
        for what, name, extension, offset, error in _uses(step, user_types):
            if extension in step.catalog.extensions or (what, name) in seen:
                continue
            later = created.get(extension)
            if later is None and step.role != "migration":
                continue
            seen.add((what, name))
            if later is not None and later.seq > step.stmt.seq:
                when = (f"which is created only later ({later.path}:{later.line})")
            else:
                when = "which no migration creates"
            verb = "needs" if what.endswith(" on") else "comes from"
            message = (f"{what} {name} {verb} extension {extension}, {when}: this "
                       f"statement fails on a fresh database with \"{error}\"; create the "
                       f"extension first")
            yield finding(__name__, step.stmt.location(offset), message,
                          suggestion=generated(
                              checked_sql,
                              f"CREATE EXTENSION IF NOT EXISTS {quote_ident(extension)};",
                              "CreateExtensionStmt"),
                          statement=normalized(step.stmt.sql))


def _uses(step: Step, user_types: frozenset[str]) -> Iterator[tuple[str, str, str, int, str]]:
    """(kind, name, extension, offset, the error PostgreSQL gives) for each use."""
    data = extension_data()
    node = step.stmt.node or {}
    index = node.get("IndexStmt")
    if index is not None:
        yield from _index_uses(step, index)
    if not _may_name(step.stmt.sql):
        return
    for cur in dict_nodes(node):
        if "FuncCall" in cur:
            call = cur["FuncCall"]
            parts = names(call.get("funcname"))
            fname = parts[-1] if parts else ""
            ext = data["functions"].get(fname)
            core = len(parts) > 1 and parts[0] == "pg_catalog"
            if ext and fname not in step.functions and not core:
                yield ("function", f"{fname}()", ext, int(call.get("location", 0)),
                       f"function {fname}() does not exist")
        elif "TypeName" in cur or ("names" in cur and "typemod" in cur):
            tnode = cur.get("TypeName", cur)
            parts = names(tnode.get("names"))
            tname = parts[-1] if parts else ""
            ext = data["types"].get(tname)
            if ext and tname not in user_types and (len(parts) == 1 or parts[0] != "pg_catalog"):
                yield ("type", tname, ext, int(tnode.get("location", 0)),
                       f"type \"{tname}\" does not exist")


def _may_name(sql: str) -> bool:
    """Could ``sql`` call an extension's function or name its type? Every name in the
    tree is a word of the text, case aside (``U&"…"`` escapes aside): most statements
    are told by their words, without walking the tree."""
    low = sql.lower()
    return "u&" in low or not _named().isdisjoint(_WORD.findall(low))


@lru_cache(maxsize=1)
def _named() -> frozenset[str]:
    """The names of the functions and types extensions provide."""
    data = extension_data()
    return frozenset(data["functions"]) | frozenset(data["types"])


def _index_uses(step: Step, index: dict[str, Any]) -> Iterator[tuple[str, str, str, int, str]]:
    data = extension_data()
    method = str(index.get("accessMethod") or "btree")
    table = relation(step.catalog, index.get("relation") or {})
    for param in index.get("indexParams") or []:
        elem = param.get("IndexElem", {})
        opclass = names(elem.get("opclass"))
        offset = _elem_offset(step.stmt.sql, elem)
        if opclass:
            ext = data["opclasses"].get(opclass[-1])
            if ext:
                yield ("operator class", opclass[-1], ext, offset,
                       f"operator class \"{opclass[-1]}\" does not exist for access method "
                       f"\"{method}\"")
            continue
        if method in _METHOD_EXTENSION and elem.get("name") and table is not None:
            col = table.column(str(elem["name"]))
            ctype = typname(col.type) if col else None
            if ctype in _SCALAR and col is not None:
                kind = {"gist": "a GiST", "gin": "a GIN"}[method] + " index on"
                yield (kind, f"{col.name} ({col.type})",
                       _METHOD_EXTENSION[method], offset,
                       f"data type {col.type} has no default operator class for access "
                       f"method \"{method}\"")


def _elem_offset(sql: str, elem: dict[str, Any]) -> int:
    name = elem.get("name")
    if name:
        at = sql.find(str(name), sql.find("("))
        return max(at, 0)
    expr = elem.get("expr") or {}
    inner: Any = next(iter(expr.values()), {}) if isinstance(expr, dict) else {}
    return int(inner.get("location", 0)) if isinstance(inner, dict) else 0
