"""SQL found in Python sources: what counts as SQL, its text, and exact file positions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqllint.config import Config, SqlFunction
from sqllint.model import Statement
from sqllint.sources.python import noqa_lines, statements

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "pyapp"


def extract(source: str, config: Config | None = None, **kwargs: bool) -> list[Statement]:
    return statements("app.py", textwrap.dedent(source), config or Config(), **kwargs)


def one(source: str, config: Config | None = None, **kwargs: bool) -> Statement:
    found = extract(source, config, **kwargs)
    assert len(found) == 1, [s.sql for s in found]
    return found[0]


def where(source: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based line and column of the ``nth`` occurrence of ``needle`` in the source."""
    text = textwrap.dedent(source)
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def at(stmt: Statement, needle: str) -> tuple[int, int]:
    """File position of the SQL character where ``needle`` starts in the statement."""
    return stmt.position(stmt.sql.index(needle))


# --- the calls that take SQL ---------------------------------------------------------------


def test_cursor_execute_single_quoted() -> None:
    src = """
    def f(cur, vm_id):
        cur.execute('SELECT id FROM vms WHERE id = %s', (vm_id,))
    """
    stmt = one(src)
    assert stmt.sql == "SELECT id FROM vms WHERE id = $1"
    assert stmt.origin == "cur.execute"
    assert stmt.kind == "query" and stmt.parsed
    assert stmt.position(0) == (3, 18)
    assert at(stmt, "WHERE") == where(src, "WHERE")


@pytest.mark.parametrize("method", ["executemany", "mogrify", "copy_expert"])
def test_other_dbapi_methods(method: str) -> None:
    src = f"""
    def f(cur, rows):
        cur.{method}("INSERT INTO audit_logs (action) VALUES (%s)", rows)
    """
    stmt = one(src)
    assert stmt.origin == f"cur.{method}"
    assert stmt.sql == "INSERT INTO audit_logs (action) VALUES ($1)"
    assert stmt.position(0) == where(src, "INSERT")


def test_executescript_splits_statements_with_their_positions() -> None:
    src = """
    import sqlite3
    conn.executescript(
        "CREATE TABLE a (id int);\\n"
        "CREATE INDEX a_id ON a (id);"
    )
    """
    first, second = extract(src)
    assert first.sql == "CREATE TABLE a (id int)"
    assert second.sql == "CREATE INDEX a_id ON a (id)"
    assert first.position(0) == where(src, "CREATE TABLE")
    assert second.position(0) == where(src, "CREATE INDEX")
    assert at(second, "ON a") == where(src, "ON a")


def test_sqlalchemy_text_imported_and_qualified() -> None:
    src = """
    import sqlalchemy as sa
    from sqlalchemy import text

    def f(conn):
        conn.scalar(text("SELECT count(*) FROM users WHERE name = :name"))
        return sa.text("SELECT id FROM nodes WHERE state = :state AND id = :id::uuid")
    """
    first, second = extract(src)
    assert first.origin == "sqlalchemy.text"
    assert first.sql == "SELECT count(*) FROM users WHERE name = $1"
    assert second.sql == "SELECT id FROM nodes WHERE state = $1 AND id = $2::uuid"
    assert second.params == (":state", ":id")
    assert at(second, "AND") == where(src, "AND id")


def test_psycopg_sql_composition() -> None:
    src = """
    from psycopg import sql

    def f(cur, table):
        cur.execute(
            sql.SQL("SELECT id FROM {} WHERE state = %s").format(sql.Identifier(table)),
            ("running",),
        )
    """
    stmt = one(src)
    assert stmt.sql == 'SELECT id FROM "{sql.Identifier(table)}" WHERE state = $1'
    assert stmt.dynamic == ("sql.Identifier(table)",)
    assert at(stmt, "WHERE") == where(src, "WHERE")
    assert stmt.parsed


def test_psycopg_sql_alone_is_a_target() -> None:
    stmt = one('from psycopg import sql\nQ = sql.SQL("DELETE FROM {tbl} WHERE id = %s")\n')
    assert stmt.origin == "psycopg.sql.SQL"
    assert stmt.dynamic == ("tbl",)


