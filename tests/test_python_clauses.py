"""SQL assembled from named fragments, constants and engine guards: the statement that
runs is the one checked, with positions in the fragment it came from."""

from __future__ import annotations

from sqllint.config import Config, SqlFunction
from tests.test_python_sources import at, extract, one, where


def test_a_fragment_bound_to_a_name_is_written_in() -> None:
    src = """
    def states(txn, group):
        select = "SELECT state_group FROM sgs"
        sql = '''
            WITH RECURSIVE sgs(state_group) AS (VALUES(?::bigint))
            %s
        '''
        txn.execute(sql % (select,), (group,))
    """
    stmt = one(src)
    assert stmt.parsed and "FROM sgs" in stmt.sql
    assert at(stmt, "state_group FROM") == where(src, "state_group FROM")


def test_the_binding_that_reaches_the_use_is_the_last_one() -> None:
    src = """
    def f(txn, rows):
        where_clause = "(type = ?)"
        where_clause = " AND type = ?"
        txn.execute(f"SELECT event_id FROM events WHERE room_id = ? {where_clause}", rows)
    """
    assert one(src).sql == "SELECT event_id FROM events WHERE room_id = $1  AND type = $2"


def test_a_constant_interpolation_is_its_text() -> None:
    src = """
    def f(txn, unique, table):
        txn.execute(f"CREATE {'UNIQUE' if unique else ''} INDEX i ON events (room_id)")
        txn.execute(f"SELECT 1 FROM events WHERE room_id = {'?'}")
    """
    first, second = extract(src)
    assert first.sql == "CREATE UNIQUE INDEX i ON events (room_id)"
    assert second.sql == "SELECT 1 FROM events WHERE room_id = $1"


def test_an_engine_guard_makes_the_rest_of_the_function_that_engine() -> None:
    src = """
    def run_create(cur, database_engine):
        if not isinstance(database_engine, Sqlite3Engine):
            return
        cur.execute("CREATE VIRTUAL TABLE event_search USING fts4 (event_id, value)")
    """
    stmt = one(src)
    assert (stmt.dialect, stmt.unchecked, stmt.node) == ("sqlite", "in a branch for SQLite", None)


def test_values_placeholder_in_a_cte_and_a_from_list() -> None:
    src = """
    def f(txn, rows):
        txn.execute_values(
            "WITH claims(user_id, device_id) AS (VALUES ?) "
            "UPDATE keys AS k SET used = TRUE FROM claims WHERE k.user_id = claims.user_id",
            rows,
        )
        txn.execute_values("SELECT 1 FROM c, (VALUES ?) AS l(chain_id, seq)", rows)
    """
    first, second = extract(src)
    assert first.sql.startswith("WITH claims(user_id, device_id) AS (VALUES ($1, $2)) ")
    assert second.sql == "SELECT 1 FROM c, (VALUES ($1, $2)) AS l(chain_id, seq)"


def test_client_side_parameter_after_to() -> None:
    src = 'cur.execute("SET statement_timeout TO ?", (ms,))\n'
    stmt = one(src)
    assert stmt.parsed and stmt.sql == "SET statement_timeout TO 1"


def test_a_description_string_is_not_sql_when_configured_elsewhere() -> None:
    src = """
    def f(self, rid):
        sql = "SELECT event_id FROM events WHERE room_id = ?"
        return self.db_pool.execute("get_events", None, sql, rid)
    """
    config = Config(sql_functions=(SqlFunction("db_pool.execute", 2),))
    stmt = one(src, config)
    assert stmt.origin == "self.db_pool.execute" and stmt.parsed


def test_a_tuple_after_in_and_a_client_side_boolean() -> None:
    src = """
    def f(db, ids, hide):
        db.all("SELECT id FROM tips WHERE tipper IN %(ids)s", dict(ids=ids))
        db.one("SELECT id FROM tips WHERE (visibility < 0) IS NOT %(hide)s", dict(hide=hide))
    """
    config = Config(sql_functions=(SqlFunction("*.all"), SqlFunction("*.one")))
    first, second = extract(src, config)
    assert first.sql == "SELECT id FROM tips WHERE tipper IN ($1)"  # psycopg2: (a, b, c)
    assert second.parsed and second.sql == "SELECT id FROM tips WHERE (visibility < 0) IS NOT TRUE"


