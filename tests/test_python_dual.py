"""A Python application on PostgreSQL and SQLite (fixtures/pydual): SQL built by clause,
every placeholder form, dialect branches and other-dialect SQL, template placeholders,
function-scoped temporary tables. Findings are exact, and PostgreSQL agrees with them."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sqllint.cli import main

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "pydual"
RULES = {"SL001", "SL002", "SL003", "SL004", "SL006", "SL007", "SL106", "SL110"}

# (path, rule, line, column): every finding of the rules this fixture is about.
EXPECTED = [
    # sql.SQL("SELECT {col} …").format(col=sql.Identifier("sendr")): at the field
    ("app/admin.py", "SL003", 21, 25),
    # "${schema}.rooms WHERE creatorr": the column after a substituted placeholder
    ("app/admin.py", "SL003", 37, 60),
    # sql % (where_clause,): the known text is checked
    ("app/store.py", "SL003", 20, 33),
    # sql += " AND proccessed = FALSE" in the else branch: its own statement
    ("app/store.py", "SL003", 36, 26),
    # f"… WHERE {column} {comparison}": no stand-in makes it a statement
    ("app/store.py", "SL006", 54, 23),
    # MATCH in the else branch of isinstance(…, PostgresEngine)
    ("app/store.py", "SL007", 83, 66),
    # INSERT OR REPLACE in an isinstance(…, Sqlite3Engine) branch
    ("app/store.py", "SL007", 88, 33),
    # outside any branch, with dialects = ["postgresql", "sqlite"]
    ("app/store.py", "SL007", 106, 29),  # INSERT OR IGNORE
    ("app/store.py", "SL007", 107, 22),  # PRAGMA
    ("app/store.py", "SL007", 108, 38),  # backticks
    # plain mistakes stay errors (sqlglot reads "SELECT sender, FROM" in every dialect)
    ("app/store.py", "SL001", 113, 37),
    ("app/store.py", "SL002", 114, 41),
    ("app/store.py", "SL003", 115, 54),
    # another engine's statement names a table no schema has (SQLite's included)
    ("app/store.py", "SL002", 121, 38),
    # a Flyway placeholder in a query file
    ("db/reports.sql", "SL003", 2, 43),
    # the SQLite version of the schema is SQLite's
    ("db/schema.sql.sqlite", "SL007", 2, 8),
    ("db/schema.sql.sqlite", "SL007", 3, 68),
]


def _run(capsys: pytest.CaptureFixture[str], command: str) -> Any:
    # The SQLite schema is read for the schema only unless named (as a user would, to
    # see what sqllint makes of it).
    main([command, "--format", "json", ".", "db/schema.sql.sqlite"])
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def in_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURE)
    monkeypatch.setenv("SQLLINT_CACHE_DIR", str(FIXTURE / ".." / ".." / ".pytest_cache" / "pyd"))


def _findings(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    found = _run(capsys, "check")["findings"]
    return [f for f in found if f["rule"] in RULES]


def test_every_pattern_gives_its_finding_at_its_place(
    in_fixture: None, capsys: pytest.CaptureFixture[str]
) -> None:
    found = [(f["path"], f["rule"], f["line"], f["column"]) for f in _findings(capsys)]
    assert found == EXPECTED


def test_no_false_positive_of_old(in_fixture: None, capsys: pytest.CaptureFixture[str]) -> None:
    found = _findings(capsys)
    # a row comparison (keyset paging), a fragment only run with a WHERE appended,
    # a temp table dropped in an early-return branch, tables a later migration creates
    assert not [f for f in found if f["rule"] in ("SL106", "SL110", "SL002")
                and f["path"] == "app/store.py" and f["line"] not in (114, 121)]
    messages = {f["rule"]: f["message"] for f in found if f["line"] in (54, 106)}
    assert messages["SL006"].startswith("dynamic SQL: not checked: the text interpolated "
                                        "from {comparison}")
    assert messages["SL007"] == "SQLite SQL (INSERT OR …): not checked against PostgreSQL"


def test_statements_lists_every_unchecked_string_with_its_reason(
    in_fixture: None, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _run(capsys, "statements")["statements"]
    unchecked = {(r["path"], r["line"]): (r["dialect"], r["unchecked"])
                 for r in rows if r["unchecked"]}
    assert unchecked[("app/store.py", 54)][1].startswith(
        "the text interpolated from {comparison} decides whether it parses")
    assert unchecked[("db/schema.sql.sqlite", 2)] == ("sqlite", "a SQLite file")
    # Another engine's SQL that sqlglot reads in that dialect is checked there: its
    # syntax and the tables it names (a branch's dialect is the configured other one).
    as_sqlite = {(r["path"], r["line"]) for r in rows if r["dialect"] == "sqlite"
                 and r["checked_as"] == "SQLite (syntax and table names)"
                 and not r["unchecked"]}
    assert {("app/store.py", n) for n in (83, 88, 89, 96, 102, 106, 107, 108, 121, 122)
            } <= as_sqlite
    # The PostgreSQL branches are checked as ever.
    checked = {(r["path"], r["line"]) for r in rows
               if not r["unchecked"] and r["dialect"] == "postgresql"}
    assert {("app/store.py", 81), ("app/store.py", 91), ("app/store.py", 98),
            ("app/store.py", 101)} <= checked


def test_stand_ins_and_placeholder_forms(
    in_fixture: None, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _run(capsys, "statements")["statements"]
    sql = {(r["path"], r["line"]): r["sql"] for r in rows}
    store, admin = "app/store.py", "app/admin.py"
    assert sql[(store, 16)] == "SELECT sender FROM events WHERE room_id = $1"  # + clause
    assert sql[(store, 24)] == "SELECT event_id FROM events WHERE $1 LIMIT 10"
    assert sql[(store, 41)].endswith("USING (room_id) WHERE $1")  # " AND ".join(clauses)
    assert sql[(store, 48)] == "SELECT creator FROM rooms WHERE room_id IN ($1)"
    assert sql[(store, 51)] == "SELECT event_id FROM events WHERE room_id = $1"  # + order
    assert sql[(store, 6)] == "UPDATE events SET processed = TRUE WHERE event_id = ANY($1)"
    assert sql[(admin, 16)] == 'SELECT "sender" FROM "events" WHERE room_id = $1 LIMIT 5'
    assert sql[(admin, 28)] == ("INSERT INTO receipts (room_id, user_id, event_id) "
                                "VALUES ($1, $2, $3)")  # execute_values
    assert sql[(admin, 32)] == "SET statement_timeout TO 1"  # the client fills it in
    assert sql[(admin, 33)] == "ALTER SEQUENCE event_ids RESTART WITH 1"
    both = sorted(r["sql"] for r in rows if (r["path"], r["line"]) == (store, 30))
    assert both == ["SELECT event_id FROM events WHERE room_id = $1 AND proccessed = FALSE",
                    "SELECT event_id FROM events WHERE room_id = $1 AND type = $2"]


_ERRORS = {"SL001": "SyntaxError", "SL002": "UndefinedTable", "SL003": "UndefinedColumn"}


def _schema_sql() -> str:
    text = (FIXTURE / "db" / "schema.sql").read_text()
    text += (FIXTURE / "db" / "migrations" / "V2__receipts.sql").read_text()
    # What Flyway and the project's own templating put there (sqllint.toml).
    return text.replace("${schema}", "public").replace(
        "$%AUTO_INCREMENT_PRIMARY_KEY%$", "BIGSERIAL PRIMARY KEY")


def _outcome(conn: Any, sql: str, kind: str) -> str:
    """What PostgreSQL says of a statement: "ok" or the error's class name."""
    import psycopg

    # A DROP in an early-return branch (the rest of the function has the table) and a
    # session setting (the fixture's `SET statement_timeout TO 1` would cancel what
    # follows on a loaded machine) are checked, then undone.
    undone = sql.upper().startswith(("DROP ", "SET ", "RESET "))
    conn.execute("SAVEPOINT s")
    try:
        if kind == "query":
            conn.execute(f"PREPARE p AS {sql}")
            conn.execute("DEALLOCATE p")
        else:  # utility statements take no parameters: they run
            conn.execute(sql)
    except psycopg.Error as exc:
        conn.execute("ROLLBACK TO SAVEPOINT s")
        return type(exc).__name__
    if undone:
        conn.execute("ROLLBACK TO SAVEPOINT s")
    conn.execute("RELEASE SAVEPOINT s")
    return "ok"