def test_pandas_read_sql() -> None:
    src = """
    import pandas as pd

    def frame(engine):
        return pd.read_sql_query("SELECT cpu_usage FROM vm_metrics WHERE vm_id = %(vm)s", engine)
    """
    stmt = one(src)
    assert stmt.origin == "pandas.read_sql_query"
    assert stmt.sql == "SELECT cpu_usage FROM vm_metrics WHERE vm_id = $1"
    assert stmt.position(0) == where(src, "SELECT")


def test_django_raw_and_rawsql() -> None:
    src = """
    from django.db.models.expressions import RawSQL

    def f(qs):
        Vm.objects.raw("SELECT id FROM vms WHERE state = %s", ["running"])
        return qs.annotate(n=RawSQL("SELECT count(*) FROM vm_metrics WHERE vm_id = vms.id", ()))
    """
    first, second = extract(src)
    assert first.origin == "Vm.objects.raw"
    assert second.origin == "RawSQL"
    assert second.sql.startswith("SELECT count(*)")
    assert second.position(0) == where(src, "SELECT count")


def test_asyncpg_methods() -> None:
    src = """
    async def f(conn, vm_id):
        await conn.fetch("SELECT * FROM vm_metrics WHERE vm_id = $1", vm_id)
        await conn.fetchrow("SELECT * FROM vms WHERE id = $1", vm_id)
        await conn.fetchval("SELECT count(*) FROM alerts")
        await conn.execute("UPDATE vms SET state = $2 WHERE id = $1", vm_id, "off")
    """
    found = extract(src)
    assert [s.origin for s in found] == [
        "conn.fetch", "conn.fetchrow", "conn.fetchval", "conn.execute",
    ]
    assert found[3].sql == "UPDATE vms SET state = $2 WHERE id = $1"
    assert at(found[3], "$1") == where(src, "$1", 2)


def test_fetch_with_a_non_sql_string_is_not_sql() -> None:
    assert extract('client.fetch("https://example.com/select/from")\n') == []


def test_alembic_op_execute_is_a_migration_step() -> None:
    src = """
    from alembic import op

    def upgrade():
        op.execute("CREATE INDEX vms_state_idx ON vms (state)")

    def downgrade():
        op.execute("DROP INDEX vms_state_idx")
    """
    stmt = one(src)  # the downgrade is not a step of the migration
    assert stmt.origin == "op.execute"
    assert stmt.migration and stmt.kind == "migration"
    assert stmt.position(0) == where(src, "CREATE")


def test_alembic_op_execute_is_migration_even_outside_migration_folders() -> None:
    stmt = one('from alembic import op\nop.execute("DROP INDEX vms_state_idx")\n')
    assert stmt.migration


def test_django_runsql_keyword_and_list() -> None:
    src = """
    from django.db import migrations

    class Migration(migrations.Migration):
        operations = [
            migrations.RunSQL(
                sql=["CREATE INDEX a_idx ON alerts (status)", ("DROP INDEX b_idx", None)],
                reverse_sql="DROP INDEX a_idx",
            ),
        ]
    """
    found = extract(src, migration=True)
    assert [s.sql for s in found] == ["CREATE INDEX a_idx ON alerts (status)", "DROP INDEX b_idx"]
    assert all(s.migration and s.kind == "migration" for s in found)
    assert found[1].position(0) == where(src, "DROP INDEX b_idx")


def test_migration_flag_from_caller() -> None:
    stmt = one('def f(cur):\n    cur.execute("CREATE TABLE t (id int)")\n', migration=True)
    assert stmt.migration and stmt.kind == "migration"
    stmt = one('def f(cur):\n    cur.execute("CREATE TABLE t (id int)")\n')
    assert not stmt.migration and stmt.kind == "ddl"


# --- names bound to SQL ----------------------------------------------------------------------


def test_module_constant() -> None:
    src = """
    USER_BY_EMAIL = "SELECT id FROM users WHERE email = %s"

    def f(cur, email):
        cur.execute(USER_BY_EMAIL, (email,))
    """
    stmt = one(src)
    assert stmt.origin == "cur.execute"
    assert stmt.position(0) == (2, 18)


