"""The "fails at run time" migration rules, proven on a real PostgreSQL.

For SL303, SL305, SL306 and SL310 (and SL308's NOT NULL case): sqllint flags the
statement; the server rejects that very statement with the error the finding quotes;
the recipe the finding gives (its suggestion, or the statement its message names) runs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pglast.parser import split

from sqllint.cli import main
from sqllint.migrations.volatility import function_volatility

if TYPE_CHECKING:
    import psycopg


def lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         files: dict[str, str], rule: str) -> list[dict[str, Any]]:
    for rel, text in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--format", "json", "--select", rule, "."]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    return [f for f in report["findings"] if f["rule"] == rule]


def quoted_error(message: str) -> str:
    """The PostgreSQL error text a finding's message quotes ("…")."""
    m = re.search(r'"(.+?)"(?:;|:| \(|$)', message)
    assert m, message
    return m.group(1)


def fails_with(conn: psycopg.Connection, sql: str, expected: str) -> None:
    import psycopg

    with pytest.raises(psycopg.Error) as err:
        conn.execute(sql)
    assert expected in str(err.value), (expected, str(err.value))
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.execute("ROLLBACK")


def run_all(conn: psycopg.Connection, script: str) -> None:
    """Each statement of ``script`` as a query of its own (as psql sends them)."""
    for stmt in split(script):
        conn.execute(stmt)


# -- SL303 -------------------------------------------------------------------------------

def test_sl303_explicit_transaction(pg_db: psycopg.Connection, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    init = "CREATE TABLE vms (id bigint PRIMARY KEY, state text);\n"
    index = "CREATE INDEX CONCURRENTLY vms_state ON vms (state)"
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/001_init.sql": init,
        "migrations/002_state.sql": f"BEGIN;\n{index};\nCOMMIT;\n"}, "SL303")
    assert [(f["path"], f["line"]) for f in found] == [("migrations/002_state.sql", 2)]
    pg_db.execute(init)
    pg_db.execute("BEGIN")
    fails_with(pg_db, index, quoted_error(found[0]["message"]))
    pg_db.execute(index)  # the recipe: outside BEGIN … COMMIT
    assert pg_db.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'vms_state'"
                         ).fetchone() == (1,)


def test_sl303_golang_migrate_file_is_one_implicit_transaction(
        pg_db: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    init = "CREATE TABLE vms (id bigint PRIMARY KEY, state text, node bigint);\n"
    two = ("CREATE INDEX CONCURRENTLY vms_state ON vms (state);\n"
           "CREATE INDEX CONCURRENTLY vms_node ON vms (node);\n")
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": init, "migrations/000002_idx.up.sql": two}, "SL303")
    assert [f["line"] for f in found] == [1, 2]
    assert "one implicit transaction" in found[0]["message"]
    pg_db.execute(init)
    # golang-migrate's postgres driver sends the file as one simple query: so do we.
    fails_with(pg_db, two, quoted_error(found[0]["message"]))
    # The recipe: one statement per migration file, i.e. one statement per query.
    run_all(pg_db, two)
    assert pg_db.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'vms'"
                         ).fetchone() == (3,)


def test_sl303_vacuum_in_a_golang_migrate_file_with_other_statements(
        pg_db: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    init = "CREATE TABLE vms (id bigint PRIMARY KEY, state text);\n"
    step = "ALTER TABLE vms ADD COLUMN note text;\nVACUUM ANALYZE vms;\n"
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": init, "migrations/000002_vac.up.sql": step}, "SL303")
    assert [(f["path"], f["line"]) for f in found] == [("migrations/000002_vac.up.sql", 2)]
    pg_db.execute(init)
    fails_with(pg_db, step, quoted_error(found[0]["message"]))
    run_all(pg_db, step)  # the recipe: a statement per query (a file each)


def test_sl303_function_body(pg_db: psycopg.Connection, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    init = "CREATE TABLE vms (id bigint PRIMARY KEY, state text);\n"
    func = ("CREATE FUNCTION add_index() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n"
            "  CREATE INDEX CONCURRENTLY vms_state ON vms (state);\nEND $$;\n")
    found = lint(tmp_path, monkeypatch, capsys, {"migrations/001_init.sql": init + func},
                 "SL303")
    assert [(f["line"], f["column"]) for f in found] == [(4, 3)]
    run_all(pg_db, init + func)
    fails_with(pg_db, "SELECT add_index()", quoted_error(found[0]["message"]))
    fails_with(pg_db, "DO $$ BEGIN CREATE INDEX CONCURRENTLY vms_state ON vms (state); END $$",
               quoted_error(found[0]["message"]))
    pg_db.execute("CREATE INDEX CONCURRENTLY vms_state ON vms (state)")  # top level


# -- SL305 -------------------------------------------------------------------------------

def test_sl305_refresh_concurrently_without_unique_index(
        pg_db: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    schema = ("CREATE TABLE vms (id bigint PRIMARY KEY, org bigint);\n"
              "INSERT INTO vms VALUES (1, 10), (2, 10), (3, 20);\n"
              "CREATE MATERIALIZED VIEW mv_org_usage AS\n"
              "  SELECT org, count(*) AS n FROM vms GROUP BY org;\n"
              "CREATE INDEX idx_mv_org_usage_org ON mv_org_usage (org);\n")
    refresh = "REFRESH MATERIALIZED VIEW CONCURRENTLY mv_org_usage"
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": schema,
        "migrations/000002_refresh.up.sql": refresh + ";\n"}, "SL305")
    assert len(found) == 1 and found[0]["severity"] == "error"
    run_all(pg_db, schema)
    expected = quoted_error(found[0]["message"])
    assert expected == 'cannot refresh materialized view "public.mv_org_usage" concurrently'
    fails_with(pg_db, refresh, expected)
    run_all(pg_db, found[0]["suggestion"])  # CREATE UNIQUE INDEX …
    pg_db.execute(refresh)


# -- SL306 -------------------------------------------------------------------------------

SESSIONS = ("CREATE TABLE sessions (id bigint PRIMARY KEY, user_id bigint NOT NULL, "
            "expires_at timestamptz NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),"
            " local_at timestamp);\n")


@pytest.mark.parametrize(("statement", "recipe"), [
    # The novacron seed report's recommendation, verbatim.
    ("CREATE INDEX CONCURRENTLY idx_sessions_user_active ON sessions(user_id) "
     "WHERE expires_at > NOW()", None),
    ("CREATE INDEX sessions_day ON sessions (date_trunc('day', created_at))",
     "CREATE INDEX sessions_day ON sessions (date_trunc('day', created_at AT TIME ZONE 'UTC'))"),
    ("CREATE INDEX sessions_date ON sessions ((created_at::date))",
     "CREATE INDEX sessions_date ON sessions (((created_at AT TIME ZONE 'UTC')::date))"),
    ("CREATE INDEX sessions_today ON sessions (user_id) WHERE created_at > current_date", None),
    ("CREATE TABLE t306 (id bigint, r double precision GENERATED ALWAYS AS (random()) STORED)",
     "CREATE TABLE t306 (id bigint, r double precision DEFAULT random())"),
])
def test_sl306_non_immutable_expression(
        pg_db: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], statement: str, recipe: str | None) -> None:
    found = lint(tmp_path, monkeypatch, capsys, {
        "schema.sql": SESSIONS, "migrations/001_idx.sql": statement + ";\n"}, "SL306")
    assert len(found) == 1 and found[0]["severity"] == "error", found
    pg_db.execute(SESSIONS)
    fails_with(pg_db, statement, quoted_error(found[0]["message"]))
    if recipe is None:  # the message names the index to build instead
        m = re.search(r"(CREATE (?:UNIQUE )?INDEX.*)$", found[0]["message"])
        assert m, found[0]["message"]
        recipe = m.group(1)
    pg_db.execute(recipe)
    # and sqllint is happy with the recipe
    again = lint(tmp_path, monkeypatch, capsys, {"migrations/001_idx.sql": recipe + ";\n"},
                 "SL306")
    assert again == []


