"""
## What it does
Reports a column the query's tables do not have (`vms.nme`, an unqualified `nme` that
no table of the query has), a qualifier that names no table of the query (`o.name`
with no `o` in `FROM`), and `INSERT`/`UPDATE` target columns the table lacks.

## Why is this bad?
The query fails at run time with `column "…" does not exist` or `missing FROM-clause
entry for table "o"`: a typo, a column renamed or dropped by a migration.

## Example
```sql
SELECT v.nme FROM vms v WHERE v.state = $1;
```

Use instead:
```sql
SELECT v.name FROM vms v WHERE v.state = $1;
```
Columns resolve through aliases, CTEs (also recursive), derived tables, LATERAL and
correlated subqueries, `FROM t AS x(a, b)` column aliases and output names in `ORDER
BY`/`GROUP BY`. Nothing is reported when any source's columns are unknown (a function,
a table the schema lacks), nor for bare names in function bodies (they may be
variables).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from sqllint import analysis
from sqllint.model import Finding, Statement
from sqllint.rules.base import Context, finding, normalized

CODE = "SL003"
NAME = "unknown-column"
SEVERITY = "error"
SCOPE = "queries"  # statements that run queries (DML, function bodies)


def check_statement(ctx: Context, stmt: Statement) -> Iterator[Finding]:
    if stmt.dynamic:
        return
    for query in analysis.queries(ctx, stmt):
        facts = analysis.facts(ctx, query)
        if not facts.problems or any(t.unknown for t in facts.tables):
            continue
        for problem in facts.problems:
            ref = facts.tables[problem.ref] if problem.ref is not None else None
            if problem.kind == "unknown-qualifier":
                aliases = sorted({t.alias for t in facts.tables if t.alias})
                message = (f"{problem.qualifier}.{problem.column}: no table of the query is "
                           f"named {problem.qualifier}"
                           + (f" (the query has {', '.join(aliases)})" if aliases else ""))
            elif ref is not None:
                shown = ref.table.display if ref.table is not None else ref.name
                hint = _close(problem.column, ref.columns or ())
                message = (f"{shown}.{problem.column}: {shown} has no column "
                           f"{problem.column}" + (f"; did you mean {hint}?" if hint else ""))
            else:
                names = sorted({(t.table.display if t.table is not None else t.name)
                                for t in facts.tables})
                cols = [c for t in facts.tables for c in (t.columns or ())]
                if problem.column in cols:
                    continue  # some table of the query has it: a scope we did not follow
                hint = _close(problem.column, cols)
                message = (f"column {problem.column} matches no table of the query"
                           + (f" ({', '.join(names)})" if names else "")
                           + (f"; did you mean {hint}?" if hint else ""))
            yield finding(
                __name__,
                query.location(problem.location, problem.location + 1),
                message,
                statement=normalized(query.sql),
                table=ref.table.display if ref is not None and ref.table is not None else "",
            )


def _close(name: str, columns: object) -> str | None:
    found = difflib.get_close_matches(name, sorted(set(columns)), n=1,  # type: ignore[call-overload]
                                      cutoff=0.75)
    return found[0] if found else None
