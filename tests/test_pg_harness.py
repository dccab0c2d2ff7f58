"""The PostgreSQL test harness itself: a server answers, each test gets its own database."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import psycopg

    from tests.pg import PgServer


def test_query_round_trip(pg_server: PgServer, pg_db: psycopg.Connection) -> None:
    row = pg_db.execute("SELECT %s::int + 1, current_setting('server_version_num')::int", (41,))
    assert row.fetchone() == (42, pytest.approx(150000, abs=9999))
    assert (pg_server.host, pg_db.autocommit) == ("127.0.0.1", True)
    with pg_server.connect() as conn:
        assert conn.execute("SELECT current_user").fetchone() == (pg_server.user,)


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_a_fresh_database(
    pg_server: PgServer, pg_db: psycopg.Connection, run: int
) -> None:
    # Both runs create the same table: the second would fail if the database were shared.
    pg_db.execute("CREATE TABLE marker (run int)")
    pg_db.execute("INSERT INTO marker VALUES (%s)", (run,))
    assert pg_db.execute("SELECT run FROM marker").fetchall() == [(run,)]
    # The previous test's database is gone: only this one exists beside the built-ins.
    with pg_server.connect() as admin:
        names = admin.execute(
            "SELECT datname FROM pg_database"
            " WHERE datname NOT IN ('postgres', 'template0', 'template1')"
        ).fetchall()
    assert names == pg_db.execute("SELECT current_database()").fetchall()
