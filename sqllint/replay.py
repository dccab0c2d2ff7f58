"""Statements applied in discovery order: the catalog, its snapshots, the run-wide facts.

The one place the schema is replayed, file after file, for a run that holds every
statement (``sqllint.project``) and for one that streams them (``sqllint.stream``). It
needs the DDL trees only: a query statement may come as a stub (``node`` and ``error``
both ``None``), which still takes its place in the order and, in a file that defines
tables, its catalog snapshot.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import (
    Container,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqllint.catalog.build import CatalogBuilder
from sqllint.catalog.model import Catalog
from sqllint.config import Config
from sqllint.context import FunctionHistory, RunFacts
from sqllint.discover import migration_version
from sqllint.migrations.session import NotNullProofs
from sqllint.model import Statement, with_changes
from sqllint.sources.sqlfile import QUERY_NODES
from sqllint.sqltext import names

# Statements that make a file a schema file (applied before migrations; its queries see
# the catalog as it stood at their line).
DEFINES_SCHEMA = frozenset({"CreateStmt", "ViewStmt", "CreateTableAsStmt", "IndexStmt"})
_PROOF_NODES = frozenset({"CreateStmt", "AlterTableStmt"})
_TYPE_NODES = frozenset({"CreateDomainStmt", "CompositeTypeStmt", "CreateEnumStmt",
                         "CreateRangeStmt", "DefineStmt"})
_BODY_TABLE = re.compile(r"create\s+(?:(?:global\s+|local\s+)?(?:temp|temporary|unlogged)\s+)?"
                         r"table\s+(?:if\s+not\s+exists\s+)?(?:\w+\.)?(\"?[\w]+\"?)", re.I)


def is_stub(stmt: Statement) -> bool:
    """A query read without its tree (it cannot change the schema)."""
    return stmt.node is None and stmt.error is None


def stub(stmt: Statement) -> Statement:
    """``stmt`` without its tree and text when the replay has no use for them (a query)."""
    if is_stub(stmt) or (stmt.node is not None and (stmt.kind == "query"
                                                   or stmt.node_type in QUERY_NODES)
                         and "set_config" not in stmt.sql):  # it may set search_path
        return _stubbed(stmt)
    return stmt


def _stubbed(stmt: Statement) -> Statement:
    return with_changes(stmt, node=None, error=None, sql="", params=())


def trees_seen(stmts: Iterable[Statement]) -> array[int]:
    """Which statements the replay read with a tree or an error (the rest: stubs)."""
    return array("I", (i for i, s in enumerate(stmts) if not is_stub(s)))


def created_elsewhere(stmts: Iterable[Statement]) -> Iterator[str]:
    """Tables created by SELECT … INTO or inside function bodies (unknown to the catalog)."""
    for stmt in stmts:
        node = stmt.node or {}
        select = node.get("SelectStmt")
        if isinstance(select, dict) and isinstance(select.get("intoClause"), dict):
            rel = select["intoClause"].get("rel") or {}
            if rel.get("relname"):
                yield str(rel["relname"])
        if stmt.node_type in ("CreateFunctionStmt", "DoStmt") and "create" in stmt.sql.lower():
            for m in _BODY_TABLE.finditer(stmt.sql):
                raw = m.group(1)
                yield raw.strip('"') if raw.startswith('"') else raw.lower()


_DIALECT_TABLE = re.compile(
    r"\bcreate\s+(?:(?:temp|temporary|virtual)\s+)?table\s+(?:if\s+not\s+exists\s+)?"
    r"(?:(?:main|temp)\.)?([`\"\[]?)(\w+)", re.I)


def created_in_other_dialects(stmts: Iterable[Statement]) -> Iterator[str]:
    """Tables another engine's SQL creates (a ``*.sql.sqlite`` schema, a SQLite branch's
    ``CREATE VIRTUAL TABLE``): that engine's statements may name them."""
    for stmt in stmts:
        if stmt.dialect and stmt.node is None:
            for m in _DIALECT_TABLE.finditer(stmt.sql):
                yield m.group(2) if m.group(1) else m.group(2).lower()


@dataclass(frozen=True)
class Checkpoint:
    """Where a file starts in the replay: enough to replay on from there (the catalog
    snapshots of the files after it) without holding every statement's snapshot."""

    builder: CatalogBuilder  # the catalog before the file (a fork: it never changes)
    path: str | None  # the file applied before it (its session ends here)


