"""sqlc query files: named parameters stand for ``$n`` before PostgreSQL sees the query.

sqlc (the Go code generator) reads ``.sql`` files whose queries carry a ``-- name: Foo
:one`` annotation, and lets them name parameters as ``@name``, ``sqlc.arg(name)``,
``sqlc.narg(name)`` or ``sqlc.slice(name)``; it sends ``$1, $2, …`` to the server. Parsed
as written, ``@id`` is PostgreSQL's absolute-value operator on a column ``id`` and
``sqlc.arg(amount)`` a call naming a column ``amount``: wrong columns, wrong predicates.
"""

from __future__ import annotations

import re

from pglast import parser as pg
from pglast.parser import ParseError as PgError

_ANNOTATION = re.compile(
    r"^\s*--\s*name:\s*\w+\s+:(one|many|exec|execrows|execresult|execlastid|copyfrom|"
    r"batchexec|batchmany|batchone)\b", re.M | re.I)
_PARAM = re.compile(r"\bsqlc\.(?:arg|narg|slice)\(\s*'?([A-Za-z_]\w*)'?\s*\)|"
                    r"(?<![@\w])@([A-Za-z_]\w*)", re.I)
_QUOTED = frozenset({"SCONST", "USCONST", "BCONST", "XCONST", "SQL_COMMENT", "C_COMMENT"})


# The annotation anywhere (a fast search: no line-start anchor to try at every line).
_ANNOTATION_ANYWHERE = re.compile(_ANNOTATION.pattern.replace(r"^\s*", "", 1), re.I)


def is_sqlc_file(text: str) -> bool:
    return _ANNOTATION_ANYWHERE.search(text) is not None and \
        _ANNOTATION.search(text) is not None


def replace_params(sql: str) -> str:
    """``sql`` with each sqlc parameter as ``$n`` padded to its length (offsets kept).

    Parameters are numbered by first appearance, after the highest ``$n`` written
    as such; the same name is the same number.
    """
    if "@" not in sql and "sqlc." not in sql.lower():
        return sql
    try:
        tokens = pg.scan(sql)
    except PgError:  # an unterminated quote: the parser will say so
        return sql
    quoted = [(t.start, t.end) for t in tokens if t.name in _QUOTED]
    numbers: dict[str, int] = {}
    start = max((int(n) for n in re.findall(r"\$(\d+)", sql)), default=0)
    out = list(sql)
    for m in _PARAM.finditer(sql):
        a, b = m.span()
        if any(s <= a <= e for s, e in quoted):
            continue
        name = (m.group(1) or m.group(2)).lower()
        number = numbers.setdefault(name, start + len(numbers) + 1)
        text = f"${number}"
        if len(text) > b - a:  # `@x` past $9: any parameter keeps the statement's shape
            text = "$1"
        out[a:b] = list(text.ljust(b - a))
    return "".join(out)
