"""The lock each migration rule claims, read from a real PostgreSQL.

For SL311–SL318 and the noise SL308/SL309 no longer report: sqllint flags (or leaves
alone) the statement; PostgreSQL shows the lock (the statement runs in an open
transaction and a second session reads ``pg_locks``, or a ``lock_timeout`` probe shows
it waits), the scan or the rewrite; the recipe the finding gives runs.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.test_migration_rules_pg import fails_with, lint, quoted_error, run_all

if TYPE_CHECKING:
    import psycopg

    from tests.pg import PgServer


def held_locks(server: PgServer, conn: psycopg.Connection) -> set[tuple[str, str]]:
    """(relation, mode) of the relation locks ``conn``'s open transaction holds, as a
    second session sees them."""
    with server.connect(conn.info.dbname) as other:
        rows = other.execute(
            "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE l.pid = %s AND l.granted AND c.relnamespace = 'public'::regnamespace",
            (conn.info.backend_pid,)).fetchall()
    return {(str(r[0]), str(r[1])) for r in rows}


def locks_of(server: PgServer, conn: psycopg.Connection, sql: str) -> set[tuple[str, str]]:
    """The locks ``sql`` holds at the end of its (then rolled back) transaction."""
    conn.execute("BEGIN")
    try:
        run_all(conn, sql)
        return held_locks(server, conn)
    finally:
        conn.execute("ROLLBACK")


def waits_behind_a_reader(server: PgServer, conn: psycopg.Connection, table: str,
                          sql: str) -> str:
    """Run ``sql`` (with a short lock_timeout) while another session reads ``table``:
    the error when it has to wait for the reader's ACCESS SHARE lock."""
    import psycopg

    with server.connect(conn.info.dbname) as reader:
        reader.execute("BEGIN")
        reader.execute(f"SELECT 1 FROM {table} LIMIT 1")
        conn.execute("SET lock_timeout = '300ms'")
        try:
            conn.execute(sql)
        except psycopg.errors.LockNotAvailable as exc:
            return str(exc)
        finally:
            conn.execute("RESET lock_timeout")
            reader.execute("ROLLBACK")
    return ""


VMS = ("CREATE TABLE vms (id bigint NOT NULL, name text, state text, during tstzrange);\n"
       "INSERT INTO vms SELECT g, 'vm' || g, 'running', NULL FROM generate_series(1, 50) g;\n"
       "CREATE INDEX vms_state_idx ON vms (state);\n")


# -- SL311 -------------------------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "ALTER TABLE vms ADD PRIMARY KEY (id)",
    "ALTER TABLE vms ADD CONSTRAINT vms_name_key UNIQUE (name)",
    "ALTER TABLE vms ADD CONSTRAINT vms_during_excl EXCLUDE USING gist (during WITH &&)",
])
def test_sl311_constraint_builds_its_index_under_access_exclusive(
        pg_server: PgServer, pg_db: psycopg.Connection, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        statement: str) -> None:
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": VMS,
        "migrations/000002_key.up.sql": statement + ";\n"}, "SL311")
    assert len(found) == 1 and "ACCESS EXCLUSIVE" in found[0]["message"], found
    run_all(pg_db, VMS)
    assert ("vms", "AccessExclusiveLock") in locks_of(pg_server, pg_db, statement)
    if "EXCLUDE" in statement:
        fails_with(pg_db, statement + " NOT VALID", "cannot be marked NOT VALID")
        return
    fails_with(pg_db, statement + " NOT VALID", "constraints cannot be marked NOT VALID")
    # The recipe: the index is built CONCURRENTLY (no transaction: one query each), then
    # attached; the constraint exists and sqllint is happy with the recipe.
    run_all(pg_db, found[0]["suggestion"])
    assert pg_db.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = 'vms'::regclass"
                         " AND contype IN ('p', 'u')").fetchone() == (1,)
    again = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000002_key.up.sql": found[0]["suggestion"].split("\n")[0] + "\n",
        "migrations/000003_key.up.sql": found[0]["suggestion"].split("\n")[1] + "\n"}, "SL311")
    assert again == []


# -- SL312 -------------------------------------------------------------------------------

def test_sl312_reindex_blocks_writes_and_reads_of_the_index(
        pg_server: PgServer, pg_db: psycopg.Connection, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    statement = "REINDEX INDEX vms_state_idx"
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": VMS,
        "migrations/000002_reindex.up.sql": statement + ";\n"}, "SL312")
    assert len(found) == 1
    run_all(pg_db, VMS)
    locks = locks_of(pg_server, pg_db, statement)
    assert {("vms", "ShareLock"), ("vms_state_idx", "AccessExclusiveLock")} <= locks
    pg_db.execute(found[0]["suggestion"])  # REINDEX INDEX CONCURRENTLY …, outside a transaction


