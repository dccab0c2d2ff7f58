"""sqllint's catalog, built from files alone, equals what PostgreSQL builds from them.

The same DDL goes to a real server; pg_catalog is the truth for tables, columns,
indexes and foreign keys, and for the two schema checks (SL201, SL204).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from sqllint.catalog.model import Catalog
from sqllint.cli import main
from sqllint.config import Config, load_config
from sqllint.project import load_project
from tests import pg_catalog_truth as truth
from tests.pg import PgServer

ROOT = Path(__file__).resolve().parent.parent
NOVACRON = ROOT / "fixtures" / "novacron" / "migrations"
# One directory per catalog point: its *.sql files, applied in name order, one session each.
CATALOG_FIXTURES = sorted(p.name for p in (ROOT / "fixtures").glob("catalog_*") if p.is_dir())
WHICH = ["novacron", *CATALOG_FIXTURES]
KINDS = {"r": "table", "p": "table", "v": "view", "m": "matview", "f": "foreign"}


def _norm(text: str | None) -> str | None:
    """Expression text without the casts and parentheses PostgreSQL adds when printing."""
    if text is None:
        return None
    text = re.sub(r"cast\((.+?) as [a-z_ ]+(\(\d+(,\d+)?\))?\)", r"\1", text.lower())
    text = re.sub(r"::[a-z_ ]+(\(\d+(,\d+)?\))?(\[\])?", "", text)
    text = re.sub(r"[()\s\"]", "", text)
    return re.sub(r"=anyarray\[(.*?)\]", r"in\1", text)  # x IN (…) prints as = ANY (ARRAY[…])


def _apply(conn: psycopg.Connection, files: list[Path]) -> None:
    """Apply ``files`` in order, each file a session of its own (as sqllint reads them).

    intarray goes first: its ``int[] @> int[]`` in ``public`` must not change what the
    truth queries read.
    """
    conn.execute("CREATE EXTENSION IF NOT EXISTS intarray")
    for f in files:
        conn.execute(f.read_text(encoding="utf-8"))  # type: ignore[arg-type]
        conn.execute("RESET ALL")  # the next file is a new session: default search_path,
        conn.execute("DISCARD TEMP")  # no temporary tables


def _catalog(paths: list[Path]) -> Catalog:
    return load_project(paths, Config(root=paths[0].parent)).catalog


def _novacron_files() -> list[Path]:
    return sorted(NOVACRON.glob("*.up.sql"))


def _files(which: str) -> list[Path]:
    if which == "novacron":
        return _novacron_files()
    return sorted((ROOT / "fixtures" / which).glob("*.sql"))


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
         i.opclasses, i.collations, _norm(i.predicate), tuple(i.include), i.method, i.unique,
         i.primary)
        for i in truth.indexes(conn)
    )
    have_idx = sorted(
        (i.table, i.name,
         tuple(_norm(k.column if k.column is not None else k.expression) for k in i.keys),
         tuple(k.descending for k in i.keys),
         tuple(k.opclass.split(".")[-1] if k.opclass else None for k in i.keys),
         tuple(k.collation for k in i.keys), _norm(i.predicate), tuple(i.include),
         i.method, i.unique, i.primary)
        for i in catalog.indexes.values()
        if i.parent is None  # PG lists partitions' copies of their parent's indexes apart
    )
    assert have_idx == want_idx

    want_enums = {e.type: e.labels for e in truth.enums(conn)}
    have_enums = {t.qualified: t.labels for t in catalog.types.values() if t.kind == "enum"}
    assert have_enums == want_enums

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


@pytest.mark.parametrize("which", WHICH)
def test_catalog_matches_postgres(pg_db: psycopg.Connection, which: str) -> None:
    files = _files(which)
    _apply(pg_db, files)
    _compare(pg_db, _catalog(files))


@pytest.mark.parametrize("which", WHICH)
def test_catalog_from_pg_dump_matches_postgres(
    pg_server: PgServer, pg_db: psycopg.Connection, tmp_path: Path, which: str
) -> None:
    files = _files(which)
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


@pytest.mark.parametrize("which", WHICH)
def test_schema_rules_agree_with_pg_catalog(
    pg_server: PgServer, pg_db: psycopg.Connection, tmp_path: Path, which: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = _files(which)
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


def _check(run: Path, codes: str, capsys: pytest.CaptureFixture[str],
           monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, str]]:
    import json

    monkeypatch.chdir(run)
    main(["check", "--format", "json", "--select", codes, "."])
    return sorted((f["path"], f["line"], f["rule"])
                  for f in json.loads(capsys.readouterr().out)["findings"])


def test_queries_resolve_through_the_files_search_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = tmp_path / "sp"
    shutil.copytree(ROOT / "fixtures" / "catalog_search_path", run)
    with (run / "queries.sql").open("a", encoding="utf-8") as f:
        f.write("SET search_path TO archive;\n"
                "SELECT name FROM art_type;\n"  # line 10: app.art_type's column
                "SELECT id FROM artist;\n")  # line 11: app.artist is not on this path
    # d_functions.sql: each function's body runs on its own SET search_path (no finding).
    assert _check(run, "SL002,SL003", capsys, monkeypatch) == [
        ("queries.sql", 10, "SL003"), ("queries.sql", 11, "SL002")]


def test_trigger_transition_tables_are_tables_of_its_function(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = tmp_path / "tr"
    shutil.copytree(ROOT / "fixtures" / "catalog_transition", run)
    (run / "other.sql").write_text(
        "CREATE FUNCTION not_a_trigger() RETURNS bigint LANGUAGE sql\n"
        "    AS $$ SELECT count(*) FROM newtab $$;\n", encoding="utf-8")
    # Inside log_balance, newtab and oldtab are the trigger's; elsewhere newtab is unknown.
    assert _check(run, "SL002,SL003", capsys, monkeypatch) == [("other.sql", 2, "SL002")]


def test_configured_search_path_starts_every_file(tmp_path: Path) -> None:
    # As PGOPTIONS='-c search_path=app,public' would: each file starts on that path.
    (tmp_path / "sqllint.toml").write_text('search-path = ["app", "public"]\n')
    (tmp_path / "a.sql").write_text("CREATE SCHEMA app;\nCREATE TABLE users (id int);\n")
    (tmp_path / "b.sql").write_text("SET search_path = public;\nCREATE TABLE users (id int);\n")
    (tmp_path / "c.sql").write_text("CREATE TABLE orders (id int, user_id int REFERENCES users);\n")
    catalog = load_project([tmp_path], load_config(None, start=tmp_path)).catalog
    assert sorted(catalog.tables) == ["app.orders", "app.users", "public.users"]
    assert catalog.tables["app.orders"].foreign_keys[0].ref_table == "app.users"


def test_postgis_subtypes_print_as_postgis_prints_them(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text(
        "CREATE TABLE zones (a geometry(POLYGON, 4326), b public.geography(pointz),"
        " c geometry(MultiLineStringZM, 3857), d geometry)\n")
    table = _catalog([tmp_path / "schema.sql"]).tables["public.zones"]
    assert [c.type for c in table.columns] == [
        "geometry(Polygon,4326)", "geography(PointZ)", "geometry(MultiLineStringZM,3857)",
        "geometry"]
