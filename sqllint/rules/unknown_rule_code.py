"""
## What it does
Reports a rule code in a suppression comment (`-- sqllint: disable=SL999`,
`# noqa: SL999`) that is no sqllint rule, with the closest code when one is close. As
ruff reports an unknown code in `# noqa` (RUF102), as a finding where it is written.

## Why is this bad?
A mistyped code suppresses nothing: the finding it was meant for still fires, or, worse,
the comment outlives the rule it named and hides nothing while looking deliberate.

## Example
```sql
SELECT * FROM vms WHERE id = $1;  -- sqllint: disable=SL011
```

Use instead:
```sql
SELECT * FROM vms WHERE id = $1;  -- sqllint: disable=SL101
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqllint.codes import is_known, unknown_message
from sqllint.model import Finding, Location
from sqllint.rules.base import Context, finding
from sqllint.suppress import directive_codes

CODE = "SL005"
NAME = "unknown-rule-code"
SEVERITY = "warning"


def check(ctx: Context) -> Iterator[Finding]:
    # The texts at hand (one file's, when the run streams), not every target's.
    for path in sorted(p for p in ctx.texts if p in ctx.targets):
        text = ctx.texts[path]
        for line, column, code in directive_codes(text, python=path.endswith(".py")):
            if code == "*" or is_known(code):
                continue
            where = Location(path, line, column, line, column + len(code))
            yield finding(__name__, where, f"{unknown_message(code)} in a suppression comment")