def test_class_constant_through_self() -> None:
    src = """
    class Repo:
        BY_STATE = '''
            SELECT id, name
            FROM vms
            WHERE state = %(state)s
        '''

        def by_state(self, cur, state):
            cur.execute(self.BY_STATE, {"state": state})
    """
    stmt = one(src)
    assert stmt.origin == "cur.execute"
    assert stmt.sql.startswith("SELECT id, name\n")
    assert stmt.position(0) == where(src, "SELECT")
    assert at(stmt, "FROM") == where(src, "FROM")
    assert at(stmt, "WHERE") == where(src, "WHERE")


def test_local_variable_built_with_plus_equals() -> None:
    src = """
    def search(cur, org, state=None):
        query = "SELECT id FROM vms WHERE organization_id = %s"
        if state:
            query += " AND state = %s"
        else:
            query += " AND state IS NULL"
        query += " ORDER BY name"
        cur.execute(query, (org, state))
    """
    # One statement for each path through the if: both are checked.
    stmt, other = extract(src)
    assert stmt.sql == "SELECT id FROM vms WHERE organization_id = $1 AND state = $2 ORDER BY name"
    assert other.sql == (
        "SELECT id FROM vms WHERE organization_id = $1 AND state IS NULL ORDER BY name"
    )
    assert at(other, "AND state IS NULL") == where(src, "AND state IS NULL")
    assert at(stmt, "AND state") == where(src, "AND state")
    assert at(stmt, "ORDER") == where(src, "ORDER")
    assert stmt.parsed


def test_reassigned_variable_gives_each_statement() -> None:
    src = """
    def f(cur):
        q = "SELECT 1 FROM vms"
        cur.execute(q)
        q = "SELECT 2 FROM nodes"
        cur.execute(q)
    """
    assert [s.sql for s in extract(src)] == ["SELECT 1 FROM vms", "SELECT 2 FROM nodes"]


# --- how the string is written ---------------------------------------------------------------


def test_implicit_concatenation_across_lines() -> None:
    src = """
    def f(cur, token):
        cur.execute(
            "SELECT u.id "
            "FROM sessions s "
            "JOIN users u ON u.id = s.user_id "
            "WHERE s.token = %s",
            (token,),
        )
    """
    stmt = one(src)
    assert stmt.sql == (
        "SELECT u.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token = $1"
    )
    assert stmt.position(0) == (4, 10)
    assert at(stmt, "JOIN") == (6, 10)
    assert at(stmt, "s.user_id") == where(src, "s.user_id")
    assert stmt.location().end_line == 7


def test_triple_quoted_string() -> None:
    src = '''
    def f(cur):
        cur.execute("""
            SELECT id,
                   name
            FROM nodes
        """)
    '''
    stmt = one(src)
    assert stmt.position(0) == (4, 9)
    assert at(stmt, "name") == (5, 16)
    assert at(stmt, "nodes") == (6, 14)


def test_raw_and_byte_strings() -> None:
    src = r"""
    def f(cur):
        cur.execute(r"SELECT id FROM vms WHERE name ~ '\d+' AND state = %s")
        cur.execute(b"SELECT id FROM nodes WHERE name = %s")
    """
    first, second = extract(src)
    assert first.sql == r"SELECT id FROM vms WHERE name ~ '\d+' AND state = $1"
    assert at(first, "AND") == where(src, "AND")
    assert second.sql == "SELECT id FROM nodes WHERE name = $1"
    assert second.position(0) == where(src, "SELECT id FROM nodes")


def test_escape_sequences_keep_later_positions_exact() -> None:
    src = r"""
    def f(cur):
        cur.execute("SELECT \"id\"\n\tFROM vms\nWHERE state = 'it''s' AND x = %s")
    """
    stmt = one(src)
    assert stmt.sql == "SELECT \"id\"\n\tFROM vms\nWHERE state = 'it''s' AND x = $1"
    assert at(stmt, "FROM") == where(src, "FROM")
    assert at(stmt, "WHERE") == where(src, "WHERE")
    assert at(stmt, "AND") == where(src, "AND")
    assert at(stmt, '"id"') == where(src, '\\"id')
    assert any(seg.escaped for seg in stmt.offsets.segments)


