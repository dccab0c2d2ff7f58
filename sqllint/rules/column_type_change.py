"""
## What it does
Reports `ALTER TABLE … ALTER COLUMN … TYPE` in a migration, on a table that existed
before this migration file, unless the change is one PostgreSQL makes without touching
the rows (`varchar(n)` → `varchar(m)` with m ≥ n or `text`, `varchar` ↔ `text`,
`numeric(p,s)` → `numeric(q,s)` with q ≥ p or unconstrained `numeric`, `varbit(n)` →
wider, `cidr` → `inet`; `timestamp` ↔ `timestamptz` after `SET timezone = 'UTC'` in
the same file, PostgreSQL 12+, when no index reads the column: an index on it is
rebuilt all the same). sqllint knows the column's current type from the migrations.

## Why is this bad?
Any other type change rewrites the whole table and rebuilds every index on it under an
ACCESS EXCLUSIVE lock: no reads, no writes, for as long as the rewrite takes.

## Example
```sql
ALTER TABLE vm_metrics ALTER COLUMN network_rx_bytes TYPE bigint;  -- was integer
```

Use instead:
```sql
ALTER TABLE vm_metrics ADD COLUMN network_rx_bytes_new bigint;
-- keep it in sync with a trigger, backfill in batches, then in one short transaction:
ALTER TABLE vm_metrics RENAME COLUMN network_rx_bytes TO network_rx_bytes_old;
ALTER TABLE vm_metrics RENAME COLUMN network_rx_bytes_new TO network_rx_bytes;
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqllint.catalog.model import Index
from sqllint.migrations.session import utc_session
from sqllint.migrations.sqledit import relation_text
from sqllint.migrations.steps import Step, table_alterations
from sqllint.migrations.volatility import typname
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, normalized
from sqllint.sqltext import names, quote_ident, type_name

CODE = "SL309"
NAME = "column-type-change"
SEVERITY = "error"

_TEXTUAL = {"varchar", "text"}


def _mods(type_text: str) -> list[int]:
    m = re.search(r"\(([\d,\s]+)\)", type_text)
    return [int(x) for x in m.group(1).split(",")] if m else []


def binary_coercible(old: str, new: str) -> bool:
    """Does changing a column from ``old`` to ``new`` leave the rows as they are?"""
    a, b = typname(old), typname(new)
    if a is None or b is None:
        return False
    ma, mb = _mods(old), _mods(new)
    if old.endswith("[]") != new.endswith("[]"):
        return False
    if a in _TEXTUAL and b in _TEXTUAL:
        if b == "text" or not mb:
            return True
        return a == "varchar" and bool(ma) and mb[0] >= ma[0]
    if a == b == "numeric":
        if not mb:
            return True
        return len(ma) == 2 and len(mb) == 2 and mb[1] == ma[1] and mb[0] >= ma[0]
    if a == b == "varbit":
        return not mb or (bool(ma) and mb[0] >= ma[0])
    if (a, b) in (("cidr", "inet"), ("xml", "text")):
        return True
    return a == b and ma == mb


def _utc_timestamp(old: str, new: str, ctx: Context, step: Step) -> bool:
    """timestamp ↔ timestamptz keeps the rows when the session time zone is UTC (12+)."""
    pair = {typname(old), typname(new)}
    return (pair == {"timestamp", "timestamptz"} and _mods(old) == _mods(new)
            and old.endswith("[]") == new.endswith("[]")
            and ctx.config.postgres_version >= 12 and utc_session(ctx, step))


def _plain_using(coldef: dict[str, Any], column: str) -> bool:
    """No USING, or USING the column cast to the new type (the implicit cast anyway);
    any other expression (``AT TIME ZONE``) is computed for every row."""
    using = coldef.get("raw_default")
    if using is None:
        return True
    arg = using.get("ColumnRef") or using.get("TypeCast", {}).get("arg", {}).get("ColumnRef")
    return arg is not None and names([f for f in arg.get("fields") or []
                                      if "String" in f])[-1:] == [column]


def _indexes_column(index: Index, column: str) -> bool:
    """Does ``index`` read ``column`` (a key, INCLUDE, an expression or its predicate)?"""
    if column in index.columns or column in index.include:
        return True
    texts = [k.expression or "" for k in index.keys] + [index.predicate or ""]
    return any(re.search(rf"(?<![\w$]){re.escape(column)}(?![\w$])", t) for t in texts)


def check(ctx: Context) -> Iterator[Finding]:
    for step, rel, table, cmds in table_alterations(ctx):
        rel_text = relation_text(rel)
        for cmd in cmds:
            coldef = (cmd.get("def") or {}).get("ColumnDef")
            if cmd.get("subtype") != "AT_AlterColumnType" or not coldef:
                continue
            column = str(cmd.get("name", ""))
            new = type_name(coldef.get("typeName") or {})
            col = table.column(column)
            if col is None or binary_coercible(col.type, new):
                continue
            indexes = step.catalog.indexes_on(table.qualified)
            if _utc_timestamp(col.type, new, ctx, step) and _plain_using(coldef, column):
                # The rows stay, but an index on the column changes operator class.
                on_column = [i.name for i in indexes if _indexes_column(i, column)]
                if not on_column:
                    continue
                work = (f"keeps the rows under UTC but rebuilds {', '.join(on_column)} "
                        f"(timestamp and timestamptz index differently)")
            else:
                rebuilt = f" and rebuilds its {len(indexes)} index(es)" if indexes else ""
                work = f"rewrites every row of {rel_text}{rebuilt}"
            message = (f"ALTER COLUMN {column} TYPE {new} (from {col.type}) {work} under an "
                       f"ACCESS EXCLUSIVE lock (reads and writes blocked): add a new {new} "
                       f"column, keep it in sync with a trigger, backfill it in batches, then "
                       f"swap the columns in one short transaction")
            c, n = quote_ident(column), quote_ident(f"{column}_new")
            suggestion = (
                f"ALTER TABLE {rel_text} ADD COLUMN {n} {new};\n"
                f"-- sync trigger + batched UPDATE {rel_text} SET {n} = {c} …, then:\n"
                f"ALTER TABLE {rel_text} RENAME COLUMN {c} TO {quote_ident(column + '_old')};\n"
                f"ALTER TABLE {rel_text} RENAME COLUMN {n} TO {c};")
            yield finding(__name__, step.stmt.location(), message, suggestion=suggestion,
                          statement=normalized(step.stmt.sql), table=rel_text)