def test_postgresql_agrees_with_every_checked_statement(
    pg_db: Any, in_fixture: None, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_db.execute(_schema_sql())
    rows = [r for r in _run(capsys, "statements")["statements"] if r["path"].endswith(".py")]
    findings = [f for f in _findings(capsys) if f["path"].endswith(".py")]
    pg_db.autocommit = False
    starts = sorted({(r["path"], r["line"], r["column"]) for r in rows})
    prepared = 0
    for start in starts:
        group = [r for r in rows if (r["path"], r["line"], r["column"]) == start]
        later = [s for s in starts if s[0] == start[0] and s > start]
        end = later[0] if later else (start[0], 10**9, 0)
        here = [f for f in findings
                if f["path"] == start[0] and start[1:] <= (f["line"], f["column"]) < end[1:]]
        if any(r["unchecked"] or r["checked_as"] for r in group):
            # Other-dialect or dynamic: reported as such, never as a PostgreSQL error
            # (another engine's unknown table is that engine's: see the SQLite test).
            assert {f["rule"] for f in here if "SQLite statement" not in f["message"]
                    } <= {"SL006", "SL007"}, (start, here)
            continue
        said = Counter(_ERRORS[f["rule"]] for f in here if f["rule"] in _ERRORS)
        told = Counter(_outcome(pg_db, r["sql"], r["kind"]) for r in group)
        prepared += told["ok"]
        assert told - Counter({"ok": told["ok"]}) == said, (start, [r["sql"] for r in group])
    pg_db.rollback()
    assert prepared >= 25  # the test ran on the statements, not on nothing


def test_sqlite_agrees_with_every_statement_checked_as_sqlite(
    in_fixture: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite's own parser judges what sqllint checked as SQLite: the tables sqllint
    calls unknown are the ones SQLite has no table for, and no other statement fails
    on a table or on syntax there."""
    rows = [r for r in _run(capsys, "statements")["statements"]
            if r["checked_as"] and r["path"].endswith(".py")]
    findings = [f for f in _findings(capsys) if "SQLite statement" in f["message"]]
    db = sqlite3.connect(":memory:")
    db.executescript((FIXTURE / "db" / "schema.sql.sqlite").read_text())
    # SQLite's copy of the PostgreSQL tables: what the project's SQLite schema would add.
    for table in ("events", "rooms", "receipts"):
        db.execute(f"CREATE TABLE {table} (event_id, room_id, sender, processed, creator)")
    said = {(f["path"], f["line"]) for f in findings}
    told: set[tuple[str, int]] = set()
    for row in rows:
        try:
            db.execute("EXPLAIN " + row["sql"])
        except sqlite3.Error as exc:
            assert "syntax error" not in str(exc), (row, exc)
            if "no such table" in str(exc):
                told.add((row["path"], row["line"]))
    assert said == told == {("app/store.py", 121)}
