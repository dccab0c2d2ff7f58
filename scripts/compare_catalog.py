"""Compare sqllint's catalog of a repository with what PostgreSQL builds from it.

    python scripts/compare_catalog.py PATH [--config FILE] [--show N] [--keep-going]

sqllint discovers PATH's schema and migration files (as ``sqllint check PATH`` would,
with PATH's config or ``--config``) and builds its catalog. The same statements, in the
same order, each file a session of its own, go to a throwaway PostgreSQL cluster
(tests/pg.py: a temp dir, 127.0.0.1 only, removed at the end). Then, per object class
(tables, columns with type and NOT NULL, indexes, foreign keys), it prints how many
objects match exactly and lists the mismatches: ``-`` PostgreSQL has it and sqllint
does not, ``+`` sqllint has it and PostgreSQL does not.

Statements PostgreSQL rejects are counted and the first few shown (a missing extension,
say): the comparison is then of what both could build. Exit status: 0 when every class
matches at least 99 %, 1 otherwise, 2 on a usage error or when PostgreSQL is missing.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqllint.catalog.model import Catalog
from sqllint.config import ConfigError, load_config
from sqllint.project import Project, load_project
from tests import pg_catalog_truth as truth
from tests.pg import PgStartError, PgUnavailable, start_server

if TYPE_CHECKING:
    import psycopg

CLASSES = ("tables", "columns", "indexes", "foreign keys")
THRESHOLD = 99.0
_KINDS = {"r": "table", "p": "table", "v": "view", "m": "matview", "f": "foreign"}
Row = tuple[object, ...]


@dataclass(frozen=True)
class ClassResult:
    name: str
    matched: int
    missing: tuple[Row, ...]  # PostgreSQL has it, sqllint does not
    extra: tuple[Row, ...]  # sqllint has it, PostgreSQL does not

    @property
    def total(self) -> int:
        return self.matched + max(len(self.missing), len(self.extra))

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else 100.0 * self.matched / self.total


def norm_expr(text: str | None) -> str | None:
    """Expression text without what PostgreSQL adds when printing it back (casts,
    parentheses, double quotes, the schema of a function it resolved: ``app.f(x)``, since the
    truth is read with ``search_path = pg_catalog``; ``x IN (a, b)`` prints as
    ``x = ANY (ARRAY[a, b])``)."""
    if text is None:
        return None
    text = re.sub(r"cast\((.+?) as [a-z_ .\"]+(\(\d+(,\d+)?\))?(\[\])?\)", r"\1", text.lower())
    text = re.sub(r"\b[a-z_][a-z0-9_$]*\.(?=[a-z_][a-z0-9_$]*\()", "", text)
    text = re.sub(r"::[a-z_ .\"]+(\(\d+(,\d+)?\))?(\[\])?", "", text)
    text = re.sub(r"[()\s\"]", "", text)
    text = re.sub(r"=anyarray\[(.*?)\]", r"in\1", text)
    # Keyword arguments print bare (normalize(x, NFKC)), pglast quotes them ('nfkc').
    return text.replace("'", "")


def pg_rows(conn: psycopg.Connection) -> dict[str, set[Row]]:
    """What PostgreSQL built, per class, as comparable rows."""
    tables = {(f"{t.schema}.{t.name}", _KINDS[t.relkind]) for t in truth.tables(conn)}
    plain = {k for k, kind in tables if kind == "table"}
    return {
        "tables": set(tables),
        "columns": {(c.table, c.name, c.type, c.not_null)
                    for c in truth.columns(conn) if c.table in plain},
        "indexes": {(i.table, i.name, tuple(norm_expr(k) for k in i.keys), i.descending,
                     i.opclasses, i.collations, norm_expr(i.predicate), i.include, i.method,
                     i.unique, i.primary) for i in truth.indexes(conn)},
        "foreign keys": {(f.table, f.columns, f.ref_table, f.ref_columns)
                         for f in truth.foreign_keys(conn)},
    }


def catalog_rows(catalog: Catalog) -> dict[str, set[Row]]:
    """What sqllint built, per class, as rows comparable with ``pg_rows``."""
    tables = catalog.tables
    return {
        "tables": {(k, t.kind) for k, t in tables.items()},
        "columns": {(k, c.name, c.type, c.not_null)
                    for k, t in tables.items() if t.kind == "table" for c in t.columns},
        "indexes": {
            (i.table, i.name,
             tuple(norm_expr(k.column if k.column is not None else k.expression)
                   for k in i.keys),
             tuple(k.descending for k in i.keys),
             tuple(k.opclass.split(".")[-1] if k.opclass else None for k in i.keys),
             tuple(k.collation for k in i.keys), norm_expr(i.predicate), i.include,
             i.method, i.unique, i.primary)
            for i in catalog.indexes.values()
            # PostgreSQL lists partitions' copies of the parent's indexes apart.
            if i.parent is None
        },
        "foreign keys": {(t.qualified, f.columns, f.ref_table, f.ref_columns)
                         for t in tables.values() for f in t.foreign_keys},
    }


def compare(want: dict[str, set[Row]], have: dict[str, set[Row]]) -> list[ClassResult]:
    return [ClassResult(name, len(want[name] & have[name]),
                        tuple(sorted(want[name] - have[name], key=repr)),
                        tuple(sorted(have[name] - want[name], key=repr)))
            for name in CLASSES]


@dataclass(frozen=True)
class Applied:
    statements: int
    rejected: tuple[tuple[str, str], ...]  # (where, PostgreSQL's message)


def apply_project(conn: psycopg.Connection, project: Project) -> Applied:
    """Run the statements sqllint applied to its catalog, in its order, on ``conn``:
    those of schema and migration files, each file a session."""
    import psycopg

    roles = {f.display: f.role for f in project.files}
    applies = {f.display: f.applies for f in project.files}
    rejected: list[tuple[str, str]] = []
    count = 0
    path = None
    for stmt in project.statements:
        if roles.get(stmt.path) not in ("schema", "migration") or not applies.get(stmt.path):
            continue
        if stmt.path != path:
            conn.execute("RESET ALL")
            conn.execute("DISCARD TEMP")
            if project.config.search_path:  # configured: each session starts on it
                conn.execute("SELECT pg_catalog.set_config('search_path', %s, false)",
                             (", ".join(project.config.search_path),))
            path = stmt.path
        count += 1
        try:
            conn.execute(stmt.sql)  # type: ignore[arg-type]
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            rejected.append((f"{stmt.path}:{stmt.line}", first))
    conn.execute("RESET ALL")
    return Applied(count, tuple(rejected))


def report(results: Sequence[ClassResult], applied: Applied, show: int) -> str:
    lines = [f"statements applied: {applied.statements}, rejected by PostgreSQL: "
             f"{len(applied.rejected)}"]
    lines += [f"  {where}: {message}" for where, message in applied.rejected[:show]]
    lines.append("")
    lines.append(f"{'class':<14} {'match':>8} {'of':>8} {'%':>7}  missing  extra")
    for r in results:
        lines.append(f"{r.name:<14} {r.matched:>8} {r.total:>8} {r.percent:>7.2f}  "
                     f"{len(r.missing):>7}  {len(r.extra):>5}")
    for r in results:
        if not (r.missing or r.extra):
            continue
        lines.append("")
        lines.append(f"{r.name}:")
        lines += [f"  - {row}" for row in r.missing[:show]]
        lines += [f"  + {row}" for row in r.extra[:show]]
        hidden = max(0, len(r.missing) - show) + max(0, len(r.extra) - show)
        if hidden:
            lines.append(f"  … {hidden} more (--show N)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="the repository (or schema folder)")
    parser.add_argument("--config", type=Path, help="sqllint config to use instead of PATH's")
    parser.add_argument("--show", type=int, default=20, help="mismatches listed per class")
    args = parser.parse_args(argv)
    if not args.path.exists():
        print(f"error: {args.path} does not exist", file=sys.stderr)
        return 2
    start = args.path if args.path.is_dir() else args.path.parent
    try:
        config = load_config(args.config, start=start)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    project = load_project([args.path], config)
    try:
        server = start_server()
    except (PgUnavailable, PgStartError) as exc:
        print(f"error: PostgreSQL: {exc}", file=sys.stderr)
        return 2
    try:
        db = server.create_database()
        with server.connect(db) as conn:
            applied = apply_project(conn, project)
            results = compare(pg_rows(conn), catalog_rows(project.catalog))
    finally:
        server.stop()
    print(report(results, applied, args.show))
    return 0 if all(r.percent >= THRESHOLD for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
