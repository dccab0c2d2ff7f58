"""
## What it does
Reports a function, operator or cast that is not IMMUTABLE in an index expression, an
index predicate (`WHERE` of a partial index) or a generated column: `now()`,
`current_date`, `random()`, `date_trunc(…)` or `date(…)` of a `timestamptz` column,
`timestamptz::date`, and functions of the project declared without `IMMUTABLE`.
Volatility comes from PostgreSQL's own `pg_proc.provolatile` (shipped with sqllint),
by argument type where it matters: `date_trunc('day', ts)` is IMMUTABLE for a
`timestamp` and STABLE for a `timestamptz`.

## Why is this bad?
The statement fails: `ERROR: functions in index predicate must be marked IMMUTABLE`
(or `… in index expression …`, `generation expression is not immutable`). A partial
index `WHERE expires_at > now()` could not work anyway: the index would freeze the time
at which each row was indexed.

## Example
```sql
CREATE INDEX idx_sessions_user_active ON sessions (user_id) WHERE expires_at > now();
CREATE INDEX idx_events_day ON events (date_trunc('day', created_at));  -- timestamptz
```

Use instead:
```sql
CREATE INDEX idx_sessions_user_expires ON sessions (user_id, expires_at);
CREATE INDEX idx_events_day ON events (date_trunc('day', created_at AT TIME ZONE 'UTC'));
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqllint.migrations.sqledit import relation, relation_text
from sqllint.migrations.steps import Step, reported
from sqllint.migrations.volatility import Mutable, mutable_calls
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, normalized
from sqllint.sqltext import names, quote_ident, type_name

CODE = "SL306"
NAME = "non-immutable-index-expression"
SEVERITY = "error"


def check(ctx: Context) -> Iterator[Finding]:
    for step in reported(ctx):
        node = step.stmt.node or {}
        if "IndexStmt" in node:
            yield from _index(step, node["IndexStmt"])
        elif "CreateStmt" in node:
            elts = node["CreateStmt"].get("tableElts") or []
            if not any(_is_generated(c["ColumnDef"]) for c in elts if "ColumnDef" in c):
                continue  # the column types are read only for a generated column
            cols = {c["ColumnDef"].get("colname", ""): type_name(
                c["ColumnDef"].get("typeName") or {})
                for c in elts if "ColumnDef" in c}
            for elt in elts:
                if "ColumnDef" in elt:
                    yield from _generated(step, elt["ColumnDef"], cols)
        elif "AlterTableStmt" in node:
            coldefs = [cmd.get("AlterTableCmd", {}).get("def", {}).get("ColumnDef")
                       for cmd in node["AlterTableStmt"].get("cmds") or []]
            if not any(_is_generated(c) for c in coldefs if c):
                continue
            table = relation(step.catalog, node["AlterTableStmt"].get("relation") or {})
            cols = {c.name: c.type for c in table.columns} if table else {}
            for coldef in coldefs:
                if coldef:
                    yield from _generated(step, coldef, cols)


def _index(step: Step, node: dict[str, Any]) -> Iterator[Finding]:
    rel = node.get("relation") or {}
    table = relation(step.catalog, rel)
    columns = {c.name: c.type for c in table.columns} if table else {}
    for elem in node.get("indexParams") or []:
        expr = elem.get("IndexElem", {}).get("expr")
        for call in _calls(expr, columns, step) if expr else ():
            yield _finding(step, call, "index expression", _expression_fix(call))
    where = node.get("whereClause")
    for call in _calls(where, columns, step) if where else ():
        yield _finding(step, call, "index predicate", _predicate_fix(node, rel, where))


def _calls(expr: Any, columns: Mapping[str, str], step: Step) -> list[Mutable]:
    """The non-immutable calls of one clause; operators only when nothing else explains it."""
    calls = list(mutable_calls(expr, columns, step.functions))
    named = [c for c in calls if c.function or "::" in c.what]
    return named or calls


def _is_generated(coldef: dict[str, Any]) -> bool:
    """Does the column have a generation expression (``GENERATED ALWAYS AS (…)``)?"""
    return any(_generation(cons) for cons in coldef.get("constraints") or [])


def _generation(cons: dict[str, Any]) -> Any:
    """A constraint's generation expression (None for other constraints)."""
    c = cons.get("Constraint", {})
    return c.get("raw_expr") if c.get("contype") == "CONSTR_GENERATED" else None


def _generated(step: Step, coldef: dict[str, Any], columns: Mapping[str, str]) -> Iterator[
        Finding]:
    for cons in coldef.get("constraints") or []:
        expr = _generation(cons)
        if expr:
            for call in _calls(expr, columns, step):
                yield _finding(step, call, "generation expression", _expression_fix(call),
                               error="generation expression is not immutable")


def _describe(call: Mutable) -> str:
    if call.function:
        return f"`{call.what}` is {call.word}"
    if "::" in call.what:
        return f"the cast `{call.what}` is {call.word}"
    return f"the operator `{call.what}` is {call.word}"


def _finding(step: Step, call: Mutable, where: str, fix: str, error: str = "") -> Finding:
    error = error or f"functions in {where} must be marked IMMUTABLE"
    message = (f"{_describe(call)}: the statement fails with \"{error}\"; {fix}")
    stmt = step.stmt
    end = call.offset + len(call.function or "")
    return finding(__name__, stmt.location(call.offset, max(end, call.offset + 1)), message,
                   statement=normalized(stmt.sql))


def _expression_fix(call: Mutable) -> str:
    if call.column:
        return (f"pin the time zone to make it IMMUTABLE: use `{call.column} AT TIME ZONE "
                f"'UTC'` (a timestamp) instead of `{call.column}`")
    if call.function and call.volatility == "v":
        return ("a VOLATILE value cannot be part of an index or a generated column; compute "
                "it when the row is written (a DEFAULT or the INSERT) instead")
    if call.function:
        return (f"if `{call.function}` truly returns the same result for the same arguments, "
                f"declare it IMMUTABLE; otherwise store the value in a column and index that")
    return "index the column itself, or an IMMUTABLE expression of it"


def _predicate_fix(node: dict[str, Any], rel: dict[str, Any], where: Any) -> str:
    keys = [e.get("IndexElem", {}).get("name") for e in node.get("indexParams") or []]
    used = _columns_in(where)
    extra = [c for c in used if c not in keys]
    if any(k is None for k in keys) or not keys:
        return "drop the time-dependent condition from the index and filter in the query"
    cols = ", ".join(quote_ident(str(k)) for k in [*keys, *extra])
    name = node.get("idxname")
    conc = " CONCURRENTLY" if node.get("concurrent") else ""
    unique = "UNIQUE " if node.get("unique") else ""
    ddl = (f"CREATE {unique}INDEX{conc} {quote_ident(name) + ' ' if name else ''}"
           f"ON {relation_text(rel)} ({cols})")
    return (f"index the column(s) instead and keep the condition in the query: {ddl}")


def _columns_in(node: Any) -> list[str]:
    out: list[str] = []
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            if "ColumnRef" in cur:
                fields = names([f for f in cur["ColumnRef"].get("fields") or [] if "String" in f])
                if fields and fields[-1] not in out:
                    out.append(fields[-1])
                continue
            stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))
        elif isinstance(cur, list):
            stack.extend(reversed(cur))
    return out
