"""The state one walk of a statement builds up, shared by the walk's parts.

``BuilderState`` holds what the walk has found so far (table references, scope drafts,
predicates, join keys, name problems, resolved column references); the parts
(``names``, ``predicates``, ``joins``, ``ordering``) are mixins over it, and
``facts._Builder`` combines them with the walk itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqllint.analysis.model import (
    ColumnProblem,
    JoinKey,
    OrderKey,
    Predicate,
    Star,
    TableRef,
    Window,
)
from sqllint.catalog.model import Catalog, Table


class Env:
    """Name resolution for one scope: its FROM items, then the enclosing scopes'."""

    __slots__ = ("aliases", "ctes", "outputs", "parent", "refs", "scope")

    def __init__(self, scope: int, parent: Env | None, ctes: dict[str, tuple[str, ...] | None]):
        self.scope = scope
        self.parent = parent
        self.ctes = ctes
        self.aliases: dict[str, int] = {}
        self.refs: list[int] = []
        self.outputs: frozenset[str] = frozenset()


@dataclass
class ScopeDraft:
    index: int
    kind: str
    parent: int | None
    context: str
    location: int
    refs: list[int] = field(default_factory=list)
    order: tuple[OrderKey, ...] = ()
    limit: bool = False
    limit_location: int = -1
    offset: int | None = None
    offset_param: bool = False
    offset_location: int = -1
    aggregate: bool = False
    group_by: bool = False
    distinct: bool = False
    windows: list[Window] = field(default_factory=list)
    where: bool = False
    stars: list[Star] = field(default_factory=list)
    into: bool = False
    children: list[int] = field(default_factory=list)
    # For inlining (see ``inline``): the output columns that are plain columns of a
    # FROM item, (name, (ref, column) or None), in order; the set operation; the
    # DISTINCT ON / GROUP BY columns (None: plain DISTINCT, every output); a view body.
    outputs: list[tuple[str, tuple[int, str] | None]] = field(default_factory=list)
    setop: str = ""
    keys: set[tuple[int, str]] | None = field(default_factory=set)
    view: bool = False


class BuilderState:
    """What the walk found so far; the parts call each other through these methods."""

    def __init__(self, catalog: Catalog, embedded: bool, function: str | None = None) -> None:
        self.catalog = catalog
        self.embedded = embedded
        # Transition tables of the triggers calling ``function`` (the body being read).
        bare = function.rpartition(".")[2] if function else ""
        self.transitions = catalog.transitions.get(bare, {}) if bare else {}
        # The function's own SET search_path, else the snapshot's (None).
        self.path = catalog.function_paths.get(bare) if bare else None
        self.tables: list[TableRef] = []
        self.scopes: list[ScopeDraft] = []
        self.predicates: list[Predicate] = []
        self.joins: list[JoinKey] = []
        self.problems: list[ColumnProblem] = []
        # id(ColumnRef dict) → (ref index, column, depth: 0 own scope, >0 outer)
        self.resolved: dict[int, tuple[int, str, int]] = {}
        # id(ColumnRef dict) → (ref index, depth) for a whole-row reference (``f(t)``)
        self.whole_rows: dict[int, tuple[int, int]] = {}
        self.cte_scopes: dict[str, int] = {}
        self.inline_ctes: set[int] = set()  # scopes of CTEs PostgreSQL may inline
        self.depth = 0


    def _new_scope(self, kind: str, parent: int | None, context: str, location: int) -> int:
        index = len(self.scopes)
        self.scopes.append(ScopeDraft(index, kind, parent, context, location))
        if parent is not None:
            self.scopes[parent].children.append(index)
        return index

    # Implemented by the walk (facts), name resolution (names), predicates and joins.
    def _expr(self, node: Any, env: Env, scope: int, clause: str) -> None:
        raise NotImplementedError

    def _subquery(self, node: Any, env: Env | None, parent_scope: int | None, context: str,
                  ctes: dict[str, tuple[str, ...] | None]) -> tuple[str, ...] | None:
        raise NotImplementedError

    def _conjuncts(self, node: Any, env: Env, scope: int, source: str) -> None:
        raise NotImplementedError

    def _using(self, join: dict[str, Any], using: list[str], env: Env) -> None:
        raise NotImplementedError

    def _column_of(self, node: Any) -> tuple[int, str] | None:
        raise NotImplementedError

    def _refs_in(self, node: Any, depth: int | None = 0) -> set[int]:
        raise NotImplementedError

    def _order_keys(self, items: list[Any], env: Env, targets: list[Any]) -> Any:
        raise NotImplementedError

    def _inline_view(self, ref: int, table: Table, scope: int) -> None:
        raise NotImplementedError
