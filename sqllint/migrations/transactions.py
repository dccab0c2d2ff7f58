"""Which migration statements run inside a transaction block, and why.

Per file, the runner decides (``Layout``): Flyway and Alembic/Django wrap a migration in
a transaction; golang-migrate sends the whole file as one query string, which PostgreSQL
runs as one implicit transaction when it holds more than one statement; a plain ``.sql``
file (psql) runs statement by statement. ``transactional-migrations`` overrides the
default per path. On top of that, explicit ``BEGIN`` … ``COMMIT`` in the file count.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqllint.config import Config
from sqllint.migrations.sidecar import DIESEL_DIR as _DIESEL_DIR
from sqllint.migrations.sidecar import FLYWAY_SCRIPT as _FLYWAY
from sqllint.migrations.sidecar import sidecar
from sqllint.migrations.sqledit import option_enabled
from sqllint.model import Statement

Runner = Literal["flyway", "golang-migrate", "diesel", "alembic", "django", "configured",
                 "plain"]
# wrapped: the tool opens a transaction and sends statement by statement; batch: the tool
# opens a transaction and sends the whole file as one query (diesel).
Mode = Literal["wrapped", "batch", "one-query", "flyway", "autocommit"]

_GOLANG = re.compile(r"^\d+_.+\.(up|down)\.sql$", re.I)
_FLYWAY_NO_TX = re.compile(r"executeInTransaction\s*=\s*false", re.I)
# diesel: migrations/<version>_<name>/up.sql (down.sql), version digits with - or _.
_DIESEL_NO_TX = re.compile(r"^\s*run_in_transaction\s*=\s*false", re.I | re.M)
# Statements PostgreSQL refuses inside a transaction block (PreventInTransactionBlock).
NON_TRANSACTIONAL = frozenset({"VacuumStmt", "CreatedbStmt", "DropdbStmt",
                               "CreateTableSpaceStmt", "DropTableSpaceStmt", "AlterSystemStmt"})


@dataclass(frozen=True)
class Layout:
    runner: Runner
    mode: Mode

    @property
    def name(self) -> str:
        return {"flyway": "Flyway", "golang-migrate": "golang-migrate", "diesel": "diesel",
                "alembic": "Alembic",
                "django": "Django", "configured": "this migration", "plain": "psql"}[self.runner]


def layout(path: str, config: Config, text: str = "") -> Layout:
    """How the migration tool runs the file at ``path`` (display path)."""
    name = Path(path).name
    configured = _configured(path, config)
    if configured is not None:
        return Layout("configured", "wrapped" if configured else "autocommit")
    if _FLYWAY.match(name):
        if _FLYWAY_NO_TX.search(text[:2000]) or _FLYWAY_NO_TX.search(
                sidecar(path, config) or ""):
            return Layout("flyway", "autocommit")
        return Layout("flyway", "flyway")
    if _GOLANG.match(name):
        return Layout("golang-migrate", "one-query")
    if name in ("up.sql", "down.sql") and _DIESEL_DIR.match(Path(path).parent.name):
        meta = sidecar(path, config)
        no_tx = meta is not None and bool(_DIESEL_NO_TX.search(meta))
        return Layout("diesel", "one-query" if no_tx else "batch")
    if name.endswith(".py"):
        parts = {p.lower() for p in Path(path).parts[:-1]}
        if "alembic" in parts or "versions" in parts:
            return Layout("alembic", "wrapped")
        if re.search(r"^\s*atomic\s*=\s*False\b", text, re.M):
            return Layout("django", "autocommit")
        return Layout("django", "wrapped")
    return Layout("plain", "autocommit")


def _configured(path: str, config: Config) -> bool | None:
    result: bool | None = None
    if not config.transactional_migrations:
        return None
    import pathspec  # 40 ms to import: only when configured

    for glob, value in config.transactional_migrations:
        spec = pathspec.PathSpec.from_lines("gitignore", [glob])
        if glob in ("**", "*") or spec.match_file(_relative(path, config)):
            result = value  # the last matching entry wins
    return result


def _relative(path: str, config: Config) -> str:
    try:
        return Path(path).resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return path


def needs_no_transaction(stmt: Statement) -> str | None:
    """The statement's name when PostgreSQL refuses to run it inside a transaction block."""
    node = stmt.node or {}
    kind = stmt.node_type
    inner = node.get(kind) or {}
    if kind == "IndexStmt" and inner.get("concurrent"):
        return "CREATE INDEX CONCURRENTLY"
    if kind == "DropStmt" and inner.get("concurrent"):
        return "DROP INDEX CONCURRENTLY"
    if kind == "ReindexStmt" and option_enabled(inner.get("params"), "concurrently"):
        return "REINDEX CONCURRENTLY"
    if kind == "AlterTableStmt":
        for cmd in inner.get("cmds") or []:
            part = cmd.get("AlterTableCmd", {}).get("def", {}).get("PartitionCmd", {})
            if part.get("concurrent"):
                return "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY"
    if kind == "VacuumStmt" and not inner.get("is_vacuumcmd"):
        return None  # ANALYZE alone runs in a transaction block
    if kind in NON_TRANSACTIONAL:
        return {"VacuumStmt": "VACUUM", "CreatedbStmt": "CREATE DATABASE",
                "DropdbStmt": "DROP DATABASE", "CreateTableSpaceStmt": "CREATE TABLESPACE",
                "DropTableSpaceStmt": "DROP TABLESPACE",
                "AlterSystemStmt": "ALTER SYSTEM"}[kind]
    return None


