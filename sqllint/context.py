"""What every rule (and the analysis and advisor on its behalf) may read about a run.

It sits below the analysis, the advisor and the rules, so data flows one way: the
analysis caches its facts in ``Context.cache``; nothing here reaches up into them.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqllint.catalog.model import Catalog
from sqllint.config import Config
from sqllint.model import Statement

_CATALOG_AT = "context:catalog-at"  # ``Context.cache``: seq → the catalog there


class FunctionHistory:
    """User function → its volatility (i/s/v), as CREATE FUNCTION statements set it in
    application order: one small record a change (a persistent map a change took a
    kilobyte each, and a large history has thousands)."""

    __slots__ = ("_names",)

    def __init__(self) -> None:
        self._names: dict[str, tuple[list[int], list[str]]] = {}  # seqs from, values

    def set(self, name: str, volatility: str, start: int) -> None:
        """``name`` is ``volatility`` from statement ``start`` on (in ascending order)."""
        found = self._names.get(name)
        if found is None:
            self._names[name] = ([start], [volatility])
        elif found[1][-1] != volatility:
            found[0].append(start)
            found[1].append(volatility)

    def at(self, seq: int) -> Mapping[str, str]:
        """The functions in force at statement ``seq`` (each set from its ``start``)."""
        return _FunctionsAt(self._names, seq)


class _FunctionsAt(Mapping[str, str]):
    __slots__ = ("_names", "_seq")

    def __init__(self, names: dict[str, tuple[list[int], list[str]]], seq: int) -> None:
        self._names = names
        self._seq = seq

    def __getitem__(self, name: str) -> str:
        seqs, values = self._names[name]
        at = bisect.bisect_right(seqs, self._seq) - 1
        if at < 0:
            raise KeyError(name)
        return values[at]

    def __iter__(self) -> Iterator[str]:
        return (name for name, (seqs, _) in self._names.items() if seqs[0] <= self._seq)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True)
class RunFacts:
    """What the whole run knows beyond one file, gathered as the statements were applied
    in order: rules that run file by file read this instead of every statement."""

    functions: FunctionHistory = field(default_factory=FunctionHistory)
    extensions: Mapping[str, Statement] = field(default_factory=dict)  # first CREATE
    user_types: frozenset[str] = frozenset()  # domains, enums, composite and range types
    created_elsewhere: frozenset[str] = frozenset()  # SELECT … INTO, tables in bodies
    created_in_other_dialects: frozenset[str] = frozenset()  # a *.sql.sqlite schema's
    # seq of an ALTER TABLE → columns a validated CHECK (col IS NOT NULL) covers there
    not_null: Mapping[int, frozenset[str]] = field(default_factory=dict)

    def functions_at(self, seq: int) -> Mapping[str, str]:
        """The user functions created before statement ``seq``."""
        return self.functions.at(seq)

    @property
    def final_functions(self) -> Mapping[str, str]:
        return self.functions.at(sys.maxsize)


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
