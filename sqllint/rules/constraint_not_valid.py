"""
## What it does
Reports `ALTER TABLE … ADD FOREIGN KEY` / `ADD CHECK` (also on `ADD COLUMN …
REFERENCES` / `CHECK`) without `NOT VALID`, in a migration, on a table that existed
before this migration file. `ADD COLUMN … REFERENCES` of a column without a default is
not reported: every row holds NULL, and PostgreSQL skips the validation.

## Why is this bad?
Adding the constraint checks every existing row while holding the lock: SHARE ROW
EXCLUSIVE on both tables for a foreign key, ACCESS EXCLUSIVE for a CHECK. Writes (and
for a CHECK, reads) wait for the whole scan. Added `NOT VALID`, the constraint only
applies to new rows and is added instantly; `VALIDATE CONSTRAINT` then checks the old
rows under a SHARE UPDATE EXCLUSIVE lock, which lets reads and writes continue.

## Example
```sql
ALTER TABLE snapshots
  ADD CONSTRAINT fk_snapshots_volume FOREIGN KEY (volume_id) REFERENCES storage_volumes (id);
```

Use instead:
```sql
ALTER TABLE snapshots
  ADD CONSTRAINT fk_snapshots_volume FOREIGN KEY (volume_id) REFERENCES storage_volumes (id)
  NOT VALID;
ALTER TABLE snapshots VALIDATE CONSTRAINT fk_snapshots_volume;  -- in a later migration
```

## Fix safety
The fix adds `NOT VALID` to the constraint (naming an unnamed one as PostgreSQL would,
so that it can be validated) and `ALTER TABLE … VALIDATE CONSTRAINT …` right after the
statement. Safe where each statement commits on its own (a psql migration): the lock
is then held only for an instant. Unsafe where the tool runs the file in one
transaction (Flyway, golang-migrate with several statements, explicit `BEGIN`): there
VALIDATE must move to a later migration by hand. A constraint on `ADD COLUMN` has no
fix (`NOT VALID` does not apply to column constraints).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqllint.fixes import fix_of, make_edit
from sqllint.migrations.sqledit import relation_text, token_spans
from sqllint.migrations.steps import Step, added_constraints, table_alterations
from sqllint.model import Finding, Fix
from sqllint.rules.base import Context, finding, generated, normalized
from sqllint.sqltext import checked_sql, is_serial, names, quote_ident, source_slice

CODE = "SL307"
NAME = "constraint-not-valid"
SEVERITY = "error"
FIX = "sometimes"

_KINDS = {"CONSTR_FOREIGN": "FOREIGN KEY", "CONSTR_CHECK": "CHECK"}


def check(ctx: Context) -> Iterator[Finding]:
    for step, rel, _table, cmds in table_alterations(ctx):
        for cons, coldef in added_constraints(cmds):
            if cons.get("contype") not in _KINDS:
                continue
            if coldef is None and not cons.get("skip_validation"):
                yield _finding(step, rel, cons, None, _fix(ctx, step, rel, cons))
            elif coldef is not None and not (cons["contype"] == "CONSTR_FOREIGN"
                                             and _all_null(coldef)):
                yield _finding(step, rel, cons, coldef.get("colname", ""), None)


def _all_null(coldef: dict[str, Any]) -> bool:
    """Is a column being added NULL in every existing row? PostgreSQL then skips the
    validation of its REFERENCES ("adding a column with NULL default")."""
    for wrapped in coldef.get("constraints") or []:
        cons = wrapped.get("Constraint", {})
        if cons.get("contype") in ("CONSTR_IDENTITY", "CONSTR_GENERATED"):
            return False
        if cons.get("contype") == "CONSTR_DEFAULT" and not (
                cons.get("raw_expr") or {}).get("A_Const", {}).get("isnull"):
            return False
    return not is_serial(coldef.get("typeName") or {})


def default_name(table: str, cons: dict[str, Any], column: str | None) -> str:
    if cons.get("conname"):
        return str(cons["conname"])
    cols = names(cons.get("fk_attrs")) or ([column] if column else [])
    if cons.get("contype") == "CONSTR_CHECK":
        cols = cols or _first_column(cons.get("raw_expr"))
        return f"{table}_{cols[0] if cols else 'check'}_check"[:63]
    return f"{table}_{'_'.join(cols)}_fkey"[:63]


def _first_column(node: Any) -> list[str]:
    """The first column an expression mentions (PostgreSQL names a CHECK after it)."""
    stack = [node]
    while stack:
        cur = stack.pop(0)
        if isinstance(cur, dict):
            if "ColumnRef" in cur:
                fields = [f for f in cur["ColumnRef"].get("fields") or [] if "String" in f]
                if fields:
                    return names(fields[-1:])
            stack[0:0] = [v for v in cur.values() if isinstance(v, (dict, list))]
        elif isinstance(cur, list):
            stack[0:0] = cur
    return []


def _fix(ctx: Context, step: Step, rel: dict[str, Any], cons: dict[str, Any]) -> Fix | None:
    """`NOT VALID` after the constraint, and `VALIDATE CONSTRAINT` after the statement.

    Safe only where each statement commits on its own (psql, a migration the tool does
    not wrap): in one transaction, VALIDATE would hold the ADD's lock to the end, so it
    belongs in a later migration (unsafe). An unnamed constraint is named as PostgreSQL
    would name it, so VALIDATE can refer to it.
    """
    if step.container != "top":
        return None
    sql = step.stmt.sql
    start = int(cons.get("location", 0))
    all_tokens = token_spans(sql)
    tokens = [t for t in all_tokens if t[0] >= start]
    end, depth = None, 0
    for _start, t_end, text in tokens:
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        elif depth == 0 and text in (",", ";"):
            break
        end = t_end
    if end is None or depth != 0 or not tokens:
        return None
    name = default_name(str(rel.get("relname", "")), cons, None)
    edits = []
    if not cons.get("conname"):
        edits.append(make_edit(ctx.texts, step.stmt, start, start,
                               f"CONSTRAINT {quote_ident(name)} "))
    edits.append(make_edit(ctx.texts, step.stmt, end, end, " NOT VALID"))
    # Before the statement's own ';' (if any), after its last token (not a comment).
    tail = max(t_end for _start, t_end, text in all_tokens if text != ";")
    validate = (f";\nALTER TABLE {relation_text(rel)} VALIDATE CONSTRAINT "
                f"{quote_ident(name)}")
    edits.append(make_edit(ctx.texts, step.stmt, tail, tail, validate))
    alone = step.layout.mode == "autocommit" and step.transaction is None
    title = "Add the constraint NOT VALID, then VALIDATE CONSTRAINT" + (
        "" if alone else " (move VALIDATE to a later migration: this one runs in a "
        "transaction)")
    return fix_of(title, edits, safe=alone, adds=("AlterTableStmt",))


def _finding(step: Step, rel: dict[str, Any], cons: dict[str, Any],
             column: str | None, fix: Fix | None) -> Finding:
    kind = _KINDS[cons["contype"]]
    rel_text = relation_text(rel)
    name = default_name(str(rel.get("relname", "")), cons, column)
    text = source_slice(step.stmt.sql, int(cons.get("location", 0)))
    tokens = token_spans(text)
    if len(tokens) > 2 and tokens[0][2] == "CONSTRAINT":  # CONSTRAINT name: named below
        text = text[tokens[2][0]:]
    if column is not None and kind == "FOREIGN KEY":
        text = f"FOREIGN KEY ({quote_ident(column)}) {text}"
    if kind == "FOREIGN KEY":
        ref = relation_text(cons.get("pktable") or {})
        lock = (f"validates every row of {rel_text} while holding SHARE ROW EXCLUSIVE locks "
                f"on {rel_text} and {ref} (writes blocked)")
    else:
        lock = (f"validates every row of {rel_text} while holding an ACCESS EXCLUSIVE lock "
                f"(reads and writes blocked)")
    what = "ADD COLUMN … " + ("REFERENCES" if kind == "FOREIGN KEY" else "CHECK") if column \
        is not None else f"ADD {kind}"
    first = (f"ALTER TABLE {rel_text} ADD COLUMN …  -- without the constraint\n"
             if column is not None else "")
    # Re-parsed as the two statements it should be (a finding goes without it otherwise).
    steps = generated(checked_sql, f"ALTER TABLE {rel_text} ADD CONSTRAINT {quote_ident(name)} "
                      f"{text} NOT VALID;\nALTER TABLE {rel_text} VALIDATE CONSTRAINT "
                      f"{quote_ident(name)};", "AlterTableStmt", "AlterTableStmt")
    suggestion = first + steps if steps else None
    message = (f"{what} {lock}: add the constraint NOT VALID, then VALIDATE CONSTRAINT in a "
               f"later migration, in its own transaction (SHARE UPDATE EXCLUSIVE: reads and "
               f"writes go on)")
    loc = step.stmt.location(int(cons.get("location", 0)))
    return finding(__name__, loc, message, suggestion=suggestion,
                   statement=normalized(step.stmt.sql), table=rel_text, fix=fix)