def test_plus_concatenation_and_parenthesised_lines() -> None:
    src = """
    def f(cur):
        cur.execute(("SELECT id FROM vms " +
                     "WHERE state = %s") + " LIMIT 10")
    """
    stmt = one(src)
    assert stmt.sql == "SELECT id FROM vms WHERE state = $1 LIMIT 10"
    assert at(stmt, "WHERE") == where(src, "WHERE")
    assert at(stmt, "LIMIT") == where(src, "LIMIT")


def test_fstring_values_become_parameters_and_identifiers_dynamic() -> None:
    src = """
    def f(cur, table, vm_id, n):
        cur.execute(f"SELECT * FROM {table} WHERE id = {vm_id} LIMIT {n!r}")
    """
    stmt = one(src)
    assert stmt.sql == 'SELECT * FROM "{table}" WHERE id = $1 LIMIT $2'
    assert stmt.dynamic == ("table",)
    assert stmt.params == ("vm_id", "n")
    assert at(stmt, "WHERE") == where(src, "WHERE")
    assert at(stmt, "$1") == where(src, "{vm_id}")
    assert at(stmt, "LIMIT") == where(src, "LIMIT")
    assert stmt.parsed


def test_fstring_with_only_values_is_not_dynamic() -> None:
    stmt = one('def f(cur, x):\n    cur.execute(f"SELECT id FROM vms WHERE name = {x}")\n')
    assert stmt.dynamic == ()
    assert stmt.sql == "SELECT id FROM vms WHERE name = $1"


def test_percent_formatting() -> None:
    src = """
    def f(cur, table, state):
        cur.execute("SELECT id FROM %s WHERE state = '%s'" % (table, state))
    """
    stmt = one(src)
    assert stmt.sql == "SELECT id FROM \"{table}\" WHERE state = '$1'"
    assert stmt.dynamic == ("table",)
    assert at(stmt, "WHERE") == where(src, "WHERE")


def test_format_method() -> None:
    src = """
    def f(cur, t):
        cur.execute("SELECT id FROM {tbl} WHERE id = {} AND x = '{{}}'".format(7, tbl=t))
    """
    stmt = one(src)
    assert stmt.sql == "SELECT id FROM \"{t}\" WHERE id = $1 AND x = '{}'"
    assert stmt.dynamic == ("t",)
    assert at(stmt, "AND") == where(src, "AND")


# --- placeholders ------------------------------------------------------------------------------


def test_placeholder_styles_and_positions_after_them() -> None:
    src = """
    def f(cur):
        cur.execute("SELECT a FROM t WHERE b = %(name)s AND c = :other AND d = ? AND e = $9 "
                    "AND f = %s AND g::text = 'x:y ?' AND h LIKE 'a%%'")
    """
    stmt = one(src)
    assert stmt.sql == (
        "SELECT a FROM t WHERE b = $10 AND c = $11 AND d = $12 AND e = $9 "
        "AND f = $13 AND g::text = 'x:y ?' AND h LIKE 'a%'"
    )
    assert at(stmt, "AND c") == where(src, "AND c")
    assert at(stmt, "AND d") == where(src, "AND d")
    assert at(stmt, "AND e") == where(src, "AND e")
    assert at(stmt, "AND g") == where(src, "AND g")
    assert at(stmt, "'a%'") == where(src, "'a%%'")
    assert at(stmt, "$11") == where(src, ":other")
    assert stmt.parsed


def test_same_named_placeholder_same_number() -> None:
    stmt = one('cur.execute("SELECT 1 FROM t WHERE a = %(x)s OR b = %(x)s")\n')
    assert stmt.sql == "SELECT 1 FROM t WHERE a = $1 OR b = $1"


def test_jsonb_question_mark_operator_is_kept() -> None:
    stmt = one('cur.execute("SELECT id FROM alerts WHERE labels ? %s AND labels ?| %s")\n')
    assert stmt.sql == "SELECT id FROM alerts WHERE labels ? $1 AND labels ?| $2"


def test_qmark_in_sqlite_code() -> None:
    src = 'import sqlite3\ncur.execute("SELECT id FROM t WHERE a = ? AND b IN (?, ?)")\n'
    assert one(src).sql == "SELECT id FROM t WHERE a = $1 AND b IN ($2, $3)"


