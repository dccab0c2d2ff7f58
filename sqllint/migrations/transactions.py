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

import pathspec

from sqllint.config import Config
from sqllint.model import Statement

Runner = Literal["flyway", "golang-migrate", "alembic", "django", "configured", "plain"]
Mode = Literal["wrapped", "one-query", "flyway", "autocommit"]

_FLYWAY = re.compile(r"^[VUR]\d*(?:[._]\d+)*__.+\.sql$", re.I)
_GOLANG = re.compile(r"^\d+_.+\.(up|down)\.sql$", re.I)
_FLYWAY_NO_TX = re.compile(r"executeInTransaction\s*=\s*false", re.I)
# Statements PostgreSQL refuses inside a transaction block (PreventInTransactionBlock).
NON_TRANSACTIONAL = frozenset({"VacuumStmt", "CreatedbStmt", "DropdbStmt",
                               "CreateTableSpaceStmt", "DropTableSpaceStmt", "AlterSystemStmt"})


@dataclass(frozen=True)
class Layout:
    runner: Runner
    mode: Mode

    @property
    def name(self) -> str:
        return {"flyway": "Flyway", "golang-migrate": "golang-migrate", "alembic": "Alembic",
                "django": "Django", "configured": "this migration", "plain": "psql"}[self.runner]


def layout(path: str, config: Config, text: str = "") -> Layout:
    """How the migration tool runs the file at ``path`` (display path)."""
    name = Path(path).name
    configured = _configured(path, config)
    if configured is not None:
        return Layout("configured", "wrapped" if configured else "autocommit")
    if _FLYWAY.match(name):
        if _FLYWAY_NO_TX.search(text[:2000]) or _flyway_conf_says_no(path):
            return Layout("flyway", "autocommit")
        return Layout("flyway", "flyway")
    if _GOLANG.match(name):
        return Layout("golang-migrate", "one-query")
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


def _flyway_conf_says_no(path: str) -> bool:
    conf = Path(path + ".conf")
    try:
        return conf.is_file() and bool(_FLYWAY_NO_TX.search(conf.read_text(errors="replace")))
    except OSError:
        return False


def needs_no_transaction(stmt: Statement) -> str | None:
    """The statement's name when PostgreSQL refuses to run it inside a transaction block."""
    node = stmt.node or {}
    kind = stmt.node_type
    inner = node.get(kind) or {}
    if kind == "IndexStmt" and inner.get("concurrent"):
        return "CREATE INDEX CONCURRENTLY"
    if kind == "DropStmt" and inner.get("concurrent"):
        return "DROP INDEX CONCURRENTLY"
    if kind == "ReindexStmt" and any(
            o.get("DefElem", {}).get("defname") == "concurrently"
            for o in inner.get("params") or []):
        return "REINDEX CONCURRENTLY"
    if kind == "AlterTableStmt":
        for cmd in inner.get("cmds") or []:
            part = cmd.get("AlterTableCmd", {}).get("def", {}).get("PartitionCmd", {})
            if part.get("concurrent"):
                return "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY"
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


def file_transactions(
    stmts: Sequence[Statement], lay: Layout, text: str = ""
) -> Mapping[int, InTransaction]:
    """For each statement (by index in ``stmts``) in a transaction block: why."""
    out: dict[int, InTransaction] = {}
    open_at = 0
    autocommit_lines = _autocommit_blocks(text) if lay.runner == "alembic" else []
    parsed = [s for s in stmts if s.node is not None]
    for i, stmt in enumerate(stmts):
        if stmt.node_type == "TransactionStmt":
            kind = str(stmt.node.get("TransactionStmt", {}).get("kind", "")) if stmt.node else ""
            if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
                open_at = stmt.line
            elif kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"):
                open_at = 0
            continue
        if open_at:
            out[i] = InTransaction("explicit", lay, open_at)
        elif lay.mode == "wrapped":
            if not any(a <= stmt.line <= b for a, b in autocommit_lines):
                out[i] = InTransaction("wrapped", lay)
        elif lay.mode == "one-query" and len(parsed) > 1:
            out[i] = InTransaction("one-query", lay)
        elif lay.mode == "flyway" and any(needs_no_transaction(s) is None
                                          and s.node_type != "TransactionStmt" for s in parsed):
            out[i] = InTransaction("flyway", lay)
    return out


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