def test_volatility_data_matches_the_server(pg_db: psycopg.Connection) -> None:
    rows = pg_db.execute("""
        SELECT p.proname, array(SELECT t.typname FROM unnest(p.proargtypes::oid[])
                                 WITH ORDINALITY a(o, n) JOIN pg_type t ON t.oid = a.o
                                 ORDER BY a.n)::text[], p.provolatile
        FROM pg_proc p WHERE p.proname IN ('now', 'date_trunc', 'date', 'lower', 'random',
                                           'timezone', 'to_char', 'md5', 'clock_timestamp')
          AND p.prokind = 'f'""").fetchall()
    assert rows
    for name, args, vol in rows:
        assert function_volatility(name, args) == vol, (name, args)


# -- SL308 -------------------------------------------------------------------------------

def test_sl308_not_null_without_default(pg_db: psycopg.Connection, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    init = "CREATE TABLE vms (id bigint PRIMARY KEY);\n"
    add = "ALTER TABLE vms ADD COLUMN placement_group text NOT NULL"
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": init,
        "migrations/000002_pg.up.sql": add + ";\n"}, "SL308")
    assert len(found) == 1
    pg_db.execute(init)
    pg_db.execute("INSERT INTO vms VALUES (1)")
    fails_with(pg_db, add, 'column "placement_group" of relation "vms" contains null values')
    assert 'contains null values' in found[0]["message"]
    recipe = found[0]["suggestion"].replace(
        "-- backfill placement_group in batches, then:",
        "UPDATE vms SET placement_group = 'default';")
    run_all(pg_db, recipe)
    assert pg_db.execute("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'vms'::regclass"
                         " AND attname = 'placement_group'").fetchone() == (True,)


# -- SL310 -------------------------------------------------------------------------------

@pytest.mark.parametrize(("statement", "extension"), [
    ("CREATE INDEX users_name_trgm ON users USING gin (name gin_trgm_ops)", "pg_trgm"),
    ("CREATE TABLE tokens (id uuid PRIMARY KEY DEFAULT uuid_generate_v4())", "uuid-ossp"),
    ("CREATE INDEX users_room_during ON users USING gist (room_id, during)", "btree_gist"),
    ("CREATE TABLE emails (id bigint PRIMARY KEY, email citext)", "citext"),
    ("CREATE INDEX users_name_gin ON users USING gin (name)", "btree_gin"),
])
def test_sl310_extension_used_before_create_extension(
        pg_db: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], statement: str, extension: str) -> None:
    users = ("CREATE TABLE users (id bigint PRIMARY KEY, name text, room_id int, "
             "during tstzrange);\n")
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_users.up.sql": users + statement + ";\n",
        "migrations/000002_ext.up.sql": f'CREATE EXTENSION IF NOT EXISTS "{extension}";\n'},
        "SL310")
    assert len(found) == 1, found
    assert f"extension {extension}, which is created only later" in found[0]["message"]
    pg_db.execute(users)
    fails_with(pg_db, statement, quoted_error(found[0]["message"]).replace('\\"', '"'))
    pg_db.execute(found[0]["suggestion"])  # CREATE EXTENSION IF NOT EXISTS …
    pg_db.execute(statement)