# --- not everything is SQL ---------------------------------------------------------------------


def test_prose_docstrings_and_log_messages_produce_nothing() -> None:
    src = '''
    """Select the plan from the menu."""
    import logging

    HELP = "Select the plan from the menu"
    NOTE = "update the cache from disk"

    def refresh(cache):
        """Update the cache from the source and delete from memory what expired."""
        logging.info("delete from cache where stale")
        raise ValueError("DELETE FROM cache WHERE stale failed")
    '''
    assert extract(src) == []


def test_sql_looking_string_elsewhere_is_found_when_it_parses() -> None:
    src = """
    QUERIES = {
        "expired": "DELETE FROM sessions WHERE expires_at < now()",
        "label": "select the label from the menu and save it",
    }
    """
    stmt = one(src)
    assert stmt.sql == "DELETE FROM sessions WHERE expires_at < now()"
    assert stmt.origin == "app.py"
    assert stmt.position(0) == where(src, "DELETE")


def test_string_reaching_execute_that_does_not_parse_is_an_error() -> None:
    src = """
    def f(cur):
        cur.execute("SELEC id FROM vms")
    """
    stmt = one(src)
    assert not stmt.parsed
    assert stmt.error is not None and "SELEC" in stmt.error
    assert stmt.position(stmt.error_offset) == where(src, "SELEC")


def test_unparsable_sql_looking_string_reaching_no_call_is_ignored() -> None:
    assert extract('X = "SELECT id FROM vms WHERE"\n') == []


def test_sqlite_dialect_is_not_reported() -> None:
    src = """
    import sqlite3

    def save(conn, k, v):
        conn.execute("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", (k, v))
    """
    stmt = one(src)  # seen, and said to be SQLite: not a PostgreSQL parse error
    assert (stmt.dialect, stmt.unchecked) == ("sqlite", "SQLite SQL (INSERT OR …)")


def test_unresolved_interpolation_does_not_make_a_parse_error() -> None:
    src = 'def f(cur, cond):\n    cur.execute(f"SELECT id FROM vms WHERE {cond} ORDER BY 1")\n'
    stmt = one(src)
    assert stmt.parsed  # {cond} stands as a boolean parameter
    src = 'def f(cur, extra):\n    cur.execute("SELECT id FROM vms WHERE a = 1 " + extra)\n'
    assert all(s.parsed for s in extract(src))


# --- configuration -----------------------------------------------------------------------------


def test_sql_functions_config() -> None:
    src = """
    class Service:
        def get(self, vm_id):
            return self.store.fetch_one("SELECT id FROM vms WHERE id = %s LIMIT", vm_id)
    """
    assert extract(src) == []  # does not parse and reaches no known call: not SQL
    config = Config(sql_functions=(SqlFunction("*.fetch_one", 0),))
    stmt = one(src, config)
    assert stmt.origin == "self.store.fetch_one"
    assert stmt.error is not None
    assert stmt.position(0) == where(src, "SELECT")
    assert at(stmt, "LIMIT") == where(src, "LIMIT")


def test_sql_functions_argument_index_and_exact_receiver() -> None:
    src = """
    from psycopg2.extras import execute_values

    def f(cur, rows, repo):
        execute_values(cur, "INSERT INTO vms (id, name) VALUES %s", rows)
        repo.query("SELEC broken")
        myrepo.query("SELEC other")
    """
    config = Config(
        sql_functions=(SqlFunction("execute_values", 1), SqlFunction("repo.query", 0))
    )
    found = extract(src, config)
    assert [s.origin for s in found] == ["execute_values", "repo.query"]
    # execute_values fills rows in for `VALUES %s`: one row of parameters stands there.
    assert found[0].sql == "INSERT INTO vms (id, name) VALUES ($1, $2)"
    assert found[1].error is not None


# --- robustness ----------------------------------------------------------------------------------


def test_syntax_error_in_python_does_not_raise() -> None:
    src = 'def f(:\n    X = "SELECT id FROM vms WHERE id = 1"\n    cur.execute("SELECT 1 FROM t"\n'
    found = statements("bad.py", src, Config())
    assert [s.sql for s in found] == ["SELECT id FROM vms WHERE id = 1", "SELECT 1 FROM t"]
    assert found[0].position(0) == (2, 10)


