"""scripts/compare_catalog.py: sqllint's catalog of a folder against PostgreSQL's."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.pg import PgServer

ROOT = Path(__file__).resolve().parent.parent


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "compare_catalog", ROOT / "scripts" / "compare_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["compare_catalog"] = module
    spec.loader.exec_module(module)
    return module


def _table(out: str) -> dict[str, tuple[int, int]]:
    rows = {}
    for line in out.splitlines():
        parts = line.rsplit(None, 5)
        if len(parts) == 6 and parts[0] in ("tables", "columns", "indexes", "foreign keys"):
            rows[parts[0]] = (int(parts[1]), int(parts[2]))
    return rows


def test_a_fixture_matches_postgres_exactly(
    pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # pg_server: PostgreSQL is there (or the test is skipped / fails under REQUIRE_PG).
    run = tmp_path / "sp"
    shutil.copytree(ROOT / "fixtures" / "catalog_search_path", run)
    monkeypatch.chdir(tmp_path)
    assert _script().main([str(run)]) == 0
    out = capsys.readouterr().out
    assert "rejected by PostgreSQL: 0" in out
    # 7 tables in three schemas; app.art_type and archive.art_type are two tables.
    assert _table(out) == {"tables": (7, 7), "columns": (18, 18), "indexes": (12, 12),
                           "foreign keys": (4, 4)}


def test_a_table_sqllint_cannot_see_is_listed_as_missing(
    pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = tmp_path / "dyn"
    run.mkdir()
    (run / "schema.sql").write_text(
        "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);\n"
        "DO $$ BEGIN EXECUTE 'CREATE TABLE ' || 'made_at_run_time' || ' (id int)'; END $$;\n"
        "CREATE TABLE broken (id int REFERENCES nowhere);\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert _script().main([str(run)]) == 1
    out = capsys.readouterr().out
    assert "rejected by PostgreSQL: 1" in out
    assert 'dyn/schema.sql:3: relation "nowhere" does not exist' in out
    assert "  - ('public.made_at_run_time', 'table')" in out
    assert "  + ('public.broken', 'table')" in out
    assert _table(out)["tables"] == (1, 2)
