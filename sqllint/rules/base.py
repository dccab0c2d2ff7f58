"""How a rule module is described (RuleSpec) and how it builds findings.

``Context`` (what every rule sees) lives in ``sqllint.context``, below the analysis and
the advisor; it is re-exported here for the rule modules.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sqllint.catalog.model import Origin
from sqllint.context import Context
from sqllint.model import Finding, Fix, Location, Severity, Statement
from sqllint.sqltext import UnsafeSQL

if TYPE_CHECKING:
    from sqllint.advisor.suggest import IndexRequest

__all__ = ["Context", "RuleSpec", "finding", "index_finding", "normalized",
           "origin_location"]


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    severity: Severity
    doc: str
    check: Callable[[Context], Iterator[Finding]] | None = None
    check_statement: Callable[[Context, Statement], Iterator[Finding]] | None = None
    # "queries": check_statement only sees statements that run queries (most do not).
    # "catalog": check reads only the final catalog (run once, not file by file).
    scope: str = "statements"
    # Repository-wide rules, run file by file in three steps: gather(ctx) → facts of a
    # file as the schema is replayed; scan(ctx, gathered) → what a file's queries add;
    # report(gathered, scanned) → the findings, once.
    gather: Callable[[Context], list[Any]] | None = None
    scan: Callable[[Context, list[Any]], list[Any]] | None = None
    report: Callable[[list[Any], list[Any]], Iterator[Finding]] | None = None
    # Opt-in rules run only when selected by their exact code or name.
    opt_in: bool = False
    # How its findings are fixed: "" (not), "safe", "unsafe", "sometimes" (per file).
    fix: str = ""

    @staticmethod
    def from_module(module: ModuleType) -> RuleSpec:
        return RuleSpec(
            code=module.CODE,
            name=module.NAME,
            severity=module.SEVERITY,
            doc=(module.__doc__ or "").strip(),
            check=getattr(module, "check", None),
            check_statement=getattr(module, "check_statement", None),
            scope=getattr(module, "SCOPE", "statements"),
            opt_in=bool(getattr(module, "OPT_IN", False)),
            fix=getattr(module, "FIX", ""),
            gather=getattr(module, "gather", None),
            scan=getattr(module, "scan", None),
            report=getattr(module, "report", None),
        )

    @property
    def summary(self) -> str:
        """The first sentence of the ``## What it does`` paragraph, on one line."""
        lines = self.doc.splitlines()
        paragraph: list[str] = []
        for i, line in enumerate(lines):
            if line.strip().lower().startswith("## what it does"):
                for rest in lines[i + 1 :]:
                    if not rest.strip():
                        if paragraph:
                            break
                        continue
                    paragraph.append(rest.strip())
                break
        text = " ".join(paragraph) if paragraph else (lines[0] if lines else "")
        end = text.find(". ")
        sentence = text if end < 0 else text[: end + 1]
        return sentence if len(sentence) <= 120 else sentence[:117].rstrip() + "…"


def finding(
    rule: str,
    location: Location,
    message: str,
    *,
    suggestion: str | None = None,
    statement: str = "",
    table: str = "",
    index: Any = None,
    severity: Severity | None = None,
    fix: Fix | None = None,
) -> Finding:
    """A finding of the rule module named ``rule`` (a rule passes its ``__name__``)."""
    module = sys.modules[rule]
    return Finding(module.CODE, module.NAME, severity or module.SEVERITY, location, message,
                   suggestion, statement, table, index, fix)


def index_finding(
    rule: str, query: Statement, at: int, table: str, message: str,
    request: IndexRequest | None,
) -> Finding:
    """A finding of ``rule`` at character ``at`` of ``query`` on ``table``, whose fix is
    the index ``request`` (when one can be suggested)."""
    ddl = generated(lambda r: r.ddl, request) if request else None
    return finding(rule, query.location(at, at + 1), message,
                   suggestion=ddl, statement=normalized(query.sql), table=table,
                   index=request if ddl else None)


def generated(build: Callable[..., str], *args: Any, **kwargs: Any) -> str | None:
    """The generated SQL ``build(*args, **kwargs)`` writes, or None when it did not
    re-parse as what it should be (sqltext.checked_sql): a finding then goes without its
    fix."""
    try:
        return build(*args, **kwargs)
    except UnsafeSQL:
        return None


def origin_location(origin: Origin) -> Location:
    return Location(
        origin.path, origin.line or 1, origin.column or 1,
        origin.end_line or origin.line or 1, origin.end_column or origin.column or 1,
    )


def normalized(sql: str) -> str:
    """The statement text with whitespace folded: stable across reformatting of lines."""
    return " ".join(sql.split())
