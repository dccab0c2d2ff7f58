"""
## What it does
Reports a suppression comment (`-- sqllint: disable=SL101`, `-- noqa: SL101`,
`-- sqllint: disable-file=SL301`, a bare `-- sqllint: disable`) that suppresses
nothing: the rule it names found nothing there (as ruff's RUF100; a code that names no
rule is SL005's). The fix removes the stale code, or the whole comment when nothing of
it is left.

## Why is this bad?
A stale suppression hides the next real problem on that line: when the query is edited
later, a new finding of the same rule is silenced without anyone deciding it should be.
It also tells readers something about the code that is no longer true.

## Example
```sql
-- the query once read SELECT *; it names its columns now
SELECT id, name FROM vms WHERE id = $1;  -- sqllint: disable=SL101
```

Use instead:
```sql
SELECT id, name FROM vms WHERE id = $1;
```
Only codes of rules that ran are judged (with `--select SL1` a `disable=SL301` is left
alone), and `noqa` comments only for `SL` codes: other tools (ruff, sqlfluff) read
`noqa` too.

## Fix safety
Safe: the fix removes only the stale codes, or the whole comment (and its line, when
the comment stood alone) when none of its codes is used.
"""

from __future__ import annotations

CODE = "SL008"
NAME = "unused-suppression"
SEVERITY = "warning"
FIX = "safe"