def test_a_wildcard_sql_function_takes_only_what_starts_like_sql() -> None:
    src = """
    import subprocess

    def f(db, qs):
        subprocess.run(["stripe", "listen"], check=True)
        qs.all("success")
        db.run("DELETE FROM sessions WHERE expires < now()")
    """
    config = Config(sql_functions=(SqlFunction("*.all"), SqlFunction("*.run")))
    assert [s.sql for s in extract(src, config)] == ["DELETE FROM sessions WHERE expires < now()"]


def test_a_guarded_call_takes_sql_that_starts_with_a_comment() -> None:
    src = '''
    def prepare(cursor):
        cursor.run("""
            -- the temporary tables of the run
            CREATE TEMPORARY TABLE run_items ON COMMIT DROP AS SELECT 1 AS id;
        """)
    '''
    config = Config(sql_functions=(SqlFunction("*.run"),))
    assert one(src, config).node_type == "CreateTableAsStmt"


def test_a_call_to_a_sqlite_function_postgresql_lacks_is_sqlite_sql() -> None:
    # PostgreSQL parses it and then fails: column "value" / function typeof do not exist.
    src = '''
    def delete_non_strings(txn):
        txn.execute("DELETE FROM event_search WHERE typeof(value) != 'text'")
    '''
    stmt = one(src, Config(dialects=("postgresql", "sqlite")))
    assert (stmt.node, stmt.dialect) == (None, "sqlite")
    assert stmt.checked_as == "SQLite (syntax and table names)"
    assert [name for name, _ in stmt.dialect_tables] == ["event_search"]
    # A PostgreSQL-only project keeps it a PostgreSQL statement (checked as ever).
    assert one(src, Config()).node_type == "DeleteStmt"


def test_web_py_dollar_names_are_parameters() -> None:
    # web.py fills in `$name`, `$obj.attr` and `${expr}` on the client (a list as a
    # parenthesised list); PostgreSQL has no `$name` token, so nothing else can be meant.
    src = '''
    def notes(db, username, ids, who):
        db.query("SELECT work_id FROM notes WHERE username = $username AND work_id IN $ids "
                 "AND reader = $who.name AND shelf = ${shelf} AND author = $username",
                 vars=locals())
    '''
    stmt = one(src, Config(sql_functions=(SqlFunction("*.query"),)))
    assert stmt.sql == ("SELECT work_id FROM notes WHERE username = $1 AND work_id IN ($2) "
                        "AND reader = $3 AND shelf = $4 AND author = $1")
    assert stmt.error is None
    # A dollar quote and a `$` inside a name stay what they are.
    kept = "SELECT $q$ $x $q$ || c$d FROM t"
    assert one(f'def f(db):\n    db.query("{kept}")\n',
               Config(sql_functions=(SqlFunction("*.query"),))).sql == kept


def test_sql_on_a_sqlite_connection_is_sqlite_sql() -> None:
    src = '''
    import sqlite3
    from contextlib import closing

    def counts(path, olid):
        cur = sqlite3.connect(path).cursor()
        cur.execute("SELECT total FROM counts WHERE olid = ?", (olid,))
        with closing(sqlite3.connect(path)) as conn:
            rows = conn.cursor()
            rows.execute("SELECT total FROM counts WHERE olid = ?", (olid,))

    def on_postgres(conn, olid):
        conn.execute("SELECT total FROM counts WHERE olid = %s", (olid,))
    '''
    found = extract(src, Config())
    assert [(s.dialect, s.checked_as.split(" ")[0]) for s in found] == [
        ("sqlite", "SQLite"), ("sqlite", "SQLite"), ("", "")]
    assert found[2].node_type == "SelectStmt"


def test_cursor_and_session_statements_start_like_sql() -> None:
    config = Config(sql_functions=(SqlFunction("*.query"),))
    src = '''
    def chunks(db, query):
        db.query("DECLARE big NO SCROLL CURSOR FOR SELECT id FROM t")
        db.query("FETCH FORWARD 100 FROM big")
        db.query("CLOSE big")
        db.query("SET statement_timeout TO 0")
        db.query("set up the shelves")
    '''
    assert [s.node_type for s in extract(src, config)] == [
        "DeclareCursorStmt", "FetchStmt", "ClosePortalStmt", "VariableSetStmt"]


