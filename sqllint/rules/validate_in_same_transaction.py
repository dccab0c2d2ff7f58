"""
## What it does
Reports `ALTER TABLE … VALIDATE CONSTRAINT` that runs in the same transaction as the
`ADD CONSTRAINT … NOT VALID` that created the constraint, on a table that existed
before this migration file: both inside one `BEGIN … COMMIT`, in one migration the tool
wraps in a transaction, or in one golang-migrate file (sent as one query, run as one
implicit transaction).

## Why is this bad?
`NOT VALID` exists to keep the strong lock short: adding the constraint takes SHARE ROW
EXCLUSIVE on both tables of a foreign key (ACCESS EXCLUSIVE on the table for a CHECK),
and validation then needs only SHARE UPDATE EXCLUSIVE. But a lock is held until the
transaction ends: validated in the same transaction, the strong lock is held through
the whole validation scan, exactly as if `NOT VALID` had not been written. Writes to
both tables (reads too, for a CHECK) wait for the scan.

Lock: what the ADD took (SHARE ROW EXCLUSIVE on both tables for a foreign key, ACCESS
EXCLUSIVE for a CHECK), held through the scan. Safe recipe per tool: `VALIDATE` in a
later migration (golang-migrate, diesel, Flyway, Alembic, Django alike), or after a
`COMMIT` in a file psql runs statement by statement.

## Example
```sql
BEGIN;
ALTER TABLE snapshots ADD CONSTRAINT snapshots_volume_fk
  FOREIGN KEY (volume_id) REFERENCES volumes (id) NOT VALID;
ALTER TABLE snapshots VALIDATE CONSTRAINT snapshots_volume_fk;
COMMIT;
```

Use instead:
```sql
ALTER TABLE snapshots ADD CONSTRAINT snapshots_volume_fk
  FOREIGN KEY (volume_id) REFERENCES volumes (id) NOT VALID;
-- in the next migration:
ALTER TABLE snapshots VALIDATE CONSTRAINT snapshots_volume_fk;
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqllint.migrations.sqledit import relation_text
from sqllint.migrations.steps import Step, table_alterations
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, normalized
from sqllint.rules.constraint_not_valid import default_name

CODE = "SL316"
NAME = "validate-in-same-transaction"
SEVERITY = "error"


def check(ctx: Context) -> Iterator[Finding]:
    added: dict[tuple[str, str, int], tuple[Step, dict[str, Any]]] = {}
    for step, rel, table, cmds in table_alterations(ctx):
        tx = step.transaction
        if tx is None or step.container != "top":
            continue
        for cmd in cmds:
            cons = (cmd.get("def") or {}).get("Constraint") or {}
            sub = cmd.get("subtype")
            if sub == "AT_AddConstraint" and cons.get("skip_validation"):
                name = default_name(str(rel.get("relname", "")), cons, None)
                added[(step.path, f"{table.qualified}.{name}", tx.block)] = (step, cons)
            elif sub == "AT_ValidateConstraint":
                key = (step.path, f"{table.qualified}.{cmd.get('name', '')}", tx.block)
                if key in added:
                    yield _finding(step, rel, str(cmd.get("name", "")), *added[key])


def _finding(step: Step, rel: dict[str, Any], name: str, add: Step,
             cons: dict[str, Any]) -> Finding:
    table = relation_text(rel)
    if cons.get("contype") == "CONSTR_FOREIGN":
        ref = relation_text(cons.get("pktable") or {})
        lock = f"the SHARE ROW EXCLUSIVE locks on {table} and {ref} (writes blocked)"
    else:
        lock = f"the ACCESS EXCLUSIVE lock on {table} (reads and writes blocked)"
    tx = step.transaction
    where = (f"the BEGIN at line {tx.begin_line}" if tx is not None and tx.reason == "explicit"
             else f"{step.layout.name}'s transaction for this file")
    message = (f"VALIDATE CONSTRAINT {name} runs in the same transaction as its ADD … NOT "
               f"VALID (line {add.stmt.line}, {where}): {lock} taken by the ADD are held "
               f"through the whole validation scan; validate in a later migration")
    return finding(__name__, step.stmt.location(), message,
                   statement=normalized(step.stmt.sql), table=table)
