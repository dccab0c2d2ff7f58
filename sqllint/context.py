"""What every rule (and the analysis and advisor on its behalf) may read about a run.

It sits below the analysis, the advisor and the rules, so data flows one way: the
analysis caches its facts in ``Context.cache``; nothing here reaches up into them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqllint.catalog.model import Catalog
from sqllint.config import Config
from sqllint.model import Statement


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