# -- SL313 -------------------------------------------------------------------------------

def test_sl313_detach_partition_locks_the_parent(
        pg_server: PgServer, pg_db: psycopg.Connection, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    init = ("CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);\n"
            "CREATE TABLE events_2023 PARTITION OF events "
            "FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');\n")
    statement = "ALTER TABLE events DETACH PARTITION events_2023"
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": init,
        "migrations/000002_detach.up.sql": statement + ";\n"}, "SL313")
    assert len(found) == 1
    run_all(pg_db, init)
    locks = locks_of(pg_server, pg_db, statement)
    assert {("events", "AccessExclusiveLock"), ("events_2023", "AccessExclusiveLock")} <= locks
    pg_db.execute("BEGIN")
    fails_with(pg_db, found[0]["suggestion"], "cannot run inside a transaction block")
    pg_db.execute(found[0]["suggestion"])  # alone, outside a transaction
    assert pg_db.execute("SELECT count(*) FROM pg_inherits").fetchone() == (0,)


# -- SL314 -------------------------------------------------------------------------------

@pytest.mark.parametrize("statement", ["VACUUM FULL vms", "CLUSTER vms USING vms_state_idx"])
def test_sl314_vacuum_full_and_cluster_wait_for_readers(
        pg_server: PgServer, pg_db: psycopg.Connection, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        statement: str) -> None:
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": VMS,
        "migrations/000002_vacuum.up.sql": statement + ";\n"}, "SL314")
    assert len(found) == 1 and "ACCESS EXCLUSIVE" in found[0]["message"]
    run_all(pg_db, VMS)
    # Only ACCESS EXCLUSIVE conflicts with a plain reader's ACCESS SHARE.
    assert "lock timeout" in waits_behind_a_reader(pg_server, pg_db, "vms", statement)
    before = pg_db.execute("SELECT pg_relation_filenode('vms')").fetchone()
    pg_db.execute(statement)
    assert pg_db.execute("SELECT pg_relation_filenode('vms')").fetchone() != before  # rewrite
    assert waits_behind_a_reader(pg_server, pg_db, "vms", "VACUUM vms") == ""  # the recipe


# -- SL315 -------------------------------------------------------------------------------

def test_sl315_begin_inside_the_tools_transaction(
        pg_db: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    init = "CREATE TABLE vms (id bigint PRIMARY KEY, state text);\n"
    body = ("BEGIN;\nUPDATE vms SET state = 'stopped' WHERE state IS NULL;\nCOMMIT;\n"
            "ALTER TABLE vms ADD COLUMN note text NOT NULL;\n")
    found = lint(tmp_path, monkeypatch, capsys, {
        "db/V1__init.sql": init, "db/V2__backfill.sql": body}, "SL315")
    assert [f["line"] for f in found] == [1]
    assert quoted_error(found[0]["message"]) == "there is already a transaction in progress"
    run_all(pg_db, init + "INSERT INTO vms VALUES (1, NULL);\n")
    notices: list[str] = []
    pg_db.add_notice_handler(lambda d: notices.append(str(d.message_primary)))
    pg_db.execute("BEGIN")  # what Flyway does
    import psycopg

    with pytest.raises(psycopg.Error):
        run_all(pg_db, body)
    pg_db.execute("ROLLBACK")
    # The nested BEGIN was ignored, its COMMIT committed Flyway's transaction: the
    # backfill stays although the migration failed.
    assert "there is already a transaction in progress" in notices
    assert pg_db.execute("SELECT state FROM vms").fetchone() == ("stopped",)


# -- SL316 -------------------------------------------------------------------------------

def test_sl316_validate_in_the_same_transaction_keeps_the_strong_lock(
        pg_server: PgServer, pg_db: psycopg.Connection, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    init = ("CREATE TABLE volumes (id bigint PRIMARY KEY);\n"
            "CREATE TABLE snapshots (id bigint PRIMARY KEY, volume_id bigint, size bigint);\n")
    add = ("ALTER TABLE snapshots ADD CONSTRAINT snapshots_volume_fk "
           "FOREIGN KEY (volume_id) REFERENCES volumes (id) NOT VALID;\n")
    validate = "ALTER TABLE snapshots VALIDATE CONSTRAINT snapshots_volume_fk;\n"
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": init,
        "migrations/000002_fk.up.sql": add + validate}, "SL316")
    assert [f["line"] for f in found] == [2]
    run_all(pg_db, init)
    together = locks_of(pg_server, pg_db, add + validate)
    assert {("snapshots", "ShareRowExclusiveLock"),
            ("volumes", "ShareRowExclusiveLock")} <= together
    # The recipe: VALIDATE in a transaction of its own takes SHARE UPDATE EXCLUSIVE only.
    pg_db.execute(add)
    alone = locks_of(pg_server, pg_db, validate)
    assert ("snapshots", "ShareUpdateExclusiveLock") in alone
    assert not {m for t, m in alone if m in ("ShareRowExclusiveLock", "AccessExclusiveLock")}