class Snapshots(MutableMapping[int, Catalog]):
    """A file's catalog snapshots by ``seq``, as runs of statements that share one
    (a file of 500,000 inserts after one CREATE TABLE holds one run, not 500,000
    entries). Set in ascending ``seq`` order."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._values: list[Catalog] = []

    def __setitem__(self, seq: int, catalog: Catalog) -> None:
        if self._ends and self._ends[-1] == seq and self._values[-1] is catalog:
            self._ends[-1] = seq + 1
            return
        if self._starts and seq < self._ends[-1]:
            raise ValueError("snapshots are recorded in statement order")
        self._starts.append(seq)
        self._ends.append(seq + 1)
        self._values.append(catalog)

    def __getitem__(self, seq: int) -> Catalog:
        at = bisect_right(self._starts, seq) - 1
        if at >= 0 and seq < self._ends[at]:
            return self._values[at]
        raise KeyError(seq)

    def __delitem__(self, seq: int) -> None:
        raise TypeError("snapshots are not removed")

    def __iter__(self) -> Iterator[int]:
        for start, end in zip(self._starts, self._ends, strict=True):
            yield from range(start, end)

    def __len__(self) -> int:
        return sum(e - s for s, e in zip(self._starts, self._ends, strict=True))


class Replay:
    """Feed it the statements of each file in application order (``unit``), then
    ``finish``: the final catalog, the snapshots by ``seq`` and the run facts.

    ``snapshots=False`` (a streaming run): a file's snapshots are kept only until the
    next file is applied (``last``); a run that needs them again replays on from a
    ``checkpoint`` (``resume``), the schema pass's statements given again (``seen``).
    """

    def __init__(self, roles: Mapping[str, str], config: Config, *,
                 snapshots: bool = True) -> None:
        self.roles = dict(roles)  # display path → discovery role (includes: ``adopt``)
        self.config = config
        self._keep = snapshots
        self._facts_on = True  # False once resumed: snapshots only
        self.last: MutableMapping[int, Catalog] = {}  # the last file's snapshots
        self._history: dict[str, bool] = {}  # path → a migration or schema file?
        self._proofs = NotNullProofs()
        self.builder = CatalogBuilder(config.search_path)
        # Queries of files without DDL that set their own search_path: the final schema,
        # seen through that path (by seq).
        self._through_path: dict[int, tuple[str, ...]] = {}
        self.catalogs: dict[int, Catalog] = {}
        self.seq = 0
        self._path: str | None = None
        self._functions = FunctionHistory()
        self._extensions: dict[str, Statement] = {}
        self._types: set[str] = set()
        self._created: set[str] = set()
        self._dialect_created: set[str] = set()

    def adopt(self, display: str, role: str, stmts: Iterable[Statement]) -> None:
        """The files ``display`` includes (psql ``\\i``) run as part of it: a schema
        file's includes are schema, whatever discovery alone made of them."""
        for stmt in stmts:
            if stmt.path != display and self.roles.get(stmt.path) not in ("schema",
                                                                          "migration"):
                self.roles[stmt.path] = role

    def unit(self, stmts: Sequence[Statement], trees: Container[int] | None = None, *,
             numbered: bool = True) -> list[Statement]:
        """Apply one file's statements (with the files it includes); they come back
        numbered (``seq``) in application order (``numbered=False``: nothing comes
        back). ``trees`` (the same file read again in full): only these statements are
        read with their tree, the rest as the stubs first seen (``trees_seen``)."""
        view = stmts if trees is None else [s for i, s in enumerate(stmts) if i in trees]
        # Statements of files that define nothing (queries, a REFRESH) see the whole
        # schema; those of migrations and of defining files, the schema as it stands.
        ddl_paths = {s.path for s in view if s.node_type in DEFINES_SCHEMA}
        ddl_paths.update(s.path for s in stmts if self.roles.get(s.path) == "migration")
        builder = self.builder
        hoisted = _module_temporaries(view)
        snapshots: MutableMapping[int, Catalog]
        snapshots = self.last = self.catalogs if self._keep else Snapshots()
        record = self._facts_on
        out = []
        for i, stmt in enumerate(stmts):
            seq = self.seq
            self.seq += 1
            stubbed = is_stub(stmt) or (trees is not None and i not in trees)
            if not stubbed or numbered:
                stmt = with_changes(stmt, seq=seq)
            if numbered:
                out.append(stmt)
            # A file is a session, and a module's functions run in any order: the
            # temporary tables one creates (with the columns and indexes its code adds)
            # are every other's from the start (a payday's steps). Application code's
            # DROP is not applied.
            if stmt.path != self._path:
                builder.end_session()
                self._path = stmt.path
                as_read = [c if c.seq == 0 else with_changes(c, seq=0)  # as first read
                           for c in hoisted.get(stmt.path, ())]
                for created, own in _session_scoped(as_read, builder):
                    if own:
                        builder.apply_for_session(created)
                    else:
                        builder.apply(created)
            if stmt.node is None or stubbed:
                if stubbed and stmt.path in ddl_paths:
                    snapshots[seq] = builder.snapshot()
                elif stubbed and builder.path not in (None, builder.default_path) \
                        and record:
                    assert builder.path is not None
                    self._through_path[seq] = builder.path
                continue
            builder.session(stmt)  # SET search_path, set_config(…), a transaction's end
            kind = stmt.node_type
            if stmt.kind == "query" or kind in QUERY_NODES:
                if stmt.path in ddl_paths:
                    snapshots[stmt.seq] = builder.snapshot()
                elif builder.path != builder.default_path and builder.path is not None \
                        and record:
                    self._through_path[stmt.seq] = builder.path
            else:
                if stmt.path in ddl_paths:
                    snapshots[stmt.seq] = builder.snapshot()
                if kind in _PROOF_NODES and record and self._in_history(stmt.path):
                    self._proofs.add(stmt, builder.snapshot())
                # Only schema and migration files change the catalog, and framework
                # migrations in Python (RunSQL, op.execute). DDL that application code
                # runs does not: of it, only temporary tables count, until the end of
                # their file. Down migrations never.
                role = self.roles.get(stmt.path, "schema")
                if role in ("schema", "migration") or (
                    role == "source"
                    and (stmt.migration or (temporary(stmt) and stmt.path not in hoisted))
                ):
                    builder.apply(stmt)
            if record:
                self._facts(stmt, kind)
        return out

    def checkpoint(self) -> Checkpoint:
        """Where the next file starts."""
        return Checkpoint(self.builder.fork(), self._path)

    def resume(self, start: Checkpoint, seq: int) -> Replay:
        """A replay that goes on from ``start`` (statement ``seq``), taking snapshots
        only: the run facts are this one's."""
        again = Replay(self.roles, self.config, snapshots=False)
        again._facts_on = False
        again.builder = start.builder.fork()
        again._path = start.path
        again.seq = seq
        return again

    def _in_history(self, path: str) -> bool:
        """Is ``path`` a migration or a schema file (not a down migration, not Python)?"""
        found = self._history.get(path)
        if found is None:
            mig = migration_version(Path(path), self.config)
            found = mig[0] == "migration" if mig is not None else not path.endswith(".py")
            self._history[path] = found
        return found

    def note_created(self, stmts: list[Statement]) -> None:
        """Tables created where the catalog does not see them: by ``SELECT … INTO``, in
        function bodies, and by other engines' SQL (``created_in_other_dialects``)."""
        self._created.update(created_elsewhere(stmts))
        self._dialect_created.update(created_in_other_dialects(stmts))
        # A table application code creates exists once that code ran: other modules may
        # name it (its columns stay unknown; runtime DDL does not change the catalog).
        self._created.update(
            _relation_name(s) for s in stmts
            if s.node_type in ("CreateStmt", "CreateTableAsStmt") and not s.migration
            and self.roles.get(s.path) == "source")

    def created_names(self) -> tuple[frozenset[str], frozenset[str]]:
        """What ``note_created`` noted: tables made outside the catalog's sight, and
        by other engines' SQL (for ``add_created`` in another process's replay)."""
        return frozenset(self._created), frozenset(self._dialect_created)

    def add_created(self, created: Iterable[str], in_dialects: Iterable[str]) -> None:
        self._created.update(created)
        self._dialect_created.update(in_dialects)

    def forget_created(self) -> None:
        self._created = set()
        self._dialect_created = set()

    def _facts(self, stmt: Statement, kind: str) -> None:
        node = stmt.node or {}
        if kind == "CreateFunctionStmt":
            record_function(node[kind], self._functions, stmt.seq + 1)
        elif kind == "CreateExtensionStmt":
            self._extensions.setdefault(str(node[kind].get("extname", "")), stmt)
        elif kind in _TYPE_NODES:
            self._types.update(_defined_names(node))

    def release(self) -> None:
        """The run is over: let go of its history (the facts ``finish`` made of it)."""
        self.catalogs, self.last, self._through_path = {}, {}, {}
        self._functions = FunctionHistory()
        self._extensions = {}
        self._proofs = NotNullProofs()

    def finish(self) -> tuple[Catalog, dict[int, Catalog], RunFacts]:
        self.builder.end_session()  # the last file's temporary tables and path end with it
        final = self.builder.snapshot()
        seen: dict[tuple[str, ...], Catalog] = {}
        for seq, search_path in self._through_path.items():
            if search_path not in seen:
                seen[search_path] = replace(final, search_path=search_path)
            self.catalogs[seq] = seen[search_path]
        facts = RunFacts(functions=self._functions, extensions=dict(self._extensions),
                         user_types=frozenset(self._types),
                         created_elsewhere=frozenset(self._created),
                         created_in_other_dialects=frozenset(self._dialect_created),
                         not_null=self._proofs.proven)
        return final, self.catalogs, facts


