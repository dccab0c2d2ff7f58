"""sqlc query files (``-- name: Foo :one``): ``@name`` and ``sqlc.arg(name)`` are
parameters, as sqlc sends them to the server, not an operator and a column."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from sqllint.cli import main
from sqllint.sources import sqlc
from sqllint.sources.sqlfile import statements

SCHEMA = """\
CREATE TABLE wallets (
    id bigserial PRIMARY KEY,
    owner text NOT NULL,
    balance bigint NOT NULL,
    email text
);
CREATE TABLE tokens (
    id bigserial PRIMARY KEY,
    wallet_id bigint NOT NULL REFERENCES wallets (id),
    secret text NOT NULL,
    used boolean NOT NULL DEFAULT false,
    expires_at timestamptz NOT NULL
);
CREATE INDEX ON tokens (wallet_id);
"""

QUERIES = """\
-- name: AddBalance :one
UPDATE wallets
SET balance = balance + sqlc.arg(amount)
WHERE id = sqlc.arg(id)
RETURNING id, balance;

-- name: UseToken :one
UPDATE tokens SET used = TRUE
WHERE id = @id AND secret = @secret AND used = FALSE AND expires_at > now()
RETURNING id;

-- name: WalletsByOwner :many
SELECT * FROM wallets WHERE id = ANY(sqlc.slice(ids)) AND email <> 'a@b.example';

-- name: SearchNotes :many
SELECT id FROM wallets WHERE owner = sqlc.narg('owner') LIMIT $1;
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sqllint.toml").write_text("")
    (tmp_path / "schema.sql").write_text(SCHEMA)
    (tmp_path / "query.sql").write_text(QUERIES)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_sqlc_parameters_are_parameters_not_columns(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--no-cache", "--format", "json", "."])
    findings = json.loads(capsys.readouterr().out)["findings"]
    where = {(f["rule"], f["line"], f["column"]) for f in findings if f["path"] == "query.sql"}
    # No unknown column `amount`, no unindexed filter where `id = @id` pins one row; what
    # the other queries really do is still reported, at its place: a star, a filter on
    # an unindexed column. (id = ANY(array) restricts the result: no SL102.)
    assert where == {("SL101", 13, 8), ("SL103", 16, 30)}


def test_parameters_keep_every_offset_and_strings_stay_as_written() -> None:
    sql = "SELECT 'a@b' AS x, c FROM t WHERE c = @name AND d = sqlc.arg(other) AND e = @name"
    out = sqlc.replace_params(sql)
    assert len(out) == len(sql)
    assert out == ("SELECT 'a@b' AS x, c FROM t WHERE c = $1    AND d = $2              "
                   "AND e = $1   ")
    assert sqlc.replace_params("SELECT a @@ b, j @> '{}' FROM t") == \
        "SELECT a @@ b, j @> '{}' FROM t"


def test_a_file_without_sqlc_annotations_is_read_as_written() -> None:
    (stmt,) = statements("q.sql", "SELECT @x FROM t;\n")
    assert "@x" in stmt.sql


def test_every_sqlc_query_prepares_on_postgresql_as_sqlc_sends_it(
        pg_db: psycopg.Connection) -> None:
    pg_db.execute(SCHEMA.encode())
    for i, stmt in enumerate(statements("query.sql", QUERIES)):
        assert stmt.node is not None, stmt.error
        pg_db.execute(f"PREPARE q{i} AS {stmt.sql}".encode())