# -- SL317 -------------------------------------------------------------------------------

def test_sl317_without_lock_timeout_readers_queue_behind_the_alter(
        pg_server: PgServer, pg_db: psycopg.Connection, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import psycopg

    init = "CREATE TABLE vms (id bigint PRIMARY KEY, state text);\n"
    alter = "ALTER TABLE vms ADD COLUMN note text"
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": init,
        "migrations/000002_note.up.sql": alter + ";\n"}, "SL317")
    assert len(found) == 1
    assert lint(tmp_path, monkeypatch, capsys, {
        "migrations/000002_note.up.sql": found[0]["suggestion"] + "\n" + alter + ";\n"},
        "SL317") == []
    run_all(pg_db, init)
    dbname = pg_db.info.dbname
    with pg_server.connect(dbname) as long_query, pg_server.connect(dbname) as reader:
        long_query.execute("BEGIN")
        long_query.execute("SELECT count(*) FROM vms")  # holds ACCESS SHARE
        migration = threading.Thread(target=lambda: _run_quietly(pg_server, dbname, alter))
        migration.start()
        try:
            _wait_until_waiting(pg_db, "ALTER TABLE")
            # A plain reader now queues behind the waiting ALTER TABLE.
            reader.execute("SET lock_timeout = '300ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                reader.execute("SELECT count(*) FROM vms")
        finally:
            long_query.execute("ROLLBACK")
            migration.join(10)
        # The recipe: with lock_timeout the ALTER gives up instead, and readers go on.
        long_query.execute("BEGIN")
        long_query.execute("SELECT count(*) FROM vms")
        pg_db.execute(found[0]["suggestion"])
        fails_with(pg_db, "ALTER TABLE vms ADD COLUMN other text", "lock timeout")
        reader.execute("SELECT count(*) FROM vms")
        long_query.execute("ROLLBACK")


def _run_quietly(server: PgServer, dbname: str, sql: str) -> None:
    with server.connect(dbname) as conn:
        conn.execute(sql)


def _wait_until_waiting(conn: psycopg.Connection, prefix: str) -> None:
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if conn.execute("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE %s", (prefix + "%",)).fetchone():
            return
        time.sleep(0.02)
    raise AssertionError(f"{prefix} never waited for its lock")


# -- SL318 -------------------------------------------------------------------------------

def test_sl318_the_listed_queries_fail_after_the_migration(
        pg_db: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    init = "CREATE TABLE vms (id bigint PRIMARY KEY, state text, name text);\n"
    drop = "ALTER TABLE vms DROP COLUMN state;\n"
    queries = ("SELECT v.id FROM vms v WHERE v.state = 'running';\n"
               "SELECT id, name FROM vms;\n")
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": init, "migrations/000002_drop.up.sql": drop,
        "queries.sql": queries}, "SL318")
    assert len(found) == 1 and "(queries.sql:1:30)" in found[0]["message"]
    run_all(pg_db, init)
    run_all(pg_db, queries)  # the old code works on the old schema
    run_all(pg_db, drop)
    assert quoted_error(found[0]["message"]) == 'column "state" does not exist'
    fails_with(pg_db, queries.splitlines()[0], "state does not exist")
    pg_db.execute(queries.splitlines()[1])  # not listed: still works


# -- Noise SL308 / SL309 no longer report ------------------------------------------------