@dataclass(frozen=True)
class InTransaction:
    """Why a statement runs inside a transaction block."""

    reason: Literal["explicit", "wrapped", "one-query", "flyway", "function"]
    layout: Layout
    begin_line: int = 0  # the BEGIN of an explicit block
    # Which transaction of the file: statements with equal blocks share one. The BEGIN
    # line of an explicit block; 0 for the tool's own; minus the line of the COMMIT that
    # ended the tool's transaction for the one that follows it.
    block: int = 0


def file_transactions(
    stmts: Sequence[Statement], lay: Layout, text: str = ""
) -> Mapping[int, InTransaction]:
    """For each statement (by index in ``stmts``) in a transaction block: why.

    A ``COMMIT`` (or ``ROLLBACK``) outside an explicit block ends the tool's own
    transaction: what follows runs outside it, as statements of their own (wrapped), or
    still as parts of one multi-statement query (batch); Flyway's JDBC connection opens a
    new transaction at the next statement."""
    out: dict[int, InTransaction] = {}
    open_at = 0
    tool_open = True
    after = 0  # the tool's transaction the statements are in (see InTransaction.block)
    autocommit_lines = _autocommit_blocks(text) if lay.runner == "alembic" else []
    parsed = [s for s in stmts if s.node is not None]
    for i, stmt in enumerate(stmts):
        if stmt.node_type == "TransactionStmt":
            kind = transaction_kind(stmt)
            if kind == "begin":
                open_at = stmt.line
            elif kind == "end":
                if not open_at:
                    tool_open = False
                open_at = 0
                after = -stmt.line
            continue
        if open_at:
            out[i] = InTransaction("explicit", lay, open_at, open_at)
        elif lay.mode in ("wrapped", "batch") and tool_open:
            if not any(a <= stmt.line <= b for a, b in autocommit_lines):
                out[i] = InTransaction("wrapped", lay, block=after)
        elif lay.mode in ("one-query", "batch") and len(parsed) > 1:
            out[i] = InTransaction("one-query", lay, block=after)
        elif lay.mode == "flyway" and any(needs_no_transaction(s) is None
                                          and s.node_type != "TransactionStmt" for s in parsed):
            out[i] = InTransaction("flyway", lay, block=after)
    return out


def transaction_kind(stmt: Statement) -> Literal["begin", "end", "other"]:
    """Does a ``TransactionStmt`` open a block (BEGIN / START TRANSACTION) or end one
    (COMMIT / ROLLBACK / END / PREPARE TRANSACTION)? Savepoints and the rest: other."""
    kind = str((stmt.node or {}).get("TransactionStmt", {}).get("kind", ""))
    if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
        return "begin"
    if kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"):
        return "end"
    return "other"


def _autocommit_blocks(text: str) -> list[tuple[int, int]]:
    """Line ranges of ``with op.get_context().autocommit_block():`` in an Alembic file."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return []
    ranges = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(
                "autocommit_block" in ast.unparse(item.context_expr) for item in node.items):
            ranges.append((node.lineno, node.end_lineno or node.lineno))
    return ranges


def out_of_transaction_recipe(lay: Layout) -> str:
    """How to run a statement outside a transaction with this migration tool."""
    if lay.runner == "golang-migrate":
        return ("put it alone in a migration file of its own (golang-migrate sends a file as "
                "one query, which PostgreSQL runs as one transaction)")
    if lay.runner == "diesel":
        return ("put it in a migration of its own with `run_in_transaction = false` in its "
                "metadata.toml, alone in up.sql (diesel sends the file as one query)")
    if lay.runner == "flyway":
        return ("put it in a migration of its own, with only non-transactional statements "
                "(Flyway then runs it outside a transaction)")
    if lay.runner == "alembic":
        return "run it inside `with op.get_context().autocommit_block():`"
    if lay.runner == "django":
        return "set `atomic = False` on the Migration class"
    if lay.runner == "configured":
        return ("run it in a migration the tool does not wrap in a transaction "
                "(see `transactional-migrations`)")
    return "run it outside BEGIN … COMMIT"
