"""The schema as sqllint believes it: tables, columns, keys, indexes, views."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

_R = TypeVar("_R")


def evolve(record: _R, **changes: Any) -> _R:
    """``dataclasses.replace`` for the catalog's records (frozen, no ``__post_init__``,
    no slots), without its per-call overhead: the replay makes one for every column
    and constraint it applies, twice a run."""
    new = object.__new__(type(record))
    new.__dict__.update(record.__dict__)
    new.__dict__.update(changes)
    return new


TableKind = Literal["table", "view", "matview", "foreign"]
TypeKind = Literal["enum", "composite", "domain", "range"]


@dataclass(frozen=True)
class Origin:
    """Where a schema object was defined."""

    path: str = ""
    line: int = 0
    column: int = 0
    seq: int = 0  # position in application order (statements are numbered as applied)
    end_line: int = 0
    end_column: int = 0


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    collation: str | None = None  # declared COLLATE, None for the type's default


@dataclass(frozen=True)
class IndexKey:
    """One key of an index: a column, or an expression (``expr`` is its canonical key)."""

    column: str | None
    expression: str | None = None
    expr: str | None = None
    descending: bool = False
    opclass: str | None = None
    collation: str | None = None  # COLLATE other than the column's (or type's) own

    @property
    def text(self) -> str:
        from sqllint.sqltext import quote_ident  # pglast: only when DDL is written

        base = quote_ident(self.column) if self.column is not None else f"({self.expression})"
        if self.collation:
            base += f" COLLATE {quote_ident(self.collation)}"
        if self.opclass:
            base += " " + ".".join(quote_ident(part) for part in self.opclass.split("."))
        return base + (" DESC" if self.descending else "")

    @property
    def ident(self) -> str:
        """What the key is, without direction: the column name or the expression key."""
        return self.column if self.column is not None else f"expr:{self.expr}"


@dataclass(frozen=True)
class Index:
    name: str
    schema: str
    table: str  # qualified table key, schema.name
    keys: tuple[IndexKey, ...]
    unique: bool = False
    primary: bool = False
    constraint: str | None = None  # name of the PK/UNIQUE constraint the index backs
    method: str = "btree"
    predicate: str | None = None  # deparsed WHERE of a partial index
    predicate_key: str | None = None  # canonical form of the predicate, for comparison
    include: tuple[str, ...] = ()
    origin: Origin = field(default_factory=Origin)
    # A partition's copy of its partitioned table's index: that index's qualified name.
    parent: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def columns(self) -> tuple[str | None, ...]:
        return tuple(k.column for k in self.keys)


@dataclass(frozen=True)
class ForeignKey:
    name: str
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    not_valid: bool = False
    origin: Origin = field(default_factory=Origin)


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    kind: TableKind = "table"
    columns: tuple[Column, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    partition_by: str | None = None  # e.g. "RANGE (created_at)"
    partition_of: str | None = None  # parent table key
    query: str | None = None  # the defining query of a view or materialized view
    origin: Origin = field(default_factory=Origin)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def display(self) -> str:
        return self.name if self.schema == "public" else self.qualified

    def column(self, name: str) -> Column | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class UserType:
    """A type CREATE TYPE / CREATE DOMAIN defined (enum labels and composite fields kept)."""

    schema: str
    name: str
    kind: TypeKind
    labels: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def display(self) -> str:
        """As format_type prints it: bare in ``public``, else schema-qualified."""
        from sqllint.sqltext import quote_ident  # pglast: only when a type is printed

        bare = quote_ident(self.name)
        return bare if self.schema == "public" else f"{quote_ident(self.schema)}.{bare}"


@dataclass(frozen=True)
class Catalog:
    tables: Mapping[str, Table] = field(default_factory=dict)
    indexes: Mapping[str, Index] = field(default_factory=dict)
    extensions: Mapping[str, int] = field(default_factory=dict)  # name → seq created
    schemas: frozenset[str] = frozenset({"public"})
    # Every table name ever created, even if dropped later (qualified and bare).
    ever: frozenset[str] | Mapping[str, bool] = frozenset()
    # Lookup aids the builder keeps up to date as it applies DDL.
    names: Mapping[str, str] = field(default_factory=dict)  # bare name → qualified key
    grouped: Mapping[str, tuple[Index, ...]] = field(default_factory=dict)  # table → indexes
    # The session's search_path where this snapshot was taken; None: never set (the
    # default "$user", public, and at run time maybe more: lookups fall back to any schema).
    search_path: tuple[str, ...] | None = None
    types: Mapping[str, UserType] = field(default_factory=dict)  # qualified name → type
    # Result columns of functions returning TABLE / OUT parameters / a composite type,
    # by qualified name and by bare name.
    functions: Mapping[str, tuple[Column, ...]] = field(default_factory=dict)
    # Trigger transition tables (REFERENCING NEW TABLE AS x) by the trigger function's
    # bare name: transition name → qualified key of the trigger's table.
    transitions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Functions declared with SET search_path, by bare name: the path their body runs on.
    function_paths: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.tables and not self.ever

    def table(self, name: str, schema: str | None = None,
              path: tuple[str, ...] | None = None) -> Table | None:
        """Resolve a table reference as PostgreSQL does: qualified, else pg_temp, else
        through ``path`` (default: this snapshot's search_path). With no path ever set,
        ``public`` and then the only table of that name in any schema."""
        if schema:
            return self.tables.get(f"{schema}.{name}")
        return lookup(self.tables, self.names, name,
                      self.search_path if path is None else path)

    def indexes_on(self, table: str) -> tuple[Index, ...]:
        return self.grouped.get(table, ())

    def knows(self, name: str, schema: str | None = None) -> bool:
        """Was a relation of this name ever defined (even if dropped again)?"""
        return (f"{schema}.{name}" if schema else name) in self.ever


def lookup(tables: Mapping[str, Table], names: Mapping[str, str], name: str,
           path: tuple[str, ...] | None) -> Table | None:
    """An unqualified table name through a search path (pg_temp always first)."""
    found = tables.get(f"pg_temp.{name}")
    if found is not None:
        return found
    if path is None:
        found = tables.get(f"public.{name}")
        if found is None:
            key = names.get(name)
            found = tables.get(key) if key else None
        return found
    for schema in path:
        found = tables.get(f"{schema}.{name}")
        if found is not None:
            return found
    return None
