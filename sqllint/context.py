"""What every rule (and the analysis and advisor on its behalf) may read about a run.

It sits below the analysis, the advisor and the rules, so data flows one way: the
analysis caches its facts in ``Context.cache``; nothing here reaches up into them.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqllint.catalog.model import Catalog
from sqllint.config import Config
from sqllint.model import Statement

_CATALOG_AT = "context:catalog-at"  # ``Context.cache``: seq → the catalog there


@dataclass(frozen=True)
class RunFacts:
    """What the whole run knows beyond one file, gathered as the statements were applied
    in order: rules that run file by file read this instead of every statement."""

    # (first seq, user function → i/s/v): the map in force from that statement on.
    functions: tuple[tuple[int, Mapping[str, str]], ...] = ((0, {}),)
    extensions: Mapping[str, Statement] = field(default_factory=dict)  # first CREATE
    user_types: frozenset[str] = frozenset()  # domains, enums, composite and range types
    created_elsewhere: frozenset[str] = frozenset()  # SELECT … INTO, tables in bodies
    created_in_other_dialects: frozenset[str] = frozenset()  # a *.sql.sqlite schema's
    # seq of an ALTER TABLE → columns a validated CHECK (col IS NOT NULL) covers there
    not_null: Mapping[int, frozenset[str]] = field(default_factory=dict)

    def functions_at(self, seq: int) -> Mapping[str, str]:
        """The user functions created before statement ``seq``."""
        at = bisect.bisect_right(self._starts, seq) - 1
        return self.functions[max(at, 0)][1]

    @cached_property
    def _starts(self) -> list[int]:
        """Where each map of ``functions`` comes in force (asked for every DDL step)."""
        return [start for start, _ in self.functions]

    @property
    def final_functions(self) -> Mapping[str, str]:
        return self.functions[-1][1]


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
    run: RunFacts = field(default_factory=RunFacts)

    def catalog_at(self, stmt: Statement) -> Catalog:
        """The catalog as it stood when ``stmt`` ran: before it, for DDL; the final one
        for queries in files without DDL of their own."""
        # Asked for every statement by several rules; ``catalogs`` may be a chain of
        # mappings (a file's snapshots over the run's) that is slow to look up.
        memo: dict[int, Catalog] | None = self.cache.get(_CATALOG_AT)
        if memo is None:
            memo = self.cache[_CATALOG_AT] = {}
        found = memo.get(stmt.seq)
        if found is None:
            try:  # one lookup in a chain's maps, where ``get`` makes two
                found = self.catalogs[stmt.seq]
            except KeyError:
                found = self.catalog
            memo[stmt.seq] = found
        return found

    def reported(self, path: str) -> bool:
        return path in self.targets

    @property
    def has_schema(self) -> bool:
        return not self.catalog.empty

    def target_statements(self) -> Iterator[Statement]:
        for stmt in self.statements:
            if stmt.path in self.targets:
                yield stmt
