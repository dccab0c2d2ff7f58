"""Migration safety (SL301–SL310) end to end, and the pieces under it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sqllint.cli import main
from sqllint.config import Config
from sqllint.migrations.transactions import layout
from sqllint.migrations.volatility import extension_data, function_volatility
from sqllint.sources import sqlfile
from sqllint.sources.bodies import body_statements

ROOT = Path(__file__).resolve().parent.parent
NOVACRON = ROOT / "fixtures" / "novacron"


def check_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code = main(["check", "--format", "json", *args])
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    assert "internal error" not in out.err, out.err
    report: dict[str, object] = json.loads(out.out)
    return report


def test_novacron_migration_findings(monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(NOVACRON)
    report = check_json(["--select", "SL3", "."], capsys)
    found = sorted((f["path"], f["line"], f["rule"])  # type: ignore[index]
                   for f in report["findings"])  # type: ignore[attr-defined]
    m = "migrations/"
    assert found == [
        # refresh_dashboard_views(): three plain refreshes inside one function
        (m + "000008_dashboard_views.up.sql", 54, "SL304"),
        (m + "000008_dashboard_views.up.sql", 55, "SL304"),
        (m + "000008_dashboard_views.up.sql", 56, "SL304"),
        (m + "000009_migrations_status_index.up.sql", 3, "SL301"),
        (m + "000010_vms_placement_group.up.sql", 3, "SL308"),
        (m + "000011_widen_network_counters.up.sql", 3, "SL309"),
        (m + "000011_widen_network_counters.up.sql", 4, "SL309"),
        (m + "000012_snapshots_volume_fk.up.sql", 4, "SL307"),
        (m + "000013_drop_alerts_severity_index.up.sql", 3, "SL302"),
    ]


def test_sl301_same_file_silent_later_file_fires(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "000001_vms.up.sql").write_text(
        "CREATE TABLE vms (id bigint PRIMARY KEY, state text, node bigint);\n"
        "CREATE INDEX vms_state ON vms (state);\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert check_json(["--select", "SL301", "."], capsys)["findings"] == []
    (migrations / "000002_vms_node.up.sql").write_text(
        "CREATE INDEX vms_node ON vms (node);\n", encoding="utf-8")
    findings = check_json(["--select", "SL301", "."], capsys)["findings"]
    assert [(f["path"], f["line"], f["suggestion"]) for f in findings] == [  # type: ignore
        ("migrations/000002_vms_node.up.sql", 1,
         "CREATE INDEX CONCURRENTLY IF NOT EXISTS vms_node ON vms (node);")]


def test_only_the_changed_file_is_reported_but_the_history_counts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # A pre-commit run names one file; the earlier migrations still tell the table exists.
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "000001_vms.up.sql").write_text(
        "CREATE TABLE vms (id bigint PRIMARY KEY, state text);\n", encoding="utf-8")
    (migrations / "000002_idx.up.sql").write_text(
        "CREATE INDEX vms_state ON vms (state);\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    findings = check_json(["--select", "SL301", "migrations/000002_idx.up.sql"], capsys)
    assert [f["path"] for f in findings["findings"]] == [  # type: ignore[attr-defined]
        "migrations/000002_idx.up.sql"]


def test_explain_prints_the_recipe(capsys: pytest.CaptureFixture[str]) -> None:
    for code in ("SL301", "SL302", "SL303", "SL304", "SL305", "SL306", "SL307", "SL308",
                 "SL309", "SL310"):
        assert main(["explain", code]) == 0
        out = capsys.readouterr().out
        assert "## What it does" in out and "Use instead:" in out, code


def test_body_statements_are_positioned_in_the_file() -> None:
    text = ("CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
            "DECLARE n int;\n"
            "BEGIN\n"
            "    IF TG_OP = 'INSERT' THEN\n"
            "        REFRESH MATERIALIZED VIEW mv;\n"
            "        EXECUTE 'DROP INDEX idx_old';\n"
            "    END IF;\n"
            "    RETURN NEW;\n"
            "END $fn$;\n"
            "DO $$ BEGIN CREATE INDEX i ON t (a); END $$;\n"
            "CREATE FUNCTION g() RETURNS void LANGUAGE sql AS 'REFRESH MATERIALIZED VIEW mv2';\n")
    found = []
    for stmt in sqlfile.statements("x.sql", text):
        for body in body_statements(stmt):
            loc = body.stmt.location()
            found.append((body.container, loc.line, loc.column, body.stmt.node_type))
    assert found == [
        ("function", 5, 9, "RefreshMatViewStmt"),
        ("function", 6, 18, "DropStmt"),
        ("do", 10, 13, "IndexStmt"),
        ("function", 11, 51, "RefreshMatViewStmt"),
    ]


@pytest.mark.parametrize(("path", "runner", "mode"), [
    ("db/migration/V2__add_index.sql", "flyway", "flyway"),
    ("migrations/000002_add_index.up.sql", "golang-migrate", "one-query"),
    ("alembic/versions/1a2b_add_index.py", "alembic", "wrapped"),
    ("app/migrations/0002_add_index.py", "django", "wrapped"),
    ("migrations/002_add_index.sql", "plain", "autocommit"),
])
def test_layout_defaults(path: str, runner: str, mode: str) -> None:
    lay = layout(path, Config(root=Path.cwd()))
    assert (lay.runner, lay.mode) == (runner, mode)


def test_layout_overrides() -> None:
    config = Config(root=Path.cwd(), transactional_migrations=(("migrations/**", True),))
    assert layout("migrations/002_x.sql", config).mode == "wrapped"
    assert layout("app/migrations/0002_x.py", Config(), "class Migration:\n    atomic = False\n"
                  ).mode == "autocommit"
    assert layout("db/V3__x.sql", Config(), "-- flyway:executeInTransaction=false\n"
                  ).mode == "autocommit"


def test_volatility_by_argument_type() -> None:
    assert function_volatility("now", []) == "s"
    assert function_volatility("date_trunc", ["unknown", "timestamptz"]) == "s"
    assert function_volatility("date_trunc", ["unknown", "timestamp"]) == "i"
    assert function_volatility("date_trunc", ["unknown", None]) is None  # cannot tell
    assert function_volatility("lower", ["varchar"]) == "i"
    assert function_volatility("random", []) == "v"
    data = extension_data()
    assert data["opclasses"]["gin_trgm_ops"] == "pg_trgm"
    assert data["opclasses"]["gist_int4_ops"] == "btree_gist"
    assert data["functions"]["uuid_generate_v4"] == "uuid-ossp"
    assert "lower" not in data["functions"]  # citext overloads a core name


def test_data_generator_is_kept() -> None:
    script = ROOT / "scripts" / "gen_pg_data.py"
    assert script.is_file()
    assert "provolatile" in script.read_text(encoding="utf-8")


def test_pg_regress_corpus_does_not_crash(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    corpus = Path("/work/shared/corpus/pg_regress")
    if not corpus.is_dir():
        pytest.skip("pg_regress corpus not available")
    report = check_json(["--select", "SL3", str(corpus)], capsys)
    rules = {f["rule"] for f in report["findings"]}  # type: ignore[attr-defined]
    # Every finding there is a statement the regression suite expects to fail, and the
    # one BEGIN it leaves open on purpose ("cleanup of an aborted transaction at exit").
    assert rules <= {"SL303", "SL304", "SL305", "SL306", "SL315"}
    nesting = [(Path(f["path"]).name, f["line"]) for f in report["findings"]  # type: ignore[attr-defined]
               if f["rule"] == "SL315"]
    assert nesting == [("transactions.sql", 631)]