def temporary(stmt: Statement) -> bool:
    """Does ``stmt`` create a temporary table (``CREATE TEMP TABLE``, ``… AS``)?"""
    node = stmt.node or {}
    rel = (node.get("CreateStmt", {}).get("relation")
           or node.get("CreateTableAsStmt", {}).get("into", {}).get("rel") or {})
    return bool(rel.get("relpersistence") == "t")


def record_function(node: dict[str, Any], functions: FunctionHistory, start: int) -> None:
    """The volatility of the function a CREATE FUNCTION creates, from statement
    ``start`` on."""
    parts = [p.get("String", {}).get("sval", "") for p in node.get("funcname") or []]
    if not parts:
        return
    vol = "v"
    for opt in node.get("options") or []:
        elem = opt.get("DefElem", {})
        if elem.get("defname") == "volatility":
            vol = str(elem.get("arg", {}).get("String", {}).get("sval", "volatile"))[0]
    functions.set(parts[-1], vol, start)


def _defined_names(node: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    inner: Any = next(iter(node.values()), {})
    for key in ("domainname", "typeName", "defnames"):
        value = inner.get(key)
        if isinstance(value, list):
            parts = names(value)
            if parts:
                found.add(parts[-1])
    rv = inner.get("typevar")
    if isinstance(rv, dict) and rv.get("relname"):
        found.add(str(rv["relname"]))
    return found


def _module_temporaries(stmts: Sequence[Statement]) -> dict[str, list[Statement]]:
    """Per Python module: the tables its code creates (temporary or not: a payday's work
    tables) and the ALTER TABLE / CREATE INDEX statements on them, in order."""
    found: dict[str, list[Statement]] = {}
    names: dict[str, set[str]] = {}
    for stmt in stmts:
        if not stmt.path.endswith(".py") or stmt.node is None or stmt.migration:
            continue
        if stmt.node_type in ("CreateStmt", "CreateTableAsStmt"):
            found.setdefault(stmt.path, []).append(stmt)
            names.setdefault(stmt.path, set()).add(_relation_name(stmt))
        elif _relation_name(stmt) in names.get(stmt.path, ()):
            found[stmt.path].append(stmt)
    return found


def _relation_name(stmt: Statement) -> str:
    """The table a CREATE / ALTER TABLE / CREATE INDEX statement is about ("" if none)."""
    node = stmt.node or {}
    kind = next(iter(node), "")
    if kind not in ("CreateStmt", "CreateTableAsStmt", "AlterTableStmt", "IndexStmt"):
        return ""
    body = node.get(kind) or {}
    rel = body.get("relation") or (body.get("into") or {}).get("rel") or {}
    return str(rel.get("relname", ""))


def _session_scoped(hoisted: Iterable[Statement],
                    builder: CatalogBuilder) -> Iterator[tuple[Statement, bool]]:
    """A module's own tables as its session's (``True``: a table that lasts as long as
    the session): application code that creates a table the schema lacks uses it in any
    of its functions. The schema's own table of that name is never replaced, nor
    altered: runtime DDL does not change the catalog."""
    schema_tables: set[str] = set()
    for stmt in hoisted:
        name = _relation_name(stmt)
        if stmt.node_type in ("CreateStmt", "CreateTableAsStmt"):
            if temporary(stmt):
                schema_tables.discard(name)
                yield stmt, False
            elif builder.snapshot().table(name) is not None:
                schema_tables.add(name)
            else:
                yield stmt, True
        elif name not in schema_tables:
            yield stmt, False
