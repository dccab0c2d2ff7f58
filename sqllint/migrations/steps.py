"""Every statement as a migration step: the catalog before it, its file's role, its transaction.

Computed once per run (cached in ``ctx.cache``) by replaying the statements in order with
a ``CatalogBuilder``: ``ctx.catalog_at`` only snapshots catalogs for queries, and the
migration rules need the schema as it stood right before each DDL statement.
Statements inside function bodies and DO blocks are steps too. Only the files findings
are reported for have steps; the others only contribute their functions' volatility.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

from sqllint.catalog.model import Catalog, Table
from sqllint.context import Context
from sqllint.discover import migration_version
from sqllint.migrations.sqledit import relation
from sqllint.migrations.transactions import InTransaction, Layout, file_transactions, layout
from sqllint.model import Statement, build, with_changes
from sqllint.sources.bodies import read_bodies

Role = Literal["migration", "down", "schema", "other"]
Container = Literal["top", "function", "do"]

_CACHE_KEY = "sqllint.migrations.steps"
_REPORTED = "sqllint.migrations.steps:reported"
_INTERESTING = frozenset({
    "IndexStmt", "DropStmt", "AlterTableStmt", "RefreshMatViewStmt", "CreateStmt",
    "CreateFunctionStmt", "DoStmt", "ViewStmt", "CreateTableAsStmt", "ReindexStmt",
    "CreateDomainStmt", "CompositeTypeStmt", "ClusterStmt", "VacuumStmt", "RenameStmt",
    "TransactionStmt", "VariableSetStmt", "TruncateStmt",
})


@dataclass(frozen=True)
class Step:
    stmt: Statement  # body statements are positioned in the file, with the parent's seq
    role: Role  # of the file: migration / down / schema (ddl files) / other (queries, Python)
    layout: Layout
    catalog: Catalog  # before the statement ran; for function bodies, the final catalog
    container: Container = "top"
    parent: Statement | None = None
    transaction: InTransaction | None = None
    functions: Mapping[str, str] = field(default_factory=dict)  # user function → i/s/v

    @property
    def path(self) -> str:
        return self.stmt.path

    @property
    def is_migration(self) -> bool:
        return self.role == "migration"

    def created_here(self, table: Table) -> bool:
        """Was ``table`` created earlier in this very file (so it holds no rows yet)?"""
        return table.origin.path == self.stmt.path and self.container != "function"

    @property
    def checked(self) -> bool:
        """Do the lock rules look at it: a migration step, or a statement of a function."""
        return self.role == "migration" or self.container == "function"

    def existing(self, rangevar: dict[str, Any] | None) -> Table | None:
        """The table ``rangevar`` names when it existed before this file (holds rows)."""
        table = relation(self.catalog, rangevar or {})
        if table is None or self.created_here(table):
            return None
        return table


def steps(ctx: Context) -> tuple[Step, ...]:
    """The steps of the target files, in order."""
    cached: tuple[Step, ...] | None = ctx.cache.get(_CACHE_KEY)
    if cached is None:
        cached = ctx.cache[_CACHE_KEY] = tuple(_compute(ctx))
    return cached


def _role(path: str, ctx: Context, roles: dict[str, Role]) -> Role:
    if path not in roles:
        mig = migration_version(Path(path), ctx.config)
        if mig is not None:
            roles[path] = "migration" if mig[0] == "migration" else "down"
        elif path.endswith(".py"):
            roles[path] = "other"
        else:
            roles[path] = "schema"
    return roles[path]


def _compute(ctx: Context) -> list[Step]:
    roles: dict[str, Role] = {}
    by_file: dict[str, list[Statement]] = {}
    for stmt in ctx.statements:
        if stmt.path in ctx.targets:
            by_file.setdefault(stmt.path, []).append(stmt)
    layouts = {p: layout(p, ctx.config, ctx.texts.get(p, "")) for p in by_file}
    in_tx: dict[int, InTransaction] = {}
    for path, stmts in by_file.items():
        marks = file_transactions(stmts, layouts[path], ctx.texts.get(path, ""))
        if _role(path, ctx, roles) not in ("migration", "down"):
            marks = {i: t for i, t in marks.items() if t.reason == "explicit"}
        for i, mark in marks.items():
            in_tx[id(stmts[i])] = mark
    out: list[Step] = []
    pending_bodies: list[tuple[Statement, Role]] = []
    for stmt in ctx.statements:
        if stmt.node is None:
            continue
        if stmt.path not in ctx.targets:  # read for the schema: its functions are in ctx.run
            continue
        kind = stmt.node_type
        if kind in _INTERESTING:
            role = _role(stmt.path, ctx, roles)
            # The user functions created before it, in any file (shared, not copied).
            functions = ctx.run.functions_at(stmt.seq)
            step = build(Step, stmt=stmt, role=role, layout=layouts[stmt.path],
                         catalog=ctx.catalog_at(stmt), container="top", parent=None,
                         transaction=in_tx.get(id(stmt)), functions=functions)
            out.append(step)
            if kind == "CreateFunctionStmt":
                pending_bodies.append((stmt, role))
            elif kind == "DoStmt":
                for body in _body_statements(ctx, stmt):
                    out.append(Step(body, role, step.layout, step.catalog, "do", stmt,
                                    _body_transaction(step), functions))
    final = ctx.catalog
    functions = ctx.run.final_functions
    for stmt, role in pending_bodies:
        for body in _body_statements(ctx, stmt):
            out.append(Step(body, role, layouts[stmt.path], final, "function", stmt,
                            InTransaction("function", layouts[stmt.path]), functions))
    return out


def _body_statements(ctx: Context, stmt: Statement) -> Iterator[Statement]:
    """The statements a function body or DO block runs itself, positioned exactly: SQL
    and PL/pgSQL statements and EXECUTE '<literal>' (not the queries of PERFORM, loops
    and expressions, nor BEGIN ATOMIC bodies)."""
    for body in read_bodies(ctx.cache, stmt):
        if body.verbatim and body.source in ("sql", "plpgsql", "execute"):
            yield body.stmt


def _body_transaction(step: Step) -> InTransaction:
    return InTransaction("function", step.layout)


def reported(ctx: Context) -> tuple[Step, ...]:
    """The steps of the files findings are reported for (made once for every rule)."""
    found: tuple[Step, ...] | None = ctx.cache.get(_REPORTED)
    if found is None:
        found = ctx.cache[_REPORTED] = tuple(s for s in steps(ctx) if s.path in ctx.targets)
    return found


class TableAlteration(NamedTuple):
    """An ALTER TABLE step on a table that holds rows (see ``table_alterations``)."""

    step: Step
    rangevar: dict[str, Any]  # the statement's ``relation``
    table: Table
    commands: list[dict[str, Any]]  # its AlterTableCmd nodes, in order


def table_alterations(ctx: Context) -> Iterator[TableAlteration]:
    """The reported ALTER TABLE steps, of migrations and function bodies, on a plain table
    that was not created earlier in the same file."""
    for step in reported(ctx):
        node = (step.stmt.node or {}).get("AlterTableStmt")
        if node is None or not step.checked:
            continue
        rangevar = node.get("relation") or {}
        table = step.existing(rangevar)
        if table is None or table.kind != "table":
            continue
        commands = [wrapped.get("AlterTableCmd", {}) for wrapped in node.get("cmds") or []]
        yield TableAlteration(step, rangevar, table, commands)


def added_constraints(commands: list[dict[str, Any]]
                      ) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    """(Constraint, its ColumnDef or None) for each constraint an ALTER TABLE adds:
    ``ADD CONSTRAINT …`` and the constraints of ``ADD COLUMN``."""
    for cmd in commands:
        definition = cmd.get("def") or {}
        if cmd.get("subtype") == "AT_AddConstraint" and "Constraint" in definition:
            yield definition["Constraint"], None
        elif cmd.get("subtype") == "AT_AddColumn" and "ColumnDef" in definition:
            coldef = definition["ColumnDef"]
            for wrapped in coldef.get("constraints") or []:
                if "Constraint" in wrapped:
                    yield wrapped["Constraint"], coldef


def outside_transaction_after(ctx: Context, step: Step, node: dict[str, Any]) -> bool:
    """Would ``step``'s statement, rewritten to ``node``, run outside any transaction
    block (the file's other statements as they are)?"""
    if step.container != "top":
        return False
    stmts = [s for s in ctx.statements if s.path == step.path]
    at = next((i for i, s in enumerate(stmts) if s is step.stmt), None)
    if at is None:
        return False
    changed = [*stmts[:at], with_changes(step.stmt, node=node), *stmts[at + 1 :]]
    return at not in file_transactions(changed, step.layout, ctx.texts.get(step.path, ""))
