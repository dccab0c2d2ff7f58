"""What every rule sees (the context) and how a rule module is described (RuleSpec)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sqllint import analysis as _analysis
from sqllint.catalog.model import Catalog, Origin
from sqllint.config import Config
from sqllint.model import Finding, Location, Severity, Statement

if TYPE_CHECKING:
    from sqllint.advisor.suggest import IndexRequest


@dataclass(frozen=True)
class Context:
    """Everything a rule may read. Rules never change it."""

    config: Config
    catalog: Catalog  # after every statement was applied
    statements: tuple[Statement, ...]  # in application order
    targets: frozenset[str]  # display paths findings are reported for
    catalogs: Mapping[int, Catalog] = field(default_factory=dict)  # seq → catalog there
    texts: Mapping[str, str] = field(default_factory=dict)  # display path → file text
    cache: dict[str, Any] = field(default_factory=dict, compare=False)

    def catalog_at(self, stmt: Statement) -> Catalog:
        """The catalog as it stood when ``stmt`` ran: before it, for DDL; the final one
        for queries in files without DDL of their own."""
        return self.catalogs.get(stmt.seq, self.catalog)

    def reported(self, path: str) -> bool:
        return path in self.targets

    @property
    def has_schema(self) -> bool:
        return not self.catalog.empty

    def target_statements(self) -> Iterator[Statement]:
        for stmt in self.statements:
            if stmt.path in self.targets:
                yield stmt

    def queries(self, stmt: Statement) -> tuple[Statement, ...]:
        """The queries ``stmt`` runs: itself, or those in its function / DO body (cached)."""
        return _analysis.queries(self, stmt)

    def facts(self, stmt: Statement) -> Any:
        """The ``QueryFacts`` of a query statement, computed once per run."""
        return _analysis.facts(self, stmt)


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    severity: Severity
    doc: str
    check: Callable[[Context], Iterator[Finding]] | None = None
    check_statement: Callable[[Context, Statement], Iterator[Finding]] | None = None
    # "queries": check_statement only sees statements that run queries (most do not).
    scope: str = "statements"

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
) -> Finding:
    """A finding of the rule module named ``rule`` (a rule passes its ``__name__``)."""
    module = sys.modules[rule]
    return Finding(module.CODE, module.NAME, severity or module.SEVERITY, location, message,
                   suggestion, statement, table, index)


def index_finding(
    rule: str, query: Statement, at: int, table: str, message: str,
    request: IndexRequest | None,
) -> Finding:
    """A finding of ``rule`` at character ``at`` of ``query`` on ``table``, whose fix is
    the index ``request`` (when one can be suggested)."""
    return finding(rule, query.location(at, at + 1), message,
                   suggestion=request.ddl if request else None,
                   statement=normalized(query.sql), table=table, index=request)


def origin_location(origin: Origin) -> Location:
    return Location(
        origin.path, origin.line or 1, origin.column or 1,
        origin.end_line or origin.line or 1, origin.end_column or origin.column or 1,
    )


def normalized(sql: str) -> str:
    """The statement text with whitespace folded: stable across reformatting of lines."""
    return " ".join(sql.split())