def test_psycopg3_binds_on_the_server_where_utility_statements_take_no_parameters() -> None:
    # psycopg 2 writes the value into the text: PostgreSQL sees `SET … TO 1000`.
    two = '''
    import psycopg2

    def slow(cur, ms):
        cur.execute("SET statement_timeout TO %s", (ms,))
    '''
    assert one(two, Config()).error is None
    # psycopg 3 sends `SET … TO $1`, which PostgreSQL rejects (syntax error at "$1") ...
    three = two.replace("psycopg2", "psycopg")
    assert one(three, Config()).error == 'syntax error at or near "$1"'
    # ... unless a ClientCursor binds it on the client.
    client = three + "\n    cursor_factory = psycopg.ClientCursor\n"
    assert one(client, Config()).error is None


def test_psycopg_sql_parts_are_fragments_and_only_the_composed_statement_is_checked() -> None:
    src = '''
    from psycopg2.sql import SQL, Literal
    from psycopg2.extras import execute_values

    def load(cur, rows, src):
        template = SQL("(%s, %s, {src})").format(src=Literal(src))
        execute_values(cur, "INSERT INTO items (id, owner, score) VALUES %s", rows, template)
        cur.execute(SQL("SELECT {} FROM items").format(
            SQL(",").join([SQL("to_timestamp(0)"), SQL("null")])))
    '''
    found = extract(src, Config())
    assert [s.sql for s in found] == ["INSERT INTO items (id, owner, score) VALUES ($1, $2, $3)",
                                      "SELECT $1 FROM items"]
    assert all(s.error is None for s in found)


def test_a_name_another_path_binds_to_an_unknown_value_is_not_a_constant() -> None:
    # `schema = ""` holds only when split() failed; the try body's value is unknown.
    src = '''
    def rename(cur, full):
        try:
            schema, name = full.split(".")
        except ValueError:
            schema = ""
            name = full
        if schema:
            cur.execute(f"ALTER INDEX {schema}.{name}_tmp RENAME TO {name}")
    '''
    stmt = one(src, Config())
    assert stmt.error is None
    assert stmt.sql == 'ALTER INDEX "{schema}"."{name}_tmp" RENAME TO "{name}"'
    assert stmt.dynamic == ("schema", "name", "name")


def test_an_interpolation_compared_in_a_where_clause_is_a_column() -> None:
    src = '''
    def find(conn, col, v, s):
        conn.execute("SELECT id FROM items WHERE " + col + " = %s AND score = %s", (v, s))
        conn.execute(f"SELECT id FROM items WHERE id = {v}")
    '''
    found = extract(src, Config())
    assert [s.sql for s in found] == ['SELECT id FROM items WHERE "{col}" = $1 AND score = $2',
                                      "SELECT id FROM items WHERE id = $1"]
    assert [s.dynamic for s in found] == [("col",), ()]


def test_a_branch_bound_clause_is_part_of_its_statement_never_one_of_its_own() -> None:
    # The text of the CTE's body comes from one of two branches; neither is a statement.
    src = '''
    def states(cur, parts, many, group):
        if many:
            body = " UNION ".join(parts)
        else:
            body = "SELECT state_key FROM sgs"
        cur.execute(f"WITH sgs AS (SELECT state_key FROM state WHERE grp = %s) {body}", (group,))
    '''
    assert [s.sql for s in extract(src, Config())] == [
        "WITH sgs AS (SELECT state_key FROM state WHERE grp = $1) SELECT state_key FROM sgs"]
    unknown = src.replace('" UNION ".join(parts)', "build(parts)")
    assert [s.sql for s in extract(unknown, Config())] == [
        "WITH sgs AS (SELECT state_key FROM state WHERE grp = $1) $2"]


def test_sql_a_module_function_returns_is_checked_at_the_call_that_runs_it() -> None:
    src = '''
    def build(by_owner):
        where = "owner = %s" if by_owner else "id = %s"
        return f"SELECT name FROM items WHERE {where}"

    def run(cur, v):
        cur.execute(build(True), (v,))
    '''
    found = extract(src, Config())
    assert [(s.origin, s.sql) for s in found] == [
        ("cur.execute", "SELECT name FROM items WHERE owner = $1")]