def test_non_ascii_before_the_string_counts_characters() -> None:
    src = 'def f(cur):\n    é = "ü"; cur.execute("SELECT \'ß\' FROM t WHERE a = %s")\n'
    stmt = one(src)
    assert stmt.position(0) == (2, 27)
    assert at(stmt, "WHERE") == (2, 45)
    assert stmt.parsed


def test_crlf_line_endings() -> None:
    src = 'def f(cur):\r\n    cur.execute("""SELECT id\r\n    FROM vms""")\r\n'
    stmt = one(src)
    assert stmt.sql == "SELECT id\n    FROM vms"
    assert at(stmt, "FROM") == (3, 5)


def test_file_without_sql_is_cheap_and_empty() -> None:
    assert statements("x.py", "def f(x):\n    return x + 1\n", Config()) == []


_REAL_MODULE = (FIXTURE / "app" / "repository.py").read_text(encoding="utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(),
        st.binary().map(lambda b: b.decode("utf-8", errors="replace")),
        st.integers(0, len(_REAL_MODULE)).map(lambda n: _REAL_MODULE[:n]),
        st.tuples(st.integers(0, len(_REAL_MODULE)), st.text(max_size=5)).map(
            lambda t: _REAL_MODULE[: t[0]] + t[1] + _REAL_MODULE[t[0] :]
        ),
        st.text(alphabet="'\"\\{}%():?$fbr SELECT FROM\n+", max_size=80).map(
            lambda s: f'cur.execute({s})\nX = f"SELECT {{a}} FROM t" {s}\n'
        ),
    )
)
def test_no_exception_escapes(text: str) -> None:
    for stmt in statements("fuzz.py", text, Config()):
        stmt.position(len(stmt.sql))
        stmt.location()


# --- suppression comments ----------------------------------------------------------------------


def test_noqa_lines() -> None:
    text = (
        "a = 1\n"
        'cur.execute("SELECT * FROM t")  # noqa: SL101,SL102\n'
        "b = 2  # noqa\n"
        "c = 3  # sqllint: disable=SL103\n"
        "d = 4  # NOQA:SL104 SL105\n"
    )
    assert noqa_lines(text) == {
        2: frozenset({"SL101", "SL102"}),
        3: frozenset(),
        4: frozenset({"SL103"}),
        5: frozenset({"SL104", "SL105"}),
    }
    assert noqa_lines("x = 1\n") == {}


# --- the fixture application ---------------------------------------------------------------------


def _fixture(path: str) -> list[Statement]:
    file = FIXTURE / path
    text = file.read_text(encoding="utf-8")
    return statements(path, text, Config(), migration="migrations" in path)


def test_fixture_application() -> None:
    repo = _fixture("app/repository.py")
    assert len(repo) == 13  # search() with two optional filters: four statements
    assert [s.origin for s in repo].count("cur.execute") == 12
    assert sum(not s.parsed for s in repo) == 1
    # sql.Identifier("alerts") names a known table: only the f-string's {table} is dynamic.
    assert {d for s in repo for d in s.dynamic} == {"table"}
    metrics = _fixture("app/metrics.py")
    assert [s.origin for s in metrics] == [
        "conn.fetch", "conn.fetchval", "conn.execute", "sqlalchemy.text", "pandas.read_sql",
    ]
    assert all(s.parsed for s in metrics)
    assert [s.origin for s in _fixture("app/django_views.py")] == ["Vm.objects.raw", "RawSQL"]
    assert _fixture("app/prose.py") == []
    alembic = _fixture("migrations/versions/0001_vm_indexes.py")
    assert [s.node_type for s in alembic] == ["IndexStmt", "AlterTableStmt"]
    django = _fixture("djapp/migrations/0002_alerts_labels.py")
    assert [s.sql for s in django] == [
        "CREATE INDEX alerts_labels_gin ON alerts USING gin (labels)",
        "CREATE INDEX alerts_status_idx ON alerts (status)",
    ]
    assert all(s.migration for s in alembic + django)
