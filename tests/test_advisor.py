"""The advisor: can_serve rules, suggestions, and repository-wide consolidation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sqllint.advisor.plan import covers, parse_request
from sqllint.cli import main


def _plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str], files: dict[str, str]) -> dict[str, object]:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    monkeypatch.chdir(tmp_path)
    main(["check", "--format", "json", "."])
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


SCHEMA = """
CREATE TABLE events (id bigint PRIMARY KEY, account_id bigint, kind text,
                     created_at timestamptz);
CREATE INDEX events_kind_idx ON events (kind);
"""


def test_one_index_serves_several_queries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    report = _plan(tmp_path, monkeypatch, capsys, {
        "schema.sql": SCHEMA,
        "a.sql": "SELECT id FROM events WHERE account_id = $1;\n",
        "b.sql": "SELECT id FROM events WHERE account_id = $1 ORDER BY created_at DESC "
                 "LIMIT 20;\n",
    })
    indexes = report["indexes"]
    assert isinstance(indexes, list)
    assert [i["ddl"] for i in indexes] == [
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS events_account_id_created_at_idx "
        "ON events (account_id, created_at DESC);"]
    assert indexes[0]["serves"] == ["a.sql:1", "b.sql:1"]
    findings = report["findings"]
    assert isinstance(findings, list)
    suggested = {f["suggestion"] for f in findings if f["rule"] in ("SL103", "SL108")}
    assert suggested == {indexes[0]["ddl"]}


def test_no_suggestion_duplicates_an_existing_index(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    report = _plan(tmp_path, monkeypatch, capsys, {
        "schema.sql": SCHEMA,
        "q.sql": "SELECT id FROM events WHERE kind = $1 AND created_at > $2;\n",
    })
    assert report["indexes"] == []


def test_prefix_and_permutation_cover() -> None:
    long = parse_request("CREATE INDEX x ON t (b, a, c DESC);")
    short = parse_request("CREATE INDEX y ON t (a, b);")
    other = parse_request("CREATE INDEX z ON t (c);")
    assert long is not None and short is not None and other is not None
    assert covers(long, short)
    assert not covers(long, other)
    assert parse_request("CREATE UNIQUE INDEX u ON t (a);") is None


def test_partial_request_of_equality_keys_is_served_by_a_plain_index() -> None:
    plain = parse_request("CREATE INDEX a ON vms (owner_id);")
    partial = parse_request("CREATE INDEX b ON vms (owner_id) WHERE state = 'running';")
    assert plain is not None and partial is not None
    assert covers(plain, partial) and not covers(partial, plain)


def test_indexes_command_writes_a_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "schema.sql").write_text(SCHEMA)
    (tmp_path / "q.sql").write_text("SELECT id FROM events WHERE kind = $1 "
                                    "ORDER BY created_at DESC LIMIT 5;\n")
    monkeypatch.chdir(tmp_path)
    main(["indexes", "--out", "plan.sql", "."])
    text = (tmp_path / "plan.sql").read_text()
    assert "--   q.sql:1" in text
    assert "events_kind_idx" in text  # the new index makes the old one redundant
    assert ("CREATE INDEX CONCURRENTLY IF NOT EXISTS events_kind_created_at_idx "
            "ON events (kind, created_at DESC);") in text


def test_a_partial_index_is_usable_only_when_the_query_proves_its_where() -> None:
    from sqllint.advisor.serve import usable
    from sqllint.analysis.facts import query_facts
    from sqllint.catalog.model import Catalog, Column, Index, IndexKey, Table
    from sqllint.sources.sqlfile import parse

    table = Table(schema="public", name="t", columns=tuple(
        Column(n, ty) for n, ty in (("id", "bigint"), ("status", "text"), ("name", "text"),
                                    ("amount", "integer"), ("at", "date"),
                                    ("deleted_at", "timestamptz"))))
    catalog = Catalog(tables={table.qualified: table}, names={"t": table.qualified})

    def ok(where: str, sql_where: str) -> bool:
        index = Index(name="i", schema="public", table=table.qualified,
                      keys=(IndexKey(column="id"),),
                      predicate=where)
        node, error, _ = parse(f"SELECT id FROM t WHERE {sql_where}")
        assert error is None
        return usable(index, query_facts(node, catalog).predicates, table)

    assert not ok("status = 'active' AND NOT name LIKE '~%'", "status = 'active'")
    assert ok("status = 'active' AND NOT name LIKE '~%'",
              "NOT name LIKE '~%' AND status = 'active'")
    assert ok("status IN ('a', 'b')", "status = 'b'")
    assert not ok("status IN ('a', 'b')", "status IN ('a', 'c')")
    assert ok("status <> 'gone'", "status = 'here'")
    assert not ok("status = 'active'", "status = $1")
    assert ok("amount > 100", "amount >= 500") and not ok("amount > 100", "amount > 50")
    assert ok("at >= '2024-01-01'", "at > '2024-06-30'")
    assert not ok("at >= '2024-01-01'", "at > $1")
    assert ok("deleted_at IS NULL", "deleted_at IS NULL AND id = $1")
    assert ok("name IS NOT NULL", "name = $1")
    assert not ok("lower(name) <> ''", "name = 'x'")
