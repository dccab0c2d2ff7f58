"""The editor session re-lints one file against the project read once, and finds what a
full run finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqllint.check import check_project
from sqllint.config import load_config
from sqllint.lsp.session import Session
from sqllint.project import load_project


def _full(root: Path, path: str) -> list[tuple[str, int, int]]:
    project = load_project([root], load_config(None, start=root))
    return sorted((f.rule, f.location.line, f.location.column)
                  for f in check_project(project).findings if f.location.path == path)


def _got(findings: list) -> list[tuple[str, int, int]]:  # type: ignore[type-arg]
    return sorted((f.rule, f.location.line, f.location.column) for f in findings)


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    (tmp_path / "sqllint.toml").write_text("", encoding="utf-8")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text(
        "CREATE TABLE vms (id bigint PRIMARY KEY, name text, state text);\n", encoding="utf-8")
    (tmp_path / "migrations" / "002_more.sql").write_text(
        "ALTER TABLE vms ADD COLUMN org bigint;\n", encoding="utf-8")
    (tmp_path / "query.sql").write_text("SELECT id FROM vms WHERE id = $1;\n",
                                        encoding="utf-8")
    return tmp_path


def test_a_query_edit_reuses_the_catalog(project: Path) -> None:
    session = Session(project)
    assert session.lint(project / "query.sql", "SELECT id FROM vms WHERE id = $1;\n") == []
    assert session.last_mode == "full"
    assert session.project is not None
    catalog = session.project.catalog
    text = "SELECT id FROM vms WHERE id = $1;\nSELECT * FROM vms WHERE state = $1;\n"
    found = session.lint(project / "query.sql", text)
    assert session.last_mode == "reused" and session.project.catalog is catalog
    (project / "query.sql").write_text(text, encoding="utf-8")
    assert _got(found) == _full(project, "query.sql")
    assert ("SL101", 2, 8) in _got(found)


def test_a_migration_edit_rebuilds_the_schema_it_changes(project: Path) -> None:
    session = Session(project)
    session.lint(project / "query.sql", "SELECT id FROM vms WHERE id = $1;\n")
    text = "ALTER TABLE vms ADD COLUMN org bigint;\nCREATE INDEX vms_state ON vms (state);\n"
    found = session.lint(project / "migrations" / "002_more.sql", text)
    assert session.last_mode == "catalog"
    (project / "migrations" / "002_more.sql").write_text(text, encoding="utf-8")
    assert _got(found) == _full(project, "migrations/002_more.sql") == [("SL301", 2, 1)]
    # The query file now sees the new column: `org` resolves.
    after = session.lint(project / "query.sql", "SELECT org FROM vms WHERE id = $1;\n")
    assert [f.rule for f in after] == []
    assert [f.rule for f in session.lint(project / "query.sql",
                                         "SELECT nope FROM vms WHERE id = $1;\n")] == ["SL003"]


def test_queries_of_one_atomic_body_keep_their_own_findings(project: Path) -> None:
    """The session reuses query facts by text; the queries of a BEGIN ATOMIC body share
    their function's text, and each still gets its own findings."""
    text = ("CREATE FUNCTION f() RETURNS void LANGUAGE sql\nBEGIN ATOMIC\n"
            "  SELECT id FROM vms WHERE name = 'a';\n"
            "  SELECT id FROM vms WHERE state = 'b';\nEND;\n")
    found = Session(project).lint(project / "query.sql", text)
    (project / "query.sql").write_text(text, encoding="utf-8")
    assert _got(found) == _full(project, "query.sql")
    assert [(rule, line) for rule, line, _ in _got(found)] == [("SL103", 3), ("SL103", 4)]
