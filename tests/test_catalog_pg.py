"""sqllint's catalog, built from files alone, equals what PostgreSQL builds from them.

The same DDL goes to a real server; pg_catalog is the truth for tables, columns,
indexes and foreign keys, and for the two schema checks (SL201, SL204).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import psycopg
import pytest

from sqllint.catalog.model import Catalog
from sqllint.cli import main
from sqllint.config import Config
from sqllint.project import load_project
from tests import pg_catalog_truth as truth
from tests.pg import PgServer

ROOT = Path(__file__).resolve().parent.parent
NOVACRON = ROOT / "fixtures" / "novacron" / "migrations"
EDGE = ROOT / "fixtures" / "catalog_edge" / "schema.sql"
KINDS = {"r": "table", "p": "table", "v": "view", "m": "matview", "f": "foreign"}


def _norm(text: str | None) -> str | None:
    """Expression text without the casts and parentheses PostgreSQL adds when printing."""
    if text is None:
        return None
    text = re.sub(r"cast\((.+?) as [a-z_ ]+(\(\d+(,\d+)?\))?\)", r"\1", text.lower())
    text = re.sub(r"::[a-z_ ]+(\(\d+(,\d+)?\))?(\[\])?", "", text)
    return re.sub(r"[()\s\"]", "", text)


def _apply(conn: psycopg.Connection, files: list[Path]) -> None:
    for f in files:
        conn.execute(f.read_text(encoding="utf-8"))  # type: ignore[arg-type]


def _catalog(paths: list[Path]) -> Catalog:
    return load_project(paths, Config(root=paths[0].parent)).catalog


def _novacron_files() -> list[Path]:
    return sorted(NOVACRON.glob("*.up.sql"))


def _compare(conn: psycopg.Connection, catalog: Catalog) -> None:
    want_tables = {(t.schema + "." + t.name, KINDS[t.relkind]) for t in truth.tables(conn)}
    have_tables = {(k, t.kind) for k, t in catalog.tables.items()}
    assert have_tables == want_tables

    plain = {k for k, kind in want_tables if kind == "table"}
    want_cols = [(c.table, c.name, c.type, c.not_null)
                 for c in truth.columns(conn) if c.table in plain]
    have_cols = [(k, c.name, c.type, c.not_null)
                 for k in sorted(plain) for c in catalog.tables[k].columns]
    assert sorted(have_cols) == sorted(want_cols)
    # Views: the column names, in order.
    for key, kind in want_tables:
        if kind in ("view", "matview"):
            want = [c.name for c in truth.columns(conn) if c.table == key]
            assert list(catalog.tables[key].column_names) == want, key

    want_idx = sorted(
        (i.table, i.name, tuple(_norm(k) for k in i.keys), tuple(i.descending),
         _norm(i.predicate), tuple(i.include), i.method, i.unique, i.primary)
        for i in truth.indexes(conn)
    )
    have_idx = sorted(
        (i.table, i.name,
         tuple(_norm(k.column if k.column is not None else k.expression) for k in i.keys),
         tuple(k.descending for k in i.keys), _norm(i.predicate), tuple(i.include),
         i.method, i.unique, i.primary)
        for i in catalog.indexes.values()
        if not catalog.tables[i.table].partition_of  # PG lists partition copies apart
    )
    assert have_idx == want_idx

    want_fks = sorted((f.table, tuple(f.columns), f.ref_table, tuple(f.ref_columns))
                      for f in truth.foreign_keys(conn))
    have_fks = sorted((t.qualified, f.columns, f.ref_table, f.ref_columns)
                      for t in catalog.tables.values() for f in t.foreign_keys)
    assert have_fks == want_fks


def _pg_dump(pg_server: PgServer, dbname: str, out: Path) -> None:
    dump = pg_server.bindir / "pg_dump"
    subprocess.run(
        [str(dump), "--schema-only", "--no-owner", "-h", pg_server.host, "-p",
         str(pg_server.port), "-U", pg_server.user, "-f", str(out), dbname],
        check=True, capture_output=True, timeout=60,
    )


def _dbname(conn: psycopg.Connection) -> str:
    row = conn.execute("SELECT current_database()").fetchone()
    assert row is not None
    return str(row[0])


@pytest.mark.parametrize("which", ["novacron", "edge"])
def test_catalog_matches_postgres(pg_db: psycopg.Connection, which: str) -> None:
    files = _novacron_files() if which == "novacron" else [EDGE]
    _apply(pg_db, files)
    _compare(pg_db, _catalog(files))


@pytest.mark.parametrize("which", ["novacron", "edge"])
def test_catalog_from_pg_dump_matches_postgres(
    pg_server: PgServer, pg_db: psycopg.Connection, tmp_path: Path, which: str
) -> None:
    files = _novacron_files() if which == "novacron" else [EDGE]
    _apply(pg_db, files)
    dump = tmp_path / "schema.sql"
    _pg_dump(pg_server, _dbname(pg_db), dump)
    assert "CREATE TABLE" in dump.read_text()
    _compare(pg_db, _catalog([dump]))


def _findings(paths: list[Path], code: str, capsys: pytest.CaptureFixture[str],
              workdir: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Run ``sqllint check`` on copies of ``paths`` alone, in a directory of their own."""
    import json
    import shutil

    run = workdir / code / paths[0].parent.name
    run.mkdir(parents=True, exist_ok=True)
    for p in paths:
        shutil.copy(p, run / p.name)
    monkeypatch.chdir(run)
    main(["check", "--format", "json", "--select", code, "."])
    return [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == code]


@pytest.mark.parametrize("which", ["novacron", "edge"])
def test_schema_rules_agree_with_pg_catalog(
    pg_server: PgServer, pg_db: psycopg.Connection, tmp_path: Path, which: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = _novacron_files() if which == "novacron" else [EDGE]
    _apply(pg_db, files)
    dump = tmp_path / "dump" / "schema.sql"
    dump.parent.mkdir()
    _pg_dump(pg_server, _dbname(pg_db), dump)
    uncovered = {(f.table.removeprefix("public."), ", ".join(f.columns))
                 for f in truth.uncovered_foreign_keys(pg_db)}
    redundant = {r.index for r in truth.redundant_indexes(pg_db)}
    for source in (files, [dump]):
        sl201 = _findings(source, "SL201", capsys, tmp_path, monkeypatch)
        found = {tuple(re.search(r"on (\S+) \(([^)]*)\)", f["message"]).groups())  # type: ignore[union-attr]
                 for f in sl201}
        assert found == uncovered
        sl204 = _findings(source, "SL204", capsys, tmp_path, monkeypatch)
        assert {re.search(r"index (\S+) on", f["message"]).group(1)  # type: ignore[union-attr]
                for f in sl204} == redundant
