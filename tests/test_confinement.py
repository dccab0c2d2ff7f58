"""A committed symlink that leads outside the project is reported, never read: its target
reaches no report (a pull-request comment, a terminal, the index plan)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sqllint.cli import main

SECRET = "SELECT 'TOP-SECRET-7f3a' AS token FROM credentials;\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.sql").write_text(SECRET)
    project = tmp_path / "project"
    project.mkdir()
    (project / "sqllint.toml").write_text("")
    (project / "schema.sql").write_text("CREATE TABLE t (id int PRIMARY KEY);\n")
    (project / "q.sql").write_text("SELECT * FROM t;\n")
    (project / "leak.sql").symlink_to(outside / "secret.sql")
    (project / "inner.sql").symlink_to(project / "q.sql")  # inside: read as usual
    monkeypatch.chdir(project)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    return project


@pytest.mark.parametrize("argv", [
    ["check", "."], ["check", "--show-source", "."], ["check", "--format", "json", "."],
    ["check", "leak.sql"], ["audit", "--format", "markdown", "."], ["statements", "."],
    ["check", "--format", "sarif", "."],
])
def test_committed_symlink_to_a_secret_is_not_read_into_any_report(
        repo: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    main(argv)
    out = capsys.readouterr()
    assert "TOP-SECRET" not in out.out + out.err


def test_the_leaving_symlink_is_reported_where_it_stands(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--format", "json", "."])
    findings = json.loads(capsys.readouterr().out)["findings"]
    leak = [f for f in findings if f["path"] == "leak.sql"]
    assert [f["rule"] for f in leak] == ["SL001"]
    assert "outside the project root" in leak[0]["message"]
    # A symlink that stays inside the project is read like any file.
    assert any(f["path"] == "inner.sql" and f["rule"] == "SL101" for f in findings)
