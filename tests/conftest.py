"""Shared fixtures.

PostgreSQL (tests/pg.py): ``pg_server`` is one throwaway cluster per session,
``pg_db`` a fresh database per test. Tests using them are marked ``pg``
(``pytest -m "not pg"`` leaves them out). Without PostgreSQL binaries they
skip, unless SQLLINT_REQUIRE_PG=1, which makes that (and any start failure) a
test failure. A start failure with the binaries present always fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.pg import PgServer, PgStartError, PgUnavailable, pg_required, start_server

if TYPE_CHECKING:
    import psycopg

PG_FIXTURES = frozenset({"pg_server", "pg_db"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pg: needs a real PostgreSQL server (pg_server / pg_db)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if PG_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.pg)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A running PostgreSQL: ``.host``, ``.port``, ``.user``, ``.connect(dbname)``."""
    missing = failed = ""
    try:
        server = start_server()
    except PgUnavailable as exc:
        missing = str(exc)
    except PgStartError as exc:
        failed = str(exc)
    # Outside the except blocks, so the report is the reason alone, without a traceback.
    if failed:
        pytest.fail(f"PostgreSQL would not start: {failed}", pytrace=False)
    if missing:
        if pg_required():
            pytest.fail(f"PostgreSQL required (SQLLINT_REQUIRE_PG=1): {missing}", pytrace=False)
        pytest.skip(missing)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_db(pg_server: PgServer) -> Iterator[psycopg.Connection]:
    """A connection (autocommit) to a fresh, empty database, dropped after the test."""
    name = pg_server.create_database()
    conn = pg_server.connect(name)
    try:
        yield conn
    finally:
        conn.close()
        pg_server.drop_database(name)
