"""Persistent (structure-sharing) maps behind the catalog builder.

A query in a file that also holds DDL is checked against the catalog as it stood at
that point, so the builder hands out many snapshots. With persistent maps a snapshot
costs nothing and an update costs O(log n), instead of a copy of every table.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Generic, Self, TypeVar

import immutables

from sqllint.catalog.model import Index, Table

K = TypeVar("K")
V = TypeVar("V")


class PersistentDict(Generic[K, V]):
    """A mutable handle on an immutable map: ``frozen`` is the current value."""

    def __init__(self) -> None:
        self.frozen: immutables.Map[K, V] = immutables.Map()

    def __getitem__(self, key: K) -> V:
        return self.frozen[key]

    def copy(self) -> Self:
        """A handle of its own on the same map (O(1))."""
        return copy.copy(self)

    def __setitem__(self, key: K, value: V) -> None:
        self.frozen = self.frozen.set(key, value)

    def __delitem__(self, key: K) -> None:
        self.frozen = self.frozen.delete(key)

    def __contains__(self, key: object) -> bool:
        return key in self.frozen

    def __iter__(self) -> Iterator[K]:
        return iter(self.frozen)

    def __len__(self) -> int:
        return len(self.frozen)

    def get(self, key: K, default: V | None = None) -> V | None:
        return self.frozen.get(key, default)

    def pop(self, key: K, default: V | None = None) -> V | None:
        value = self.frozen.get(key, default)
        if key in self.frozen:
            del self[key]
        return value

    def items(self) -> Iterator[tuple[K, V]]:
        return iter(self.frozen.items())

    def values(self) -> Iterator[V]:
        return iter(self.frozen.values())

    def keys(self) -> Iterator[K]:
        return iter(self.frozen.keys())


class TableStore(PersistentDict[str, Table]):
    """Tables by qualified key, plus bare name → qualified key for unqualified lookups.

    ``by_name`` answers with the first table of that name still defined; ``_all_keys``
    remembers every table of each name, so a drop falls back without a scan.
    """

    def __init__(self) -> None:
        super().__init__()
        self.by_name: immutables.Map[str, str] = immutables.Map()
        self._all_keys: immutables.Map[str, tuple[str, ...]] = immutables.Map()
        # Referenced table key → the keys of the tables whose foreign keys point at it,
        # and how many tables are temporary: a drop or the end of a session finds what
        # it touches without a scan of every table.
        self.referrers: immutables.Map[str, frozenset[str]] = immutables.Map()
        self.temporary = 0

    def _count(self, key: str, table: Table, step: int) -> None:
        for ref in {f.ref_table for f in table.foreign_keys}:
            keys = self.referrers.get(ref, frozenset())
            keys = keys | {key} if step > 0 else keys - {key}
            self.referrers = (self.referrers.set(ref, keys) if keys
                              else self.referrers.delete(ref))
        if table.schema == "pg_temp":
            self.temporary += step

    def __setitem__(self, key: str, value: Table) -> None:
        old = self.frozen.get(key)
        if old is not None:
            self._count(key, old, -1)
        self._count(key, value, 1)
        super().__setitem__(key, value)
        keys = self._all_keys.get(value.name, ())
        if key not in keys:
            self._all_keys = self._all_keys.set(value.name, (*keys, key))
        if value.name not in self.by_name:
            self.by_name = self.by_name.set(value.name, key)

    def __delitem__(self, key: str) -> None:
        table = self.frozen[key]
        self._count(key, table, -1)
        super().__delitem__(key)
        rest = tuple(k for k in self._all_keys.get(table.name, ()) if k != key)
        self._all_keys = (self._all_keys.set(table.name, rest) if rest
                          else self._all_keys.delete(table.name))
        if self.by_name.get(table.name) == key:
            self.by_name = (self.by_name.set(table.name, rest[0]) if rest
                            else self.by_name.delete(table.name))


class IndexStore(PersistentDict[str, Index]):
    """Indexes by qualified name, plus table key → its indexes (sorted by name)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_table: immutables.Map[str, tuple[Index, ...]] = immutables.Map()

    def __setitem__(self, key: str, value: Index) -> None:
        if key in self.frozen:
            self._unlink(self.frozen[key])
        super().__setitem__(key, value)
        group = tuple(sorted((*self.by_table.get(value.table, ()), value), key=_by_name))
        self.by_table = self.by_table.set(value.table, group)

    def __delitem__(self, key: str) -> None:
        self._unlink(self.frozen[key])
        super().__delitem__(key)

    def _unlink(self, index: Index) -> None:
        group = tuple(i for i in self.by_table.get(index.table, ()) if i.name != index.name)
        self.by_table = (self.by_table.set(index.table, group) if group
                         else self.by_table.delete(index.table))


def _by_name(index: Index) -> str:
    return index.name