def test_sl308_set_not_null_after_a_validated_check_does_not_scan(
        pg_db: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    init = "CREATE TABLE vms (id bigint PRIMARY KEY, name text);\n"
    check = ("ALTER TABLE vms ADD CONSTRAINT vms_name_nn CHECK (name IS NOT NULL) NOT VALID;\n"
             "ALTER TABLE vms VALIDATE CONSTRAINT vms_name_nn;\n")
    set_nn = "ALTER TABLE vms ALTER COLUMN name SET NOT NULL;\n"
    files = {"migrations/000001_init.up.sql": init, "migrations/000003_nn.up.sql": set_nn}
    assert len(lint(tmp_path, monkeypatch, capsys, files, "SL308")) == 1
    files["migrations/000002_check.up.sql"] = check
    assert lint(tmp_path, monkeypatch, capsys, files, "SL308") == []
    run_all(pg_db, init + "INSERT INTO vms SELECT g, 'n' FROM generate_series(1, 10) g;\n")
    run_all(pg_db, check)
    notices: list[str] = []
    pg_db.add_notice_handler(lambda d: notices.append(str(d.message_primary)))
    pg_db.execute("SET client_min_messages = debug1")
    pg_db.execute(set_nn)
    assert any("are sufficient to prove that it does not contain nulls" in n for n in notices)
    assert not any(n.startswith("verifying table") for n in notices)


@pytest.mark.parametrize(("zone", "rewrites"), [("UTC", False), ("Europe/Paris", True)])
def test_sl309_timestamptz_under_utc_keeps_the_rows(
        pg_db: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], zone: str, rewrites: bool) -> None:
    init = "CREATE TABLE events (id bigint PRIMARY KEY, at timestamp);\n"
    change = f"SET timezone = '{zone}';\nALTER TABLE events ALTER COLUMN at TYPE timestamptz;\n"
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": init, "migrations/000002_tz.up.sql": change}, "SL309")
    assert bool(found) == rewrites
    run_all(pg_db, init + "INSERT INTO events VALUES (1, now());\n")
    before = pg_db.execute("SELECT pg_relation_filenode('events')").fetchone()
    run_all(pg_db, change)
    after = pg_db.execute("SELECT pg_relation_filenode('events')").fetchone()
    assert (before != after) == rewrites


@pytest.mark.parametrize(("column", "validates"), [
    ("node_id bigint REFERENCES nodes (id)", False),
    ("node_id bigint DEFAULT 1 REFERENCES nodes (id)", True),
])
def test_sl307_new_column_references_validates_only_with_a_default(
        pg_db: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], column: str, validates: bool) -> None:
    init = ("CREATE TABLE nodes (id bigint PRIMARY KEY);\n"
            "CREATE TABLE vms (id bigint PRIMARY KEY);\n")
    add = f"ALTER TABLE vms ADD COLUMN {column};\n"
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": init, "migrations/000002_node.up.sql": add}, "SL307")
    assert bool(found) == validates
    run_all(pg_db, init + "INSERT INTO nodes VALUES (1);\n"
            "INSERT INTO vms SELECT generate_series(1, 20);\n")
    notices: list[str] = []
    pg_db.add_notice_handler(lambda d: notices.append(str(d.message_primary)))
    pg_db.execute("SET client_min_messages = debug1")
    pg_db.execute("BEGIN")
    pg_db.execute(add)
    read = pg_db.execute("SELECT pg_stat_get_xact_tuples_returned('vms'::regclass)").fetchone()
    pg_db.execute("COMMIT")
    assert any(n.startswith("validating foreign key constraint") for n in notices) == validates
    assert (read != (0,)) == validates  # the validation reads every row


def test_sl309_timestamptz_under_utc_still_rebuilds_an_index_on_the_column(
        pg_db: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    init = ("CREATE TABLE events (id bigint PRIMARY KEY, at timestamp);\n"
            "CREATE INDEX events_at ON events (at);\n")
    change = "SET timezone = 'UTC';\nALTER TABLE events ALTER COLUMN at TYPE timestamptz;\n"
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": init, "migrations/000002_tz.up.sql": change}, "SL309")
    assert len(found) == 1 and "keeps the rows under UTC but rebuilds events_at" in \
        found[0]["message"]
    run_all(pg_db, init + "INSERT INTO events VALUES (1, now());\n")
    files = "SELECT pg_relation_filenode('events'), pg_relation_filenode('events_at')"
    table_before, index_before = pg_db.execute(files).fetchone() or (None, None)
    run_all(pg_db, change)
    table_after, index_after = pg_db.execute(files).fetchone() or (None, None)
    assert table_after == table_before and index_after != index_before


def test_sl309_enum_swap_rewrites_the_table(
        pg_db: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    init = ("CREATE TYPE vis AS ENUM ('public', 'local');\n"
            "CREATE TABLE community (id int PRIMARY KEY, visibility vis);\n")
    swap = ("ALTER TYPE vis RENAME TO vis__;\n"
            "CREATE TYPE vis AS ENUM ('public', 'local', 'private');\n"
            "ALTER TABLE community ALTER COLUMN visibility TYPE vis USING visibility::text::vis;\n"
            "DROP TYPE vis__;\n")
    found = lint(tmp_path, monkeypatch, capsys, {
        "migrations/000001_init.up.sql": init, "migrations/000002_swap.up.sql": swap}, "SL309")
    assert [f["line"] for f in found] == [3]
    run_all(pg_db, init + "INSERT INTO community VALUES (1, 'public');\n")
    before = pg_db.execute("SELECT pg_relation_filenode('community')").fetchone()
    run_all(pg_db, swap)
    assert pg_db.execute("SELECT pg_relation_filenode('community')").fetchone() != before
